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

/** The markup canvas.ts's render() makes for these boxes and edges (no selection, no search matches). */
export function svgMarkup(items: DrawItem[], edges: DrawEdge[]): string {
  const out: string[] = ['<g class="edges">'];
  for (const e of edges) out.push(`<path marker-end="url(#arrow)" class="${e.count > 1 ? 'edge multi' : 'edge'}" d="${esc(edgePath(e.points))}"></path>`);
  out.push('</g><g class="nodes">');
  for (const d of items) {
    const fill = d.fill ? ` style="fill: ${esc(d.fill)};"` : '';
    out.push(`<g tabindex="-1" role="button" transform="translate(${d.x - d.width / 2},${d.y - d.height / 2})" class="node kind-${d.kind} ${esc(d.cls)}" `
      + `data-key="${esc(d.key)}" aria-label="${esc(d.aria)}" aria-selected="false">`
      + `<rect width="${d.width}" height="${d.height}" rx="${d.kind === 'group' ? 2 : 6}"${fill}></rect>`
      + `<text class="label" x="${d.width / 2}" y="${d.sub ? 16 : d.height / 2 + 4}">${esc(d.label)}</text>`
      + `<text class="sub" x="${d.width / 2}" y="31">${esc(d.sub ?? '')}</text></g>`);
  }
  out.push('</g>');
  return out.join('');
}
