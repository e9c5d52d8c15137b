// The SVG markup of drawn boxes and edges, as webview/canvas.ts puts them in the page, for the first frame the
// extension host draws into the page (webview/first-frame.ts); and the edge path both use. No DOM here, and of d3
// only d3-shape: this runs in Node too.
import { curveBasis, line } from 'd3-shape';
import type { DrawEdge, DrawItem } from './canvas';

/** Above this many boxes the page draws only those near the view (webview/canvas.ts); the host draws no such view. */
export const CULL_ABOVE = 600;

const pathOf = line<{ x: number; y: number }>().x((p) => p.x).y((p) => p.y).curve(curveBasis).digits(1);
/** An edge's SVG path: a B-spline through its points (a tenth of a pixel is fine enough, and keeps the host's
 *  markup short). */
export function edgePath(points: { x: number; y: number }[]): string { return pathOf(points) ?? ''; }

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const tenth = (v: number): number => Math.round(v * 10) / 10;

/** A box's place: its group's transform (to a tenth of a pixel, as edge paths are). */
export function boxTransform(d: { x: number; y: number; width: number; height: number }): string {
  return `translate(${tenth(d.x - d.width / 2)},${tenth(d.y - d.height / 2)})`;
}

/** The markup of these boxes and edges as canvas.ts's render() draws them (no selection, no search matches), for the
 *  host's first frame: a picture the page paints as it parses, until its bundle draws (and replaces it). The boxes
 *  leave out what only the bundle's drawing uses (keyboard focus, the accessible names, an empty second line): a
 *  shorter page parses and lays out sooner. */
export function svgMarkup(items: DrawItem[], edges: DrawEdge[]): string {
  const out: string[] = ['<g class="edges">'];
  for (const e of edges) out.push(`<path marker-end="url(#arrow)" class="${e.count > 1 ? 'edge multi' : 'edge'}" d="${esc(edgePath(e.points))}"></path>`);
  out.push('</g><g class="nodes">');
  for (const d of items) {
    const fill = d.fill ? ` style="fill: ${esc(d.fill)};"` : '';
    out.push(`<g transform="${boxTransform(d)}" class="node kind-${d.kind} ${esc(d.cls)}" data-key="${esc(d.key)}">`
      + `<rect width="${d.width}" height="${d.height}" rx="${d.kind === 'group' ? 2 : 6}"${fill}></rect>`
      + `<text class="label" x="${d.width / 2}" y="${d.sub ? 16 : d.height / 2 + 4}">${esc(d.label)}</text>`
      + (d.sub ? `<text class="sub" x="${d.width / 2}" y="31">${esc(d.sub)}</text>` : '') + '</g>');
  }
  out.push('</g>');
  return out.join('');
}
