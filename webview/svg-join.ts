// The SVG elements of the boxes and edges canvas.ts puts in the page, joined to the boxes and edges to draw (d3's data
// join by key): elements entered for new ones, and attributes set only where they change (setting one to its own
// value still has Blink style, paint and layerize the element again: a big graph's drawn part following the view
// re-set thousands, 0.5 s of CPU).
import * as d3 from 'd3';
import { textOn } from './colors';
import { boxPlace, edgePathOf } from './svg-markup';
import type { DrawEdge, DrawItem } from './canvas';

/** The box or edge (the very object) each element was last placed for: placing it again for the same one changes
 *  nothing (an expand re-placed every box the view had). Box objects
 *  change where they sit only through a new draw() (new objects); recolor() changes their colours in place, and its
 *  elements with them. */
const drawnAs = new WeakMap<Element, DrawItem | DrawEdge>();
function setIfChanged(el: Element, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

const keys = new WeakMap<DrawEdge, string>();
/** An edge's key in the page ("from>to"), kept while the edge is. */
export function edgeKey(e: DrawEdge): string {
  let k = keys.get(e);
  if (k === undefined) keys.set(e, (k = `${e.from}>${e.to}`));
  return k;
}

/** The edges' paths in `group`, one per edge. */
export function joinEdges(group: SVGGElement, edges: DrawEdge[]): void {
  d3.select(group).selectAll<SVGPathElement, DrawEdge>('path')
    .data(edges, edgeKey)
    .join((enter) => enter.append('path').attr('marker-end', 'url(#arrow)'))
    .each(function (e) {
      // An element already drawing this very edge (a big graph's drawn part growing or following the view) is left.
      if (drawnAs.get(this) === e) return;
      drawnAs.set(this, e);
      setIfChanged(this, 'class', e.count > 1 ? 'edge multi' : 'edge');
      setIfChanged(this, 'd', edgePathOf(e.points));
    });
}

/** The boxes' groups in `group`: a rect, its label and second line each. `same`: the box was drawn before with these
 *  looks (it only moves); `classes`: a box's class attribute. */
export function joinBoxes(group: SVGGElement, items: DrawItem[], same: (d: DrawItem) => boolean,
  classes: (d: DrawItem) => string, selected: string | undefined): void {
  let entered: d3.Selection<SVGGElement, DrawItem, SVGGElement, unknown> | undefined;
  let changed: d3.Selection<SVGGElement, DrawItem, SVGGElement, unknown> | undefined;
  const sel = d3.select(group).selectAll<SVGGElement, DrawItem>('g.node')
    .data(items, (d) => d.key)
    .join((enter) => {
      const g = enter.append('g').attr('tabindex', -1).attr('role', 'button');
      g.append('rect');
      g.append('text').attr('class', 'label');
      g.append('text').attr('class', 'sub');
      return (entered = g);
    }, (update) => { changed = update.filter((d) => !same(d)); return update; });
  sel.each(function (d) {
    if (drawnAs.get(this) === d) return;
    drawnAs.set(this, d);
    const p = boxPlace(d), rect = this.firstElementChild!, label = rect.nextElementSibling, sub = label?.nextElementSibling;
    setIfChanged(rect, 'x', String(p.x)); setIfChanged(rect, 'y', String(p.y));
    if (label && sub) { setIfChanged(label, 'x', String(p.cx)); setIfChanged(label, 'y', String(p.label)); setIfChanged(sub, 'x', String(p.cx)); setIfChanged(sub, 'y', String(p.sub)); }
  });
  const fresh = entered && changed ? entered.merge(changed) : entered ?? changed ?? sel;
  fresh.attr('class', classes)
    .attr('data-key', (d) => d.key)
    .attr('aria-label', (d) => d.aria)
    .attr('aria-selected', (d) => String(d.key === selected));
  fresh.select('rect').attr('width', (d) => d.width).attr('height', (d) => d.height)
    .attr('rx', (d) => (d.kind === 'group' ? 2 : 6)).style('fill', (d) => d.fill ?? null);
  fresh.selectAll<SVGTextElement, DrawItem>('text').style('fill', (d) => textOn(d.fill));
  fresh.select('text.label').text((d) => d.label);
  fresh.select('text.sub').text((d) => d.sub ?? '');
}
