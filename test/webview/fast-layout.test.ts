// The layered layout the layout worker uses for graphs dagre is slow on (webview/fast-layout.ts), and the edges dagre
// keeps (webview/layout-skeleton.ts): boxes of one rank never overlap, edges run downwards, cycles and densely
// connected graphs are laid out, and a real model's collapsed view takes the fast path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fastLayout, ranks } from '../../webview/fast-layout';
import { skeleton, KEEP_INCOMING } from '../../webview/layout-skeleton';
import type { LayoutRequest } from '../../webview/layout-types';
import { autoExpand, buildScopes, visibleGraph } from '../../webview/scopes';
import { decodeGraph } from '../../src/shared/graph-wire';
import { leanOpen } from '../../src/worker/lean-open';
import { ROOT } from './harness';

function request(n: number, edges: [number, number][]): LayoutRequest {
  return { id: 1, nodes: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, width: 60 + (i % 3) * 20, height: 28 })),
    edges: edges.map(([a, b]) => ({ from: `k${a}`, to: `k${b}` })) };
}

function checkLayout(req: LayoutRequest): void {
  const r = ranks(req);
  const out = fastLayout(req, r);
  assert.equal(out.nodes.length, req.nodes.length);
  const at = new Map(out.nodes.map((p, i) => [p.key, { ...p, w: req.nodes[i].width, h: req.nodes[i].height }]));
  // boxes of a rank share a y and do not overlap; everything is inside the bounds
  const byY = new Map<number, { x: number; w: number }[]>();
  for (const p of at.values()) {
    assert.ok(p.x - p.w / 2 >= 0 && p.x + p.w / 2 <= out.width + 0.001 && p.y >= 0 && p.y <= out.height, `${p.key} inside`);
    (byY.get(p.y) ?? byY.set(p.y, []).get(p.y)!).push({ x: p.x, w: p.w });
  }
  for (const row of byY.values()) {
    row.sort((a, b) => a.x - b.x);
    for (let i = 1; i < row.length; i++) assert.ok(row[i].x - row[i].w / 2 >= row[i - 1].x + row[i - 1].w / 2 - 0.001, 'no overlap');
  }
  // forward edges go down, and every edge starts at its source and ends at its target
  req.edges.forEach((e, k) => {
    const a = at.get(e.from)!, b = at.get(e.to)!, pts = out.edges[k];
    assert.ok(pts.length >= 2);
    if (r.forward[k]) assert.ok(b.y > a.y, `${e.from}→${e.to} runs down`);
    assert.ok(Math.abs(pts[0].y - (a.y + a.h / 2)) < 0.001 && Math.abs(pts[pts.length - 1].y - (b.y - b.h / 2)) < 0.001);
  });
}

test('a chain with skip connections, a cycle and a densely connected block are laid out without overlaps', () => {
  const chain = request(30, [...Array.from({ length: 29 }, (_, i) => [i, i + 1] as [number, number]), [0, 10], [5, 25], [3, 4]]);
  checkLayout(chain);
  const cycle = request(5, [[0, 1], [1, 2], [2, 3], [3, 1], [3, 4]]);
  checkLayout(cycle);
  assert.equal(ranks(cycle).forward.filter((f) => !f).length, 1, 'one edge of the cycle is laid out backwards');
  const dense: [number, number][] = [];
  for (let b = 0; b < 40; b++) for (let a = 0; a < b; a++) dense.push([a, b]);
  const req = request(40, dense);
  checkLayout(req);
  assert.ok(ranks(req).dummies > 1000, 'long edges would make dagre add many points');
});

test('a source is ranked just above its consumer, not at the top', () => {
  const req = request(6, [[0, 1], [1, 2], [2, 3], [3, 4], [5, 4]]);
  const r = ranks(req);
  assert.equal(r.rank[5], r.rank[4] - 1);
  assert.equal(r.dummies, 0);
});

test('dagre keeps each box\'s nearest few sources and each source\'s nearest consumer', () => {
  const dense: [number, number][] = [];
  for (let b = 1; b < 12; b++) for (let a = 0; a < b; a++) dense.push([a, b]);
  const req = request(12, dense);
  const kept = skeleton(req);
  for (let b = 1; b < 12; b++) {
    const incoming = req.edges.map((e, k) => ({ e, k })).filter(({ e }) => e.to === `k${b}`);
    const keptHere = incoming.filter(({ k }) => kept[k]).map(({ e }) => Number(e.from.slice(1)));
    assert.ok(keptHere.length >= Math.min(KEEP_INCOMING, b));
    for (let a = Math.max(0, b - KEEP_INCOMING); a < b; a++) assert.ok(keptHere.includes(a), `k${a}→k${b} kept`);
  }
});

test('a real model\'s overview without long edges (squeezenet1_1): laid out on the page by the layered layout, cleanly', () => {
  const g = decodeGraph(leanOpen(path.resolve(ROOT, '../shared/models/squeezenet1_1.onnx'))!.graph);
  const s = buildScopes(g);
  const v = visibleGraph(g, s, autoExpand(s, 150));
  const req: LayoutRequest = { id: 1, nodes: v.items.map((i) => ({ key: i.key, width: 80, height: 28 })), edges: v.edges };
  assert.equal(ranks(req).dummies, 0, 'every edge joins adjacent ranks: webview/layout-client.ts lays it out on the page');
  checkLayout(req);
});
