// An edge's SVG path (webview/svg-markup.ts edgePath, written out for speed): the very string d3-shape's
// line().curve(curveBasis).digits(1) makes of the same points, for edges of every length the layouts give (one
// point, two, many), at coordinates that round either way and below zero; and the host's frame and the page's own
// drawing of a real model use it alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { curveBasis, line } from 'd3-shape';
import { arrowPath, edgePath, edgePathOf } from '../../webview/svg-markup';
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
  const ds = [...f.edges.join('').matchAll(/<path class="edge[^"]*" d="([^"]*)"/g)].map((m) => m[1]);
  // the host's frame of a tall graph carries what a view shows at its top (first-frame.ts NEAR_VIEW): 46 of squeezenet's edges
  assert.ok(ds.length > 30, `${ds.length} edges`);
  assert.ok(ds.every((d) => /^M[-\d.]+,[-\d.]+(L[-\d.]+,[-\d.]+)?(L[-\d.]+,[-\d.]+(C([-\d.]+,){5}[-\d.]+)+L[-\d.]+,[-\d.]+)?Z?$/.test(d)), 'B-spline paths');
  // the page's drawing keeps each edge's path while its points are the same
  const pts = [{ x: 0, y: 0 }, { x: 5, y: 30 }, { x: 40, y: 60 }];
  assert.equal(edgePathOf(pts), edgePath(pts));
  assert.equal(edgePathOf(pts), d3Path(pts));
});

test('arrowPath is the triangle canvas.ts\'s #arrow marker draws at an edge\'s end', () => {
  // The marker: viewBox 0 0 10 10, refX 9, refY 5, markerWidth 5 (half a unit of stroke width a unit), oriented along
  // the last segment: its triangle (10,5) (0,10) (0,0) moved so that (9,5) is the edge's end.
  const marker = (end: { x: number; y: number }, angle: number, width: number): number[] =>
    [[10, 5], [0, 10], [0, 0]].flatMap(([x, y]) => {
      const s = width / 2, ux = (x - 9) * s, uy = (y - 5) * s;
      return [end.x + ux * Math.cos(angle) - uy * Math.sin(angle), end.y + ux * Math.sin(angle) + uy * Math.cos(angle)];
    });
  let seed = 3;
  const r = (): number => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  for (let k = 0; k < 40; k++) {
    const pts = Array.from({ length: 2 + (k % 4) }, () => ({ x: r() * 500 - 100, y: r() * 500 }));
    const [a, b] = pts.slice(-2), width = k % 2 ? 1.2 : 2.2;
    const d = arrowPath(pts, width);
    const got = d.match(/-?[\d.]+/g)!.map(Number);
    assert.match(d, /^M[-\d.]+,[-\d.]+L[-\d.]+,[-\d.]+L[-\d.]+,[-\d.]+Z$/);
    marker(b, Math.atan2(b.y - a.y, b.x - a.x), width).forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 0.051, `${d} vs ${v} at ${i}`));
  }
  // an edge whose last two points are the same is oriented by the segment before
  assert.equal(arrowPath([{ x: 0, y: 0 }, { x: 0, y: 10 }, { x: 0, y: 10 }], 1.2), arrowPath([{ x: 0, y: 0 }, { x: 0, y: 10 }], 1.2));
  assert.equal(arrowPath([{ x: 0, y: 100 }, { x: 0, y: 100 }], 1.2), '');
});
