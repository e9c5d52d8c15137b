// The layout of a view as the layout worker makes it (webview/layout-worker.ts): dagre on small, short-edged views
// (only each box's nearest few sources: layout-skeleton.ts), the linear-time layered layout (fast-layout.ts)
// otherwise. The extension host draws the first frame with it too (webview/first-frame.ts), so the page's own layout,
// when it takes over, matches.
import * as dagre from '@dagrejs/dagre';
import type { LayoutRequest, LayoutResult } from './layout-types';
import { sideCurve, skeleton } from './layout-skeleton';
import { DAGRE_POINTS, fastLayout, now, ranks } from './fast-layout';

/** The worker's layout of a view: dagre, unless it has too many points for dagre. */
export function workerLayout(req: LayoutRequest): LayoutResult {
  const t0 = now();
  const r = ranks(req);
  if (req.nodes.length + r.dummies > DAGRE_POINTS) return { id: req.id, ...fastLayout(req, r), ms: now() - t0, fast: true };
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
  return { id: req.id, nodes, edges, width: gl.width ?? 0, height: gl.height ?? 0, ms: now() - t0 };
}
