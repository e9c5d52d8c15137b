// The edges dagre lays out. Densely connected graphs (DenseNet concatenates every earlier layer of a block; shared
// weights read from far above) make dagre route hundreds of long edges through every rank they cross, which costs
// seconds for a hundred boxes. The layout keeps, for each box, the edges from its few nearest sources in graph order
// (and, for each source, the edge to its nearest consumer), so the chain of the graph sets the ranks; the other edges
// are drawn afterwards as curves beside the boxes, from the laid-out positions.
import type { LayoutRequest } from './layout-types';

/** Incoming edges each box keeps for the layout, nearest sources first. */
export const KEEP_INCOMING = 3;

/** For each of `req.edges`, whether dagre lays it out. */
export function skeleton(req: LayoutRequest): boolean[] {
  const index = new Map(req.nodes.map((n, i) => [n.key, i]));
  const kept = new Array<boolean>(req.edges.length).fill(false);
  const incoming = new Map<number, number[]>();
  const nearestOut = new Map<number, number>();
  req.edges.forEach((e, k) => {
    const to = index.get(e.to) ?? 0, from = index.get(e.from) ?? 0;
    let list = incoming.get(to);
    if (!list) incoming.set(to, (list = []));
    list.push(k);
    const best = nearestOut.get(from);
    if (best === undefined || Math.abs(to - from) < Math.abs((index.get(req.edges[best].to) ?? 0) - from)) nearestOut.set(from, k);
  });
  for (const [to, list] of incoming) {
    if (list.length <= KEEP_INCOMING) { for (const k of list) kept[k] = true; continue; }
    const dist = (k: number): number => Math.abs(to - (index.get(req.edges[k].from) ?? 0));
    list.sort((a, b) => dist(a) - dist(b));
    for (let i = 0; i < KEEP_INCOMING; i++) kept[list[i]] = true;
  }
  for (const k of nearestOut.values()) kept[k] = true;
  return kept;
}

type Box = { x: number; y: number; width: number; height: number };

/** A curve from the bottom of `a` to the top of `b`, bowed out to the right so it passes beside the boxes between. */
export function sideCurve(a: Box, b: Box): { x: number; y: number }[] {
  const bow = Math.max(a.width, b.width) / 2 + 24 + Math.min(200, Math.abs(b.y - a.y) / 20);
  const start = { x: a.x + a.width / 4, y: a.y + a.height / 2 }, end = { x: b.x + b.width / 4, y: b.y - b.height / 2 };
  if (end.y <= start.y) return [start, { x: start.x + bow, y: start.y + 20 }, { x: end.x + bow, y: end.y - 20 }, end];
  return [start, { x: a.x + bow, y: start.y + 24 }, { x: b.x + bow, y: end.y - 24 }, end];
}
