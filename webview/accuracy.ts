// The accuracy overlay's table (sortable; a row reveals its node) and its plot of error by layer depth.
import * as d3 from 'd3';
import type { AccuracyLayer, AccuracyReport } from '../src/shared/protocol';
import { el, fmt } from './dom';
import { heat } from './colors';

type Key = 'order' | 'node' | 'op' | 'maxAbs' | 'meanAbs' | 'rel' | 'cosine' | 'snrDb';
const COLUMNS: [Key, string][] = [['order', '#'], ['node', 'node'], ['op', 'op'], ['maxAbs', 'max abs'], ['meanAbs', 'mean abs'], ['rel', 'relative'], ['cosine', 'cosine'], ['snrDb', 'SNR dB']];

export function showAccuracy(box: HTMLElement, report: AccuracyReport, title: string, reveal: (node: string) => void): void {
  const rows = report.layers.map((l, order) => ({ ...l, order }));
  let sortKey: Key = 'order';
  let desc = false;
  const tbody = el('tbody');
  const first = report.firstDivergence?.node;
  const fill = (): void => {
    const sorted = [...rows].sort((a, b) => {
      const x = a[sortKey] ?? '', y = b[sortKey] ?? '';
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return desc ? -c : c;
    });
    tbody.replaceChildren(...sorted.map((r) => {
      const tr = el('tr', { tabindex: '0', class: r.node === first ? 'first-divergence' : '', 'data-node': r.node },
        el('td', {}, String(r.order + 1)), el('td', {}, r.node), el('td', {}, r.op), el('td', {}, fmt(r.maxAbs)),
        el('td', {}, fmt(r.meanAbs)), el('td', { class: 'heat-cell' }, fmt(r.rel)), el('td', {}, fmt(r.cosine)), el('td', {}, fmt(r.snrDb)));
      (tr.children[5] as HTMLElement).style.borderLeftColor = heat(r.rel);
      tr.addEventListener('click', () => reveal(r.node));
      tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') reveal(r.node); });
      return tr;
    }));
  };
  const head = el('tr', {}, ...COLUMNS.map(([key, label]) => {
    const b = el('button', { class: 'sort', 'data-key': key }, label);
    b.addEventListener('click', () => {
      desc = sortKey === key ? !desc : key !== 'order' && key !== 'node' && key !== 'op' && key !== 'cosine' && key !== 'snrDb';
      sortKey = key;
      fill();
    });
    return el('th', { scope: 'col' }, b);
  }));
  fill();
  const summary = first ? `first divergence: ${first} (tensor ${report.firstDivergence?.tensor})` : 'no divergence flagged';
  box.hidden = false;
  box.replaceChildren(el('h2', {}, title), el('p', {}, `${rows.length} layers · ${summary}`), plot(report.layers, first),
    el('div', { class: 'table-scroll' }, el('table', { class: 'accuracy-table' }, el('thead', {}, head), tbody)));
}

function plot(layers: AccuracyLayer[], first: string | undefined): SVGSVGElement {
  const w = 600, h = 120, m = { l: 44, r: 8, t: 8, b: 20 };
  const svg = d3.create('svg').attr('class', 'error-plot').attr('viewBox', `0 0 ${w} ${h}`).attr('role', 'img')
    .attr('aria-label', 'relative error by layer depth');
  const x = d3.scaleLinear().domain([0, Math.max(1, layers.length - 1)]).range([m.l, w - m.r]);
  const y = d3.scaleLog().domain([1e-8, Math.max(1, d3.max(layers, (l) => l.rel) ?? 1)]).range([h - m.b, m.t]).clamp(true);
  svg.append('g').attr('transform', `translate(0,${h - m.b})`).call(d3.axisBottom(x).ticks(8));
  svg.append('g').attr('transform', `translate(${m.l},0)`).call(d3.axisLeft(y).ticks(4, '.0e'));
  svg.append('path').attr('class', 'plot-line')
    .attr('d', d3.line<AccuracyLayer>().x((_, i) => x(i)).y((l) => y(Math.max(l.rel, 1e-8)))(layers) ?? '');
  svg.append('g').selectAll('circle').data(layers).join('circle')
    .attr('cx', (_, i) => x(i)).attr('cy', (l) => y(Math.max(l.rel, 1e-8))).attr('r', 2.5).style('fill', (l) => heat(l.rel))
    .append('title').text((l) => `${l.node}: ${fmt(l.rel)}`);
  const fi = layers.findIndex((l) => l.node === first);
  if (fi >= 0) svg.append('line').attr('class', 'divergence').attr('x1', x(fi)).attr('x2', x(fi)).attr('y1', m.t).attr('y2', h - m.b);
  return svg.node()!;
}
