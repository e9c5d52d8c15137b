// Which of a big graph's boxes and edges go into the page (webview/canvas.ts render()): those near the view, and when
// too many are new for one frame (labels coming back, a jump across the graph), ENTER_BUDGET of them a frame, those
// in view first, in rows from the top (a band of the rasterizer's tiles a frame). Each frame of labels coming back on the expanded detector (3,500 boxes) runs
// this over every box and edge: an edge's bounds and key are worked out once per edge (not at every frame), and the
// boxes to admit are picked by a rank worked out once per box.
import type { DrawEdge, DrawItem } from './canvas';

export type Region = { x0: number; y0: number; x1: number; y1: number };

/** A big graph's boxes put into the page in one frame at most (each is styled and laid out with its labels: tens of
 *  µs each, more under load); more come in the frames after, those in view first. Labels coming back on the expanded
 *  detector, the renderer's CPU in its longest frame: 120 a frame 55-64 ms, 60 a frame with NEAR_MARGIN 0.5 32-35 ms
 *  (load 15-18); then, with one click listener for all boxes, 60 a frame 31-33 ms, 40 a frame 19 ms, 25 a frame
 *  21-27 ms (load 6-12: each frame also repaints and layerizes every box already in). */
export const ENTER_BUDGET = 40;

/** How far around the view (in views, each side) a big graph's boxes are put into the page: enough that a pan of
 *  half a view moves what is drawn, not more (labels coming back on the expanded detector brought 658 boxes into the
 *  page at 1 view each side, each frame painting all of those already in; 413 at 0.5). */
export const NEAR_MARGIN = 0.5;

const bounds = new WeakMap<DrawEdge, Region>();
/** The box around an edge's points (its curve lies within it), kept while the edge is. */
export function edgeBounds(e: DrawEdge): Region {
  let b = bounds.get(e);
  if (!b) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const p of e.points) { x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y); x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y); }
    bounds.set(e, (b = { x0, y0, x1, y1 }));
  }
  return b;
}

const keys = new WeakMap<DrawEdge, string>();
/** An edge's key in the page ("from>to"), kept while the edge is. */
export function edgeKey(e: DrawEdge): string {
  let k = keys.get(e);
  if (k === undefined) keys.set(e, (k = `${e.from}>${e.to}`));
  return k;
}

const meets = (r: Region, x0: number, y0: number, x1: number, y1: number): boolean => x1 >= r.x0 && x0 <= r.x1 && y1 >= r.y0 && y0 <= r.y1;

export interface NearView {
  items: DrawItem[];
  edges: DrawEdge[];
  /** Whether boxes or edges near the view were held back for the next frames. */
  more: boolean;
}

/** The boxes and edges within `near` that the page is to have after this frame, given the keys of the boxes and
 *  edges it has (`inPage`, `edgesInPage`): all of them, or when more than ENTER_BUDGET boxes (or edges) would be
 *  new, those it has plus ENTER_BUDGET new ones, the boxes in `view` first, in rows from its top (until then only the
 *  edges between boxes in the page: a detector's heads have hundreds of long edges crossing the view, each path laid
 *  out and painted with its arrowhead). */
/** Each edge's bounds (x0, y0, x1, y1 at 4i) and key, for one list of edges (a drawing's), worked out once: every
 *  frame of labels coming back tests every edge of the graph, and a WeakMap look-up per edge and test was most of it. */
const tables = new WeakMap<DrawEdge[], { bounds: Float64Array; keys: string[] }>();
function edgeTable(edges: DrawEdge[]): { bounds: Float64Array; keys: string[] } {
  let t = tables.get(edges);
  if (!t) {
    const bounds = new Float64Array(4 * edges.length), keys: string[] = [];
    edges.forEach((e, i) => { const b = edgeBounds(e); bounds[4 * i] = b.x0; bounds[4 * i + 1] = b.y0; bounds[4 * i + 2] = b.x1; bounds[4 * i + 3] = b.y1; keys.push(edgeKey(e)); });
    tables.set(edges, (t = { bounds, keys }));
  }
  return t;
}

export function nearView(all: Iterable<DrawItem>, allEdges: DrawEdge[], near: Region, view: Region,
  inPage: Set<string>, edgesInPage: Set<string>): NearView {
  let items: DrawItem[] = [];
  for (const d of all) if (meets(near, d.x - d.width / 2, d.y - d.height / 2, d.x + d.width / 2, d.y + d.height / 2)) items.push(d);
  const { bounds, keys: edgeKeys } = edgeTable(allEdges);
  let edges: number[] = [];
  for (let i = 0; i < allEdges.length; i++) if (meets(near, bounds[4 * i], bounds[4 * i + 1], bounds[4 * i + 2], bounds[4 * i + 3])) edges.push(i);
  let more = false;
  const fresh = items.filter((d) => !inPage.has(d.key));
  if (fresh.length > ENTER_BUDGET) {
    const cx = (view.x0 + view.x1) / 2, cy = (view.y0 + view.y1) / 2, w = view.x1 - view.x0, h = view.y1 - view.y0;
    // Those in view first, each frame's a band of rows (top down, then left to right): a frame's new boxes change the
    // picture in a few rows of the rasterizer's tiles, not in rings around the centre that cross most of them.
    const by = fresh.map((d) => ({ d, far: (Math.max(Math.abs(d.x - cx) / w, Math.abs(d.y - cy) / h) <= 0.5 ? 0 : 1e12) + d.y * 1e4 + d.x }))
      .sort((a, b) => a.far - b.far);
    const admit = new Set(by.slice(0, ENTER_BUDGET).map((x) => x.d.key));
    items = items.filter((d) => inPage.has(d.key) || admit.has(d.key));
    const keys = new Set(items.map((d) => d.key));
    edges = edges.filter((i) => keys.has(allEdges[i].from) && keys.has(allEdges[i].to));
    more = true;
  }
  // The edges passing by (neither end in the page) come ENTER_BUDGET a frame too.
  const newEdges = edges.filter((i) => !edgesInPage.has(edgeKeys[i]));
  if (newEdges.length > ENTER_BUDGET) {
    const keys = new Set(items.map((d) => d.key));
    const admit = new Set(newEdges.filter((i) => keys.has(allEdges[i].from) || keys.has(allEdges[i].to)).slice(0, ENTER_BUDGET));
    for (const i of newEdges) { if (admit.size >= ENTER_BUDGET) break; admit.add(i); }
    edges = edges.filter((i) => edgesInPage.has(edgeKeys[i]) || admit.has(i));
    more = true;
  }
  return { items, edges: edges.map((i) => allEdges[i]), more };
}
