// Which of a big graph's boxes and edges go into the page (webview/near-view.ts): those near the view; when labels come
// back (nothing in the page yet), ENTER_BUDGET boxes a frame, those in view first in rows from the top, and only the edges
// between boxes in the page until all have come; frame after frame, the page fills up to what is near the view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DrawEdge, DrawItem } from '../../webview/canvas';
import { edgeBounds, edgeKey, ENTER_BUDGET, nearView, type Region } from '../../webview/near-view';

/** A grid of `n` × `n` boxes 100 apart, each joined to its right and lower neighbours. */
function grid(n: number): { items: DrawItem[]; edges: DrawEdge[] } {
  const items: DrawItem[] = [], edges: DrawEdge[] = [];
  const key = (i: number, j: number): string => `b${i}_${j}`;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    items.push({ key: key(i, j), x: 100 * j, y: 100 * i, width: 60, height: 30, label: 'Conv', kind: 'node', cls: 'cat-conv', aria: '' });
    if (j + 1 < n) edges.push({ from: key(i, j), to: key(i, j + 1), count: 1, points: [{ x: 100 * j + 30, y: 100 * i }, { x: 100 * j + 70, y: 100 * i }] });
    if (i + 1 < n) edges.push({ from: key(i, j), to: key(i + 1, j), count: 1, points: [{ x: 100 * j, y: 100 * i + 15 }, { x: 100 * j, y: 100 * i + 85 }] });
  }
  return { items, edges };
}

test('labels coming back: ENTER_BUDGET boxes a frame, those in view first in rows from the top, edges only between boxes in the page', () => {
  const { items, edges } = grid(40);
  const view: Region = { x0: 1000, y0: 1000, x1: 2600, y1: 2000 };
  const near: Region = { x0: view.x0 - 1600, y0: view.y0 - 1000, x1: view.x1 + 1600, y1: view.y1 + 1000 };
  const inNear = items.filter((d) => d.x + 30 >= near.x0 && d.x - 30 <= near.x1 && d.y + 15 >= near.y0 && d.y - 15 <= near.y1);
  assert.ok(inNear.length > 3 * ENTER_BUDGET, `${inNear.length} boxes near the view`);
  let inPage = new Set<string>(), edgesInPage = new Set<string>(), frames = 0;
  const cx = (view.x0 + view.x1) / 2, cy = (view.y0 + view.y1) / 2;
  const inView = (d: DrawItem): boolean => Math.max(Math.abs(d.x - cx) / 1600, Math.abs(d.y - cy) / 1000) <= 0.5;
  const viewCount = inNear.filter(inView).length;
  assert.ok(viewCount > 2 * ENTER_BUDGET, `${viewCount} boxes in view`);
  for (;;) {
    const r = nearView(items, edges, near, view, inPage, edgesInPage);
    const fresh = r.items.filter((d) => !inPage.has(d.key));
    assert.ok(fresh.length <= ENTER_BUDGET, `frame ${frames}: ${fresh.length} new boxes`);
    assert.ok(r.items.every((d) => inNear.includes(d)), 'only boxes near the view');
    // Until every box in view is in, each frame's new boxes are in view, in rows from the top: none left out of the
    // page is above the lowest row taken, or in that row and left of a box taken.
    if (frames < Math.floor(viewCount / ENTER_BUDGET)) {
      assert.ok(fresh.every(inView), `frame ${frames}: in view first`);
      const low = Math.max(...fresh.map((d) => d.y)), left = inNear.filter((d) => inView(d) && !r.items.includes(d));
      const rightmost = Math.max(...fresh.filter((d) => d.y === low).map((d) => d.x));
      assert.ok(left.every((d) => d.y > low || (d.y === low && d.x > rightmost)), `frame ${frames}: rows from the top`);
    }
    if (frames === 0) {
      const keys = new Set(r.items.map((d) => d.key));
      assert.ok(r.edges.every((e) => keys.has(e.from) && keys.has(e.to)), 'edges between boxes in the page');
    }
    assert.ok(r.edges.filter((e) => !edgesInPage.has(edgeKey(e))).length <= ENTER_BUDGET);
    inPage = new Set(r.items.map((d) => d.key));
    edgesInPage = new Set(r.edges.map(edgeKey));
    frames++;
    if (!r.more) break;
    assert.ok(frames < 100, 'fills up');
  }
  assert.equal(inPage.size, inNear.length, 'every box near the view in the end');
  const edgesNear = edges.filter((e) => { const b = edgeBounds(e); return b.x1 >= near.x0 && b.x0 <= near.x1 && b.y1 >= near.y0 && b.y0 <= near.y1; });
  assert.equal(edgesInPage.size, edgesNear.length, 'and every edge near it');
  assert.ok(frames >= Math.ceil(inNear.length / ENTER_BUDGET), `${frames} frames`);
});

test('a view whose boxes are in the page keeps them all, with nothing held back; bounds and keys are kept per edge', () => {
  const { items, edges } = grid(10);
  const all: Region = { x0: -100, y0: -100, x1: 1000, y1: 1000 };
  const r = nearView(items, edges, all, all, new Set(items.map((d) => d.key)), new Set(edges.map(edgeKey)));
  assert.equal(r.items.length, items.length);
  assert.equal(r.edges.length, edges.length);
  assert.equal(r.more, false);
  assert.deepEqual(edgeBounds(edges[0]), { x0: 30, y0: 0, x1: 70, y1: 0 });
  assert.equal(edgeBounds(edges[0]), edgeBounds(edges[0]));
  assert.equal(edgeKey(edges[0]), 'b0_0>b0_1');
});
