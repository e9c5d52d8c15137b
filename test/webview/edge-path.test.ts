// An edge's SVG path (webview/svg-markup.ts edgePath, written out for speed): the very string d3-shape's
// line().curve(curveBasis).digits(1) makes of the same points, for edges of every length the layouts give (one
// point, two, many), at coordinates that round either way and below zero; and the host's frame and the page's own
// drawing of a real model use it alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { curveBasis, line } from 'd3-shape';
import { edgePath, edgePathOf } from '../../webview/svg-markup';
import { firstFrame } from '../../webview/first-frame';
import { leanOpen } from '../../src/worker/lean-open';
import { ROOT } from './harness';

const d3Path = line<{ x: number; y: number }>().x((p) => p.x).y((p) => p.y).curve(curveBasis).digits(1);

/** A seeded generator (the same points in every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

test('edgePath is d3-shape\'s curveBasis path at a tenth of a pixel, for 0 to 12 points', () => {
  const r = random(7);
  for (let n = 0; n <= 12; n++) {
    for (let k = 0; k < 50; k++) {
      // whole, half-tenth (rounding either way), negative and large coordinates
      const v = (): number => [Math.round(r() * 400), Math.round(r() * 4000) / 20 + 0.05, -r() * 300, r() * 1e5][k % 4];
      const pts = Array.from({ length: n }, () => ({ x: v(), y: v() }));
      assert.equal(edgePath(pts), d3Path(pts) ?? '', `${n} points: ${JSON.stringify(pts)}`);
    }
  }
  assert.equal(edgePath([{ x: 1.04, y: -0.04 }]), 'M1,0Z');
  assert.equal(edgePath([{ x: 0, y: 0 }, { x: 10, y: 20.26 }]), 'M0,0L10,20.3');
});

test('the host\'s frame of a real model draws its edges with it', () => {
  const f = firstFrame(leanOpen(path.resolve(ROOT, '../shared/models/squeezenet1_1.onnx'))!.graph)!;
  const ds = [...f.edges.join('').matchAll(/<path marker-end="url\(#arrow\)" class="edge[^"]*" d="([^"]*)"/g)].map((m) => m[1]);
  // the host's frame of a tall graph carries what a view shows at its top (first-frame.ts NEAR_VIEW): 46 of squeezenet's edges
  assert.ok(ds.length > 30, `${ds.length} edges`);
  assert.ok(ds.every((d) => /^M[-\d.]+,[-\d.]+(L[-\d.]+,[-\d.]+)?(L[-\d.]+,[-\d.]+(C([-\d.]+,){5}[-\d.]+)+L[-\d.]+,[-\d.]+)?Z?$/.test(d)), 'B-spline paths');
  // the page's drawing keeps each edge's path while its points are the same
  const pts = [{ x: 0, y: 0 }, { x: 5, y: 30 }, { x: 40, y: 60 }];
  assert.equal(edgePathOf(pts), edgePath(pts));
  assert.equal(edgePathOf(pts), d3Path(pts));
});
