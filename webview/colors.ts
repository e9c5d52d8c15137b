// How nodes are coloured: by op category, by compatibility verdict, or by accuracy (heat of the relative error).
import * as d3 from 'd3';
import type { CompatReport, NodeVerdict, SupportStatus } from '../src/shared/compat-types';
import type { AccuracyLayer } from '../src/shared/protocol';

export { opCategory } from './draw-info';

const RANK: Record<SupportStatus, number> = { builtin: 0, flex: 1, unsupported: 2 };

/** A group's verdict class is its worst node's. */
export function compatClass(verdicts: (NodeVerdict | undefined)[]): string {
  let worst: SupportStatus | undefined;
  let allFolded = true;
  for (const v of verdicts) {
    if (!v) continue;
    if (!v.folded) allFolded = false;
    if (!worst || RANK[v.status] > RANK[worst]) worst = v.status;
  }
  if (!worst) return 'st-none';
  return allFolded && worst === 'builtin' ? 'st-folded' : `st-${worst}`;
}

export function summaryLine(r: CompatReport): string {
  const s = r.summary;
  const parts = [`${s.builtin} builtin`];
  if (s.flex) parts.push(`${s.flex} Flex`);
  if (s.unsupported) parts.push(`${s.unsupported} unsupported`);
  parts.push(`${s.int8} int8-ready`, `${s.micro} TFLite Micro`);
  return `${s.total} nodes: ${parts.join(', ')}`;
}

/** d3.interpolateRdYlGn's ramp, from its 11 colours: d3-scale-chromatic itself works out all of its ~30 schemes when
 *  the webview loads (its one-file bundle defeats tree shaking). */
const rdYlGn = d3.interpolateRgbBasis(['#a50026', '#d73027', '#f46d43', '#fdae61', '#fee08b', '#ffffbf', '#d9ef8b', '#a6d96a',
  '#66bd63', '#1a9850', '#006837']);

/** 1e-7 relative error and below is green, 1e-1 and above red. */
export function heat(rel: number): string {
  const t = Math.min(1, Math.max(0, (Math.log10(Math.max(rel, 1e-12)) + 7) / 6));
  return rdYlGn(1 - t);
}

export function worstLayer(layers: (AccuracyLayer | undefined)[]): AccuracyLayer | undefined {
  let w: AccuracyLayer | undefined;
  for (const l of layers) if (l && (!w || l.rel > w.rel)) w = l;
  return w;
}

/** Dark or light text, whichever reads on the fill. */
export function textOn(fill: string | undefined): string | null {
  if (!fill) return null;
  const c = d3.hsl(fill);
  return c.l > 0.6 ? '#111' : '#fff';
}
