// Web worker: lays the visible graph out top-down with dagre, off the webview's UI thread.
import * as dagre from '@dagrejs/dagre';
import type { LayoutRequest, LayoutResult } from './layout-types';
import { sideCurve, skeleton } from './layout-skeleton';
import { DAGRE_POINTS, fastLayout, ranks } from './fast-layout';


function layout(req: LayoutRequest): LayoutResult {
  const t0 = performance.now();
  const r = ranks(req);
  if (req.nodes.length + r.dummies > DAGRE_POINTS) return { id: req.id, ...fastLayout(req, r), ms: performance.now() - t0, fast: true };
  // The visible graph merges edges between the same two items, so a simple graph (cheaper than a multigraph) holds it.
  const g = new dagre.graphlib.Graph();
  // network-simplex ranks best but grows fast; tight-tree is several times quicker on hundreds of nodes.
  const ranker = req.nodes.length > 120 ? 'tight-tree' : 'network-simplex';
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, edgesep: 12, marginx: 20, marginy: 20, ranker });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of req.nodes) g.setNode(n.key, { width: n.width, height: n.height });
  const kept = skeleton(req);
  req.edges.forEach((e, k) => { if (kept[k]) g.setEdge(e.from, e.to, {}); });
  dagre.layout(g);
  const nodes = req.nodes.map((n) => { const p = g.node(n.key); return { key: n.key, x: p.x, y: p.y }; });
  const edges = req.edges.map((e, k) => (kept[k] ? (g.edge(e.from, e.to)?.points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y }))
    : sideCurve(g.node(e.from), g.node(e.to))));
  const gl = g.graph();
  return { id: req.id, nodes, edges, width: gl.width ?? 0, height: gl.height ?? 0, ms: performance.now() - t0 };
}

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
