// The side panel: the selected node's op, attributes, inputs and outputs with shapes and dtypes, weight statistics
// (asked of the host on demand), its compatibility verdict and accuracy row; a scope's summary; or the model's facts.
import type { AccuracyLayer, ViewGraph, ViewNode, ViewValue, WeightStats } from '../src/shared/protocol';
import { valueNamed } from '../src/shared/graph-wire';
import type { NodeVerdict } from '../src/shared/compat-types';
import type { Scope } from './scopes';
import { el, fmt, shapeText } from './dom';

export interface PanelContext {
  graph: ViewGraph;
  values: Map<string, ViewValue>;
  verdict(node: string): NodeVerdict | undefined;
  accuracy(node: string): AccuracyLayer | undefined;
  stats(tensor: string): Promise<WeightStats>;
  expand(scope: Scope): void;
  collapse(scope: Scope): void;
  reveal(node: number): void;
}

function table(rows: [string, string][], cls = 'kv'): HTMLTableElement {
  return el('table', { class: cls }, ...rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))));
}

function section(title: string, ...body: (Node | string)[]): HTMLElement {
  return el('section', {}, el('h3', {}, title), ...body);
}

function statsBlock(ctx: PanelContext, tensor: string): HTMLElement {
  const box = el('div', { class: 'stats', 'data-tensor': tensor }, 'statistics…');
  ctx.stats(tensor).then(
    (s) => box.replaceChildren(table([
      ['min', fmt(s.min)], ['max', fmt(s.max)], ['mean', fmt(s.mean)], ['std', fmt(s.std)],
      ['sparsity', `${(s.sparsity * 100).toFixed(1)}%`], ['elements', String(s.count)],
    ], 'kv stats-table')),
    (e: Error) => box.replaceChildren(el('span', { class: 'error-text' }, e.message)),
  );
  return box;
}

function tensorList(ctx: PanelContext, names: string[], withStats: boolean): HTMLElement {
  const list = el('ul', { class: 'tensors' });
  let statsShown = 0;
  for (const name of names) {
    if (!name) continue;
    const v = ctx.values.get(name);
    const li = el('li', {}, el('div', { class: 'tensor-name' }, name),
      el('div', { class: 'tensor-type' }, `${v?.dtype ?? '?'} ${shapeText(v?.shape)}${v?.constant ? ' · constant' : ''}`));
    if (withStats && v?.constant && statsShown++ < 6) li.append(statsBlock(ctx, name));
    list.append(li);
  }
  return list;
}

function verdictSection(v: NodeVerdict): HTMLElement {
  const rows: [string, string][] = [['status', v.folded ? `${v.status} (folded away)` : v.status]];
  if (v.emits.length) rows.push(['TFLite ops', v.emits.join(', ')]);
  if (v.reason) rows.push(['reason', v.reason]);
  if (v.fix) rows.push(['fix', v.fix]);
  rows.push(['int8', v.int8 ? (v.int8Maybe ? `yes, may stay float32 — ${v.int8Maybe}` : 'yes') : `no${v.int8Reason ? ` — ${v.int8Reason}` : ''}`]);
  rows.push(['TFLite Micro', v.micro ? 'yes' : 'no']);
  return section('Compatibility', table(rows));
}

export function showNode(panel: HTMLElement, ctx: PanelContext, n: ViewNode, scopes: Scope[]): void {
  const parts: Node[] = [el('h2', {}, n.op), el('div', { class: 'node-name' }, n.name)];
  if (n.attrs.length) parts.push(section('Attributes', table(n.attrs)));
  if (n.inputs.some(Boolean)) parts.push(section('Inputs', tensorList(ctx, n.inputs, true)));
  if (n.outputs.some(Boolean)) parts.push(section('Outputs', tensorList(ctx, n.outputs, false)));
  const v = ctx.verdict(n.name);
  if (v) parts.push(verdictSection(v));
  const a = ctx.accuracy(n.name);
  if (a) parts.push(section('Accuracy', table([['max abs', fmt(a.maxAbs)], ['mean abs', fmt(a.meanAbs)], ['relative', fmt(a.rel)], ['cosine', fmt(a.cosine)], ['SNR dB', fmt(a.snrDb)]])));
  const expandedScopes = scopes.filter((s) => s.size > 1);
  if (expandedScopes.length) {
    const s = expandedScopes[expandedScopes.length - 1];
    const b = el('vscode-button', { secondary: '', 'data-action': 'collapse' }, `Collapse ${s.path}`);
    b.addEventListener('click', () => ctx.collapse(s));
    parts.push(el('div', { class: 'actions' }, b));
  }
  panel.replaceChildren(...parts);
}

export function showScope(panel: HTMLElement, ctx: PanelContext, s: Scope): void {
  const ops = new Map<string, number>();
  const visit = (c: Scope): void => { for (const id of c.nodes) ops.set(ctx.graph.nodes[id].op, (ops.get(ctx.graph.nodes[id].op) ?? 0) + 1); c.children.forEach(visit); };
  visit(s);
  const hist = [...ops].sort((a, b) => b[1] - a[1]).map(([op, c]) => [op, String(c)] as [string, string]);
  const b = el('vscode-button', { 'data-action': 'expand' }, 'Expand');
  b.addEventListener('click', () => ctx.expand(s));
  panel.replaceChildren(el('h2', {}, s.label), el('div', { class: 'node-name' }, s.path),
    el('p', {}, `${s.size} nodes (collapsed ${s.range ? 'range, in graph order' : 'scope'})`), el('div', { class: 'actions' }, b), section('Ops', table(hist)));
}

export function showModel(panel: HTMLElement, g: ViewGraph, summary: string | undefined): void {
  const parts: Node[] = [el('h2', {}, g.file), table(g.info)];
  if (summary) parts.push(el('p', { class: 'summary-line' }, summary));
  if (g.note) parts.push(el('p', { class: 'note' }, g.note));
  const ins = g.nodes.filter((n) => n.kind === 'input').map((n) => n.name);
  const outs = g.nodes.filter((n) => n.kind === 'output').map((n) => n.inputs[0]);
  const shown = new Set([...ins, ...outs]);
  const values = new Map<string, ViewValue>();
  for (const name of shown) { const v = valueNamed(g, name); if (v) values.set(name, v); }
  const ctx = { values } as PanelContext;
  parts.push(section('Inputs', tensorList(ctx, ins, false)), section('Outputs', tensorList(ctx, outs, false)));
  panel.replaceChildren(...parts);
}
