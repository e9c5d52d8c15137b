// Web worker: lays the visible graph out top-down with dagre, off the webview's UI thread.
import type { LayoutRequest, LayoutResult } from './layout-types';
import { workerLayout as layout } from './dagre-layout';

// The last few layouts, by what was laid out: collapsing a group back, or going back to a view seen before, draws
// without laying out again.
const cache = new Map<string, LayoutResult>();
const CACHED = 8;
function cached(req: LayoutRequest): LayoutResult {
  const key = `${req.nodes.map((n) => `${n.key}:${n.width}:${n.height}`).join(',')}|${req.edges.map((e) => `${e.from}>${e.to}`).join(',')}`;
  const hit = cache.get(key);
  if (hit) { cache.delete(key); cache.set(key, hit); return { ...hit, id: req.id, ms: 0 }; }
  const r = layout(req);
  cache.set(key, r);
  if (cache.size > CACHED) cache.delete(cache.keys().next().value!);
  return r;
}

self.onmessage = (ev: MessageEvent<LayoutRequest>) => {
  let r: LayoutResult;
  try {
    r = cached(ev.data);
  } catch (e) {
    r = { id: ev.data.id, nodes: [], edges: [], width: 0, height: 0, ms: 0, error: (e as Error).message };
  }
  (self as unknown as Worker).postMessage(r);
};

// Warm-up while the worker waits for its first graph (the page starts it early, before the graph has arrived): a
// small layout compiles dagre's code, so the first real layout, on the way to the first frame, runs faster.
try {
  layout({ id: 0, nodes: ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => ({ key, width: 80, height: 28 })),
    edges: [['a', 'b'], ['b', 'c'], ['a', 'd'], ['c', 'e'], ['d', 'e'], ['e', 'f']].map(([from, to]) => ({ from, to })) });
} catch { /* only a warm-up */ }
