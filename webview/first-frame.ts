// The graph view's first frame as SVG markup, worked out by the extension host from the graph it has just read and
// put into the page's HTML (src/extension/webview-html.ts): the page paints it as it parses, before any of its script
// runs. The same functions as the page's own drawing make it (scopes, box sizes, layout), and the markup is what
// webview/canvas.ts would put in the page, so when the page's script takes over and draws, nothing moves. No DOM and
// no d3 here: this runs in Node too.
import type { ViewGraph, WireGraph } from '../src/shared/protocol';
import { decodeGraph, valueNamed } from '../src/shared/graph-wire';
import type { DrawItem } from './canvas';
import { CULL_ABOVE, svgParts } from './svg-markup';
import { drawInfo, ITEM_LIMIT, opStyle } from './draw-info';
import { workerLayout } from './dagre-layout';
import { layoutHere } from './fast-layout';
import { autoExpand, buildScopes, visibleGraph } from './scopes';

export interface FirstFrame {
  /** The file's base name (the page's saved state names it). */
  file: string;
  /** The markup of each edge, then of each box (svg-markup.ts svgParts()): the page puts those in view into the
   *  viewport group's edges' and boxes' groups, in one write. */
  edges: string[];
  boxes: string[];
  /** Each edge's arrowhead (svg-markup.ts arrowPath(): a path's data, in the order of `edges`): the page draws those
   *  of the edges it shows as one path. */
  arrows: string[];
  /** The laid-out graph's size and the x of its topmost box: the page works out its first zoom from them as
   *  canvas.initialView() does. */
  width: number;
  height: number;
  topX: number;
  items: number;
  /** Each edge's then each box's bounds in the order of `edges` and `boxes`, four numbers each (x0, y0, x1, y1,
   *  whole pixels rounded outwards; an edge's curve lies within its points' bounds): the page puts only those in
   *  view into the SVG without reading their coordinates back. */
  bounds: number[];
  /** When the frame holds only the edges and boxes a view up to NEAR_VIEW can show readable at the graph's top (a
   *  tall or wide graph), that region (graph coordinates: x0, y0, x1, y1): a page whose first view reaches past it
   *  (a bigger view, or one that fits the whole graph) draws with its bundle instead. Absent: every edge and box. */
  near?: number[];
  note?: string;
}

/** The biggest view (CSS pixels) the host's frame of a graph that does not fit readably covers at its top (the page's
 *  first zoom, canvas.initialView(): 0.9, the topmost box centred, 10 pixels from the top). Only those edges and
 *  boxes are in the page's HTML (squeezenet1_1: the 49 kB page held 31 kB of frame for 85 boxes, 24 shown in an
 *  800-pixel view; the page's parse was the biggest item of the renderer's CPU before its first frame beyond an
 *  empty page's). */
export const NEAR_VIEW = { w: 2560, h: 1440 };
/** canvas.initialView()'s zoom for a graph that does not fit readably, and its margin of the view (graph units) within
 *  which the page's frame script puts an element in. */
export const TOP_ZOOM = 0.9;
const MARGIN = 20;

/** The overview the page would draw first for `g` (its scopes collapsed to ITEM_LIMIT boxes, coloured by op). */
export function firstFrameOf(g: ViewGraph, view = NEAR_VIEW): FirstFrame | undefined {
  const scopes = buildScopes(g);
  const visible = visibleGraph(g, scopes, autoExpand(scopes, ITEM_LIMIT));
  if (visible.items.length > CULL_ABOVE) return undefined;
  const byKey = new Map(visible.items.map((i) => [i.key, i]));
  const style = (key: string): { cls: string; fill?: string } => { const it = byKey.get(key); return it ? opStyle(g, it) : { cls: '' }; };
  const infos = visible.items.map((it) => drawInfo(g, it, (name) => valueNamed(g, name), style));
  const req = { id: 0, nodes: infos.map((i) => ({ key: i.key, width: i.width, height: i.height })), edges: visible.edges };
  const r = layoutHere(req) ?? workerLayout(req);
  const pos = new Map(r.nodes.map((n) => [n.key, n]));
  const items: DrawItem[] = infos.map((i) => ({ ...i, x: pos.get(i.key)!.x, y: pos.get(i.key)!.y }));
  const edges = visible.edges.map((e, k) => ({ from: e.from, to: e.to, count: e.count, points: r.edges[k] }));
  let top: DrawItem | undefined;
  for (const d of items) if (!top || d.y < top.y) top = d;
  const bounds: number[] = [];
  for (const e of edges) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const p of e.points) { x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y); x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y); }
    bounds.push(Math.floor(x0), Math.floor(y0), Math.ceil(x1), Math.ceil(y1));
  }
  for (const d of items) bounds.push(Math.floor(d.x - d.width / 2), Math.floor(d.y - d.height / 2), Math.ceil(d.x + d.width / 2), Math.ceil(d.y + d.height / 2));
  const topX = top?.x ?? r.width / 2;
  const near = nearRegion(r.width, r.height, topX, view);
  if (!near) return { file: g.file, ...svgParts(items, edges), width: r.width, height: r.height, topX, items: items.length, bounds, note: g.note };
  // Only what a view up to NEAR_VIEW shows at the top, in the same order (edges first): the markup of the others is
  // not made (squeezenet1_1: 42 of 85 boxes, 46 of 92 edges).
  const keep = (i: number): boolean => !(bounds[4 * i + 2] < near[0] || bounds[4 * i] > near[2] || bounds[4 * i + 3] < near[1] || bounds[4 * i + 1] > near[3]);
  const ne = edges.length, nb: number[] = [];
  for (let i = 0; i < ne + items.length; i++) if (keep(i)) nb.push(bounds[4 * i], bounds[4 * i + 1], bounds[4 * i + 2], bounds[4 * i + 3]);
  const parts = svgParts(items.filter((_, i) => keep(ne + i)), edges.filter((_, i) => keep(i)));
  return { file: g.file, ...parts, width: r.width, height: r.height, topX, items: items.length, bounds: nb, near, note: g.note };
}

/** The region (graph coordinates) a view up to `view` (NEAR_VIEW) shows of a graph of this size at its first zoom when the
 *  graph does not fit readably in such a view; undefined when it might (the page's first view is then the whole
 *  graph, any size of view: every element goes into the frame). */
function nearRegion(width: number, height: number, topX: number, view: { w: number; h: number }): number[] | undefined {
  const bw = Math.max(width, 1), bh = Math.max(height, 1);
  if (0.95 * Math.min(view.w / bw, view.h / bh) >= 0.5) return undefined;
  const hw = view.w / 2 / TOP_ZOOM + MARGIN;
  return [Math.floor(topX - hw), -10 / TOP_ZOOM - MARGIN, Math.ceil(topX + hw), Math.ceil((view.h - 10) / TOP_ZOOM + MARGIN)];
}

/** firstFrameOf() over the graph as it crosses to the page. */
export function firstFrame(w: WireGraph, view = NEAR_VIEW): FirstFrame | undefined { return firstFrameOf(decodeGraph(w), view); }

/** The frame's markup as the page holds it with every element in view: the viewport group's contents. */
export function frameMarkup(f: FirstFrame): string {
  return `<g class="edges">${f.edges.join('')}<path class="arrowheads" d="${f.arrows.join('')}"></path></g><g class="nodes">${f.boxes.join('')}</g>`;
}
