// The SVG markup of drawn boxes and edges, as webview/canvas.ts puts them in the page, for the first frame the
// extension host draws into the page (webview/first-frame.ts); and the edge path both use. No DOM and no d3 here: this
// runs in Node too.
import type { DrawEdge, DrawItem } from './canvas';

/** Above this many boxes the page draws only those near the view (webview/canvas.ts); the host draws no such view. */
export const CULL_ABOVE = 600;

/** The zoom below which edges are drawn without arrowheads (the SVG's class `small`, media/graph.css): an arrowhead
 *  (6 units: markerWidth 5 of a 1.2 stroke) would be under 3 pixels, and each is a paint of its own (labels coming
 *  back on the expanded detector, at 0.39: hundreds of edges in the page). */
export const ARROWS = 0.5;

const r1 = (v: number): number => Math.round(v * 10) / 10;
const bezier = (x0: number, y0: number, x1: number, y1: number, x: number, y: number): string =>
  `C${r1((2 * x0 + x1) / 3)},${r1((2 * y0 + y1) / 3)},${r1((x0 + 2 * x1) / 3)},${r1((y0 + 2 * y1) / 3)},${r1((x0 + 4 * x1 + x) / 6)},${r1((y0 + 4 * y1 + y) / 6)}`;
/** An edge's SVG path: a B-spline through its points, to a tenth of a pixel (fine enough, and it keeps the host's
 *  markup short). The same string as d3-shape's line().curve(curveBasis).digits(1) (test/webview/edge-path.test.ts),
 *  written out: d3-path's rounding appends each number through a tagged template, and every edge of the host's first
 *  frame and of each drawing of the page goes through here (the host's cold first frame spent a third of its markup
 *  time in it). */
export function edgePath(points: { x: number; y: number }[]): string {
  const n = points.length;
  if (n === 0) return '';
  let x0 = points[0].x, y0 = points[0].y;
  const start = `M${r1(x0)},${r1(y0)}`;
  if (n === 1) return `${start}Z`;
  let x1 = points[1].x, y1 = points[1].y;
  if (n === 2) return `${start}L${r1(x1)},${r1(y1)}`;
  let d = `${start}L${r1((5 * x0 + x1) / 6)},${r1((5 * y0 + y1) / 6)}`;
  for (let i = 2; i < n; i++) {
    const x = points[i].x, y = points[i].y;
    d += bezier(x0, y0, x1, y1, x, y);
    x0 = x1; y0 = y1; x1 = x; y1 = y;
  }
  return `${d}${bezier(x0, y0, x1, y1, x1, y1)}L${r1(x1)},${r1(y1)}`;
}

/** The stroke widths of an edge and of an edge carrying several tensors (media/graph.css .edge, .edge.multi). */
const EDGE_WIDTH = 1.2, MULTI_WIDTH = 2.2;

/** The arrowhead at the end of an edge through `points` drawn `width` wide, as a closed triangle: the shape of the
 *  marker canvas.ts puts at each edge's end (#arrow: viewBox 10 units, refX 9, markerWidth 5, so half a unit of
 *  stroke width a unit, along the last segment; its tip 1 unit past the end). The host's frame draws a group's
 *  arrowheads as one path (class arrowheads) instead of a marker each: each marker is a paint of its own. */
export function arrowPath(points: { x: number; y: number }[], width: number): string {
  const n = points.length;
  if (n < 2) return '';
  const e = points[n - 1];
  let dx = 0, dy = 0;
  for (let i = n - 2; i >= 0 && dx === 0 && dy === 0; i--) { dx = e.x - points[i].x; dy = e.y - points[i].y; }
  const l = Math.hypot(dx, dy);
  if (!l) return '';
  const s = width / 2, ux = dx / l * s, uy = dy / l * s;
  const bx = e.x - 9 * ux, by = e.y - 9 * uy;
  return `M${r1(e.x + ux)},${r1(e.y + uy)}L${r1(bx - 5 * uy)},${r1(by + 5 * ux)}L${r1(bx + 5 * uy)},${r1(by - 5 * ux)}Z`;
}

/** Text for an attribute value or an element's text: no markup, and no line break (the page's first frame is the
 *  markup of each element on a line of its own: webview-html.ts). */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  .replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
const tenth = (v: number): number => Math.round(v * 10) / 10;

/** A box's place, to a tenth of a pixel (as edge paths are): its top-left corner, its labels' centre and baselines.
 *  Boxes are placed by their rect's and labels' coordinates, not by a transform on their group: a transform per box
 *  gives Blink a paint chunk per box, and it then layerizes thousands of chunks again whenever the view's transform
 *  changes (140 ms of CPU at every zoom of the expanded detector, 3,500 boxes). */
export function boxPlace(d: { x: number; y: number; width: number; height: number; sub?: string }): { x: number; y: number; cx: number; label: number; sub: number } {
  const x = tenth(d.x - d.width / 2), y = tenth(d.y - d.height / 2);
  return { x, y, cx: tenth(x + d.width / 2), label: tenth(y + (d.sub ? 16 : d.height / 2 + 4)), sub: tenth(y + 31) };
}

const paths = new WeakMap<object, string>();
/** edgePath() of an edge's points, kept while they are (a big graph's drawn part following the view draws the same
 *  edges again). */
export function edgePathOf(points: { x: number; y: number }[]): string {
  let d = paths.get(points);
  if (d === undefined) paths.set(points, (d = edgePath(points)));
  return d;
}

/** The markup of each of these edges (without its arrowhead: `arrows`, arrowPath()), then of each of these boxes, as
 *  canvas.ts's render() draws them (no selection, no search matches), for the host's first frame: a picture the page paints as it parses, until its bundle draws
 *  (and replaces it). One string per element: the page puts only those in view into the SVG (first-frame.ts). The
 *  boxes leave out what only the bundle's drawing uses (keyboard focus, the accessible names, an empty second line)
 *  and their second lines (an input's shape, a group's count): those are of a smaller font size, and each size of
 *  text is a font look-up of its own, a synchronous request from the renderer to the browser process as it lays out
 *  the frame (1-6 ms under load; squeezenet1_1's first frame then holds one size, as a bare page of one label does).
 *  The box keeps its height and its label's place: the bundle's drawing puts the second line in, moving nothing. */
export function svgParts(items: DrawItem[], edges: DrawEdge[]): { edges: string[]; boxes: string[]; arrows: string[] } {
  const e = edges.map((x) => `<path class="${x.count > 1 ? 'edge multi' : 'edge'}" d="${esc(edgePath(x.points))}"></path>`);
  const arrows = edges.map((x) => arrowPath(x.points, x.count > 1 ? MULTI_WIDTH : EDGE_WIDTH));
  const boxes = items.map((d) => {
    const fill = d.fill ? ` style="fill: ${esc(d.fill)};"` : '';
    const p = boxPlace(d);
    return `<g class="node kind-${d.kind} ${esc(d.cls)}" data-key="${esc(d.key)}">`
      + `<rect x="${p.x}" y="${p.y}" width="${d.width}" height="${d.height}" rx="${d.kind === 'group' ? 2 : 6}"${fill}></rect>`
      + `<text class="label" x="${p.cx}" y="${p.label}">${esc(d.label)}</text></g>`;
  });
  return { edges: e, boxes, arrows };
}
