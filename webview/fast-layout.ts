// A layered top-down layout in linear time for the graphs dagre is slow on (many boxes, or long edges: dagre routes
// each edge through every rank it crosses and orders all of those points, seconds for a detector's heads reading its
// backbone). Ranks by longest path (sources pulled down next to their consumers), a few barycentre sweeps to order each
// rank, boxes placed under the mean of their sources; edges are curves (those spanning ranks bow out to the side).
import type { LayoutRequest, LayoutResult } from './layout-types';
import { sideCurve } from './layout-skeleton';

type Pt = { x: number; y: number };

/** Boxes plus the points of edges spanning several ranks above which dagre takes too long (hundreds of ms on a
 *  loaded machine) and the linear-time layout runs instead. */
export const DAGRE_POINTS = 600;

/** Ranks of the request's boxes (back edges of cycles ignored) and the number of points dagre would add for the
 *  edges that span more than one rank: what decides which layout runs. */
export function ranks(req: LayoutRequest): { rank: Int32Array; order: number[]; forward: boolean[]; dummies: number } {
  const n = req.nodes.length;
  const index = new Map(req.nodes.map((nd, i) => [nd.key, i]));
  const from = req.edges.map((e) => index.get(e.from)!), to = req.edges.map((e) => index.get(e.to)!);
  const out: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Int32Array(n);
  req.edges.forEach((_, k) => { out[from[k]].push(k); indeg[to[k]]++; });
  // Kahn's order, the lowest index first among the ready (boxes come in graph order); a cycle is entered at its
  // lowest unplaced index.
  const placed = new Int32Array(n).fill(-1);
  const heap: number[] = [];
  const push = (v: number): void => { heap.push(v); for (let i = heap.length - 1; i > 0;) { const p = (i - 1) >> 1; if (heap[p] <= heap[i]) break; [heap[p], heap[i]] = [heap[i], heap[p]]; i = p; } };
  const pop = (): number => {
    const top = heap[0], last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]]; i = m;
      }
    }
    return top;
  };
  for (let v = 0; v < n; v++) if (indeg[v] === 0) push(v);
  const order: number[] = [];
  let next = 0;
  while (order.length < n) {
    if (!heap.length) { while (placed[next] >= 0) next++; push(next); indeg[next] = 0; }
    const v = pop();
    if (placed[v] >= 0) continue;
    placed[v] = order.length; order.push(v);
    for (const k of out[v]) if (placed[to[k]] < 0 && --indeg[to[k]] === 0) push(to[k]);
  }
  const forward = req.edges.map((_, k) => placed[from[k]] < placed[to[k]]);
  const rank = new Int32Array(n);
  for (const v of order) for (const k of out[v]) if (forward[k]) rank[to[k]] = Math.max(rank[to[k]], rank[v] + 1);
  // Sources sit just above their first consumer instead of all in the top rank.
  const hasPred = new Uint8Array(n);
  req.edges.forEach((_, k) => { if (forward[k]) hasPred[to[k]] = 1; });
  for (let i = n - 1; i >= 0; i--) {
    const v = order[i];
    if (hasPred[v]) continue;
    let r = Infinity;
    for (const k of out[v]) if (forward[k]) r = Math.min(r, rank[to[k]] - 1);
    if (Number.isFinite(r)) rank[v] = r;
  }
  let dummies = 0;
  req.edges.forEach((_, k) => { dummies += Math.max(0, Math.abs(rank[to[k]] - rank[from[k]]) - 1); });
  return { rank, order, forward, dummies };
}

export function fastLayout(req: LayoutRequest, r = ranks(req)): Omit<LayoutResult, 'id' | 'ms'> {
  const nodesep = 24, ranksep = 36, margin = 20;
  const n = req.nodes.length;
  const index = new Map(req.nodes.map((nd, i) => [nd.key, i]));
  const from = req.edges.map((e) => index.get(e.from)!), to = req.edges.map((e) => index.get(e.to)!);
  const preds: number[][] = Array.from({ length: n }, () => []), succs: number[][] = Array.from({ length: n }, () => []);
  req.edges.forEach((_, k) => { if (r.forward[k]) { preds[to[k]].push(from[k]); succs[from[k]].push(to[k]); } });
  const depth = n ? Math.max(...r.rank) + 1 : 0;
  const layers: number[][] = Array.from({ length: depth }, () => []);
  for (const v of r.order) layers[r.rank[v]].push(v);
  // Order within ranks: barycentres of the neighbours' relative positions, down, up, down.
  const pos = new Float64Array(n);
  const setPos = (layer: number[]): void => { layer.forEach((v, i) => { pos[v] = (i + 0.5) / layer.length; }); };
  layers.forEach(setPos);
  const sweep = (rs: number[], nb: number[][]): void => {
    for (const l of rs) {
      const layer = layers[l];
      const bary = new Map<number, number>();
      for (const v of layer) bary.set(v, nb[v].length ? nb[v].reduce((s, u) => s + pos[u], 0) / nb[v].length : pos[v]);
      layer.sort((a, b) => bary.get(a)! - bary.get(b)!);
      setPos(layer);
    }
  };
  const down = layers.map((_, i) => i), up = [...down].reverse();
  sweep(down, preds); sweep(up, succs); sweep(down, preds);
  // x: each box under the mean of its sources, pushed right of its left neighbour, the rank then shifted back by its
  // mean push; y: ranks as tall as their tallest box.
  const x = new Float64Array(n), y = new Float64Array(n);
  const w = (v: number): number => req.nodes[v].width, h = (v: number): number => req.nodes[v].height;
  let top = margin;
  for (const layer of layers) {
    let right = -Infinity, push = 0;
    for (const v of layer) {
      const ps = preds[v];
      const d = ps.length ? ps.reduce((s, u) => s + x[u], 0) / ps.length : (right === -Infinity ? 0 : right + nodesep + w(v) / 2);
      x[v] = Math.max(d, right + nodesep + w(v) / 2);
      push += x[v] - d;
      right = x[v] + w(v) / 2;
    }
    const shift = layer.length ? push / layer.length : 0;
    const height = Math.max(0, ...layer.map(h));
    for (const v of layer) { x[v] -= shift; y[v] = top + height / 2; }
    top += height + ranksep;
  }
  let minX = Infinity, maxX = -Infinity;
  for (let v = 0; v < n; v++) { minX = Math.min(minX, x[v] - w(v) / 2); maxX = Math.max(maxX, x[v] + w(v) / 2); }
  const dx = n ? margin - minX : 0;
  const nodes = req.nodes.map((nd, v) => ({ key: nd.key, x: x[v] + dx, y: y[v] }));
  const box = (v: number) => ({ x: x[v] + dx, y: y[v], width: w(v), height: h(v) });
  const edges = req.edges.map((_, k): Pt[] => {
    const a = from[k], b = to[k];
    if (!r.forward[k] || r.rank[b] - r.rank[a] !== 1) return sideCurve(box(a), box(b));
    const s = { x: x[a] + dx, y: y[a] + h(a) / 2 }, t = { x: x[b] + dx, y: y[b] - h(b) / 2 };
    return [s, { x: s.x, y: s.y + ranksep / 2 }, { x: t.x, y: t.y - ranksep / 2 }, t];
  });
  return { nodes, edges, width: n ? maxX - minX + 2 * margin : 0, height: top - ranksep + margin };
}

export const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());

/** Views of up to this many boxes are laid out on the page's thread, when the layered layout (above,
 *  a few ms) is the one the worker would use too (dagre's points over DAGRE_POINTS), or draws what dagre would (every
 *  edge joins adjacent ranks: squeezenet's overview); the worker's round trip and dagre's run cost 100-350 ms on a
 *  busy machine. */
export const HERE_UP_TO = 400;

/** The page's own layout of a view, or undefined when the worker lays it out. */
export function layoutHere(req: LayoutRequest): LayoutResult | undefined {
  if (req.nodes.length > HERE_UP_TO) return undefined;
  const t0 = now();
  const r = ranks(req);
  if (r.dummies === 0 || req.nodes.length + r.dummies > DAGRE_POINTS) return { id: req.id, ...fastLayout(req, r), ms: now() - t0, fast: true };
  return undefined;
}
