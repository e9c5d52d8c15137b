// The graph view webview: receives the compact graph from the host, lays it out in a web worker, draws it with d3,
// and keeps zoom, selection and expanded scopes in the webview state.
import type { AccuracyLayer, AccuracyReport, ViewGraph, ViewValue, WeightStats } from '../src/shared/protocol';
import type { CompatReport, NodeVerdict } from '../src/shared/compat-types';
import { connect, loadState, on, request, saveState } from './host';
import type { ColorBy } from './host';
import { autoExpand, buildScopes, collapse, expandTo, visibleGraph } from './scopes';
import type { Item, Scope, Scopes, VisibleGraph } from './scopes';
import { layout, start as startLayoutWorker } from './layout-client';
import { GraphCanvas } from './canvas';
import type { DrawItem } from './canvas';
import { showModel, showNode, showScope } from './panel';
import type { PanelContext } from './panel';
import { findNodes, showResults } from './search';
import { compatClass, heat, summaryLine, worstLayer } from './colors';
import { drawInfo as boxOf, ITEM_LIMIT, opStyle } from './draw-info';
import { showAccuracy } from './accuracy';
import { showLegend } from './legend';
import { byId } from './dom';
import { applyShapes, decodeGraph, valueNamed } from '../src/shared/graph-wire';
import { keyboard } from './keyboard';

interface Timings { decodeMs?: number; scopesMs?: number; visibleMs?: number; layoutMs?: number; drawMs?: number; firstFrameMs?: number; nodes?: number; items?: number }
declare global { interface Window { onnx2liteTimings: Timings } }
window.onnx2liteTimings = {};
performance.mark('onnx2lite-script');
// The toolbar's controls come as the text of a script element of no script type (src/extension/webview-html.ts): the
// host's first frame does without them, and the page does not parse them before it.
const toolbarControls = document.getElementById('toolbar-controls') as HTMLScriptElement | null;
if (toolbarControls) { toolbarControls.insertAdjacentHTML('beforebegin', toolbarControls.text); toolbarControls.remove(); }

const status = byId('status');
const panel = byId('panel');
const canvas = new GraphCanvas(byId('graph') as unknown as SVGSVGElement, {
  select: (key) => select(key),
  activate: (key) => activate(key),
  zoomed: (t) => { clearTimeout(zoomTimer); zoomTimer = window.setTimeout(() => saveState({ transform: t }), 150); },
});
let zoomTimer = 0;

let graph: ViewGraph | undefined;
let scopes: Scopes | undefined;
let visible: VisibleGraph | undefined;
let expanded = new Set<string>();
// Built on first use: the first frame does not need them.
let valuesCache: Map<string, ViewValue> | undefined;
let byNameCache: Map<string, number> | undefined;
const values = (): Map<string, ViewValue> => (valuesCache ??= new Map(graph!.values.map((v) => [v.name, v])));
// The first frame looks up a few graph inputs and outputs: a scan each, until there are enough to want the map.
let valueScans = 0;
const valueOf = (name: string): ViewValue | undefined =>
  (valuesCache || ++valueScans > 32 ? values().get(name) : valueNamed(graph!, name));
const nodeId = (name: string): number | undefined => (byNameCache ??= new Map(graph!.nodes.map((n) => [n.name, n.id]))).get(name);
let verdicts = new Map<string, NodeVerdict>();
let compatSummary: string | undefined;
let accuracy = new Map<string, AccuracyLayer>();
let colorBy: ColorBy = 'op';
const statsCache = new Map<string, Promise<WeightStats>>();
let layoutSeq = 0;

function setStatus(text: string, error = false): void {
  status.textContent = text;
  status.className = error ? 'error' : '';
  status.hidden = text === '';
}

function itemNodes(it: Item): number[] {
  if (it.kind === 'node') return [it.node];
  const out: number[] = [];
  const visit = (s: Scope): void => { out.push(...s.nodes); s.children.forEach(visit); };
  visit(it.scope);
  return out;
}

let itemsByKey: { of: VisibleGraph; items: Map<string, Item> } | undefined;
function style(key: string): { cls: string; fill?: string } {
  if (!visible || !graph) return { cls: '' };
  if (itemsByKey?.of !== visible) itemsByKey = { of: visible, items: new Map(visible.items.map((i) => [i.key, i])) };
  const it = itemsByKey.items.get(key);
  if (!it) return { cls: '' };
  const g = graph;
  if (colorBy === 'compat' && verdicts.size) return { cls: compatClass(itemNodes(it).map((id) => verdicts.get(g.nodes[id].name))) };
  if (colorBy === 'accuracy' && accuracy.size) {
    const w = worstLayer(itemNodes(it).map((id) => accuracy.get(g.nodes[id].name)));
    return { cls: w ? 'acc' : 'acc-none', fill: w ? heat(w.rel) : undefined };
  }
  return opStyle(g, it);
}

const drawInfo = (it: Item): Omit<DrawItem, 'x' | 'y'> => boxOf(graph!, it, valueOf, style);

async function relayout(after: () => void): Promise<void> {
  if (!graph || !scopes) return;
  const seq = ++layoutSeq;
  const tv = performance.now();
  visible = visibleGraph(graph, scopes, expanded);
  const infos = visible.items.map(drawInfo);
  window.onnx2liteTimings.visibleMs = performance.now() - tv;
  const r = await layout(infos.map((i) => ({ key: i.key, width: i.width, height: i.height })), visible.edges);
  if (seq !== layoutSeq) return;
  window.onnx2liteTimings.layoutMs = r.ms;
  window.onnx2liteTimings.items = infos.length;
  const pos = new Map(r.nodes.map((n) => [n.key, n]));
  const items: DrawItem[] = infos.map((i) => ({ ...i, x: pos.get(i.key)!.x, y: pos.get(i.key)!.y }));
  const edges = visible.edges.map((e, k) => ({ from: e.from, to: e.to, count: e.count, points: r.edges[k] }));
  const td = performance.now();
  canvas.draw(items, edges, { width: r.width, height: r.height });
  window.onnx2liteTimings.drawMs = performance.now() - td;
  saveState({ expanded: [...expanded] });
  highlightSearch();
  after();
}

const panelCtx: PanelContext = {
  get graph() { return graph!; },
  get values() { return values(); },
  verdict: (n) => verdicts.get(n),
  accuracy: (n) => accuracy.get(n),
  stats(tensor) {
    let p = statsCache.get(tensor);
    if (!p) { p = request('weightStats', { tensor }); statsCache.set(tensor, p); }
    return p;
  },
  expand: (s) => expandScope(s),
  collapse: (s) => collapseScope(s),
  reveal: (id) => revealNode(id),
};

function select(key: string | undefined, focus = true): void {
  if (!graph || !scopes) return;
  canvas.select(key, focus);
  saveState({ selected: key });
  if (!key) { showModel(panel, graph, compatSummary); return; }
  if (key.startsWith('g:')) { const s = scopes.byPath.get(key.slice(2)); if (s) showScope(panel, panelCtx, s); return; }
  const id = Number(key.slice(2));
  showNode(panel, panelCtx, graph.nodes[id], scopes.chain[id] ?? []);
}

function activate(key: string): void {
  if (key.startsWith('g:')) { const s = scopes?.byPath.get(key.slice(2)); if (s) expandScope(s); }
  else canvas.center(key);
}

function expandScope(s: Scope): void {
  expanded.add(s.path);
  void relayout(() => {
    const first = visible?.items.find((i) => (i.kind === 'node' ? scopes!.chain[i.node]?.includes(s) : i.scope.parent === s || i.scope === s));
    if (first) { select(first.key); canvas.center(first.key); }
  });
}

function collapseScope(s: Scope): void {
  collapse(s, expanded);
  void relayout(() => { const key = `g:${s.path}`; select(key); canvas.center(key); });
}

function revealNode(id: number): void {
  if (!scopes) return;
  const show = (): void => { const key = visible!.keyOf(id); select(key); canvas.center(key, 0.8); };
  if (expandTo(scopes, id, expanded)) void relayout(show); else show();
}

function recolor(): void {
  canvas.recolor(style);
  showLegend(byId('legend'), colorBy, verdicts.size > 0, accuracy.size > 0);
}

// Search
const searchBox = byId('search') as HTMLInputElement;
const results = byId('results');
let matches: number[] = [];
function highlightSearch(): void {
  const keys = new Set(matches.map((id) => visible?.keyOf(id) ?? ''));
  canvas.highlight(keys);
}
searchBox.addEventListener('input', () => {
  if (!graph) return;
  matches = findNodes(graph, searchBox.value);
  showResults(results, graph, matches, (id) => { results.hidden = true; revealNode(id); });
  byId('match-count').textContent = searchBox.value.trim() ? `${matches.length}${matches.length >= 200 ? '+' : ''} found` : '';
  highlightSearch();
});
searchBox.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && matches.length) { results.hidden = true; revealNode(matches[0]); }
  else if (ev.key === 'ArrowDown') { ev.preventDefault(); (results.querySelector('button') as HTMLElement | null)?.focus(); }
  else if (ev.key === 'Escape') { results.hidden = true; }
});

// Toolbar. The view's buttons hand the keyboard to the graph (its keys work at once), in the frame that draws the new
// view: a focus moving off the button later, at the next press on the graph, would repaint the page in a drag's first
// frame (on a big graph, Blink then rebuilds the compositor layers of every box: 15-20 ms).
const toGraph = (): void => { byId('canvas').focus({ preventScroll: true }); };
byId('fit').addEventListener('click', () => { canvas.fit(); toGraph(); });
byId('reset').addEventListener('click', () => {
  if (!scopes) return;
  toGraph();
  expanded = autoExpand(scopes, ITEM_LIMIT);
  void relayout(() => canvas.fit());
});
const colorSelect = byId('color-by') as HTMLSelectElement;
colorSelect.addEventListener('change', () => { colorBy = colorSelect.value as ColorBy; saveState({ colorBy }); recolor(); });
for (const c of ['convert', 'compare', 'deploy'] as const) {
  document.getElementById(`cmd-${c}`)?.addEventListener('click', () => { void request('runCommand', { command: c }); });
}

keyboard(byId('canvas'), {
  canvas, searchBox,
  visible: () => visible,
  activate, select: (k) => { select(k); if (k) canvas.center(k, 0.3); },
  collapseParent: () => {
    const key = canvas.selected;
    if (!key || !scopes) return;
    const s = key.startsWith('g:') ? scopes.byPath.get(key.slice(2))?.parent : scopes.chain[Number(key.slice(2))]?.filter((c) => c.size > 1).pop();
    if (s && s !== scopes.root) collapseScope(s);
  },
});

// Messages from the host
on('loading', (p) => setStatus(`Opening ${p.file}…`));
on('error', (p) => {
  setStatus(p.message, true);
  defineControls();
  document.body.dataset.state = 'error';
});
on('graph', (p) => {
  const t0 = performance.now();
  performance.mark('onnx2lite-graph');
  graph = decodeGraph(p.graph);
  window.onnx2liteTimings.decodeMs = performance.now() - t0;
  shapesPending = false;
  valuesCache = undefined;
  valueScans = 0;
  byNameCache = undefined;
  scopes = buildScopes(graph);
  statsCache.clear();
  const saved = loadState();
  const same = saved.file === graph.file;
  expanded = same && saved.expanded ? new Set(saved.expanded) : autoExpand(scopes, ITEM_LIMIT);
  window.onnx2liteTimings.scopesMs = performance.now() - t0;
  if (same && saved.colorBy) { colorBy = saved.colorBy; colorSelect.value = colorBy; }
  saveState({ file: graph.file });
  document.body.dataset.format = graph.format;
  setStatus(graph.note ?? '');
  status.className = graph.note ? 'note' : '';
  void relayout(() => {
    if (same && saved.transform) canvas.setTransform(saved.transform); else canvas.initialView();
    const sel = same ? saved.selected : undefined;
    select(sel && canvas.item(sel) ? sel : undefined, false);
    recolor();
    // The task after the next frame: that frame is painted.
    requestAnimationFrame(() => setTimeout(() => {
      window.onnx2liteTimings.firstFrameMs = performance.now() - t0;
      // The first frame is the host's when it drew one into the page (webview/first-frame.ts); the page's own is
      // the first it can be worked with.
      if (!performance.getEntriesByName('onnx2lite-first-frame').length) performance.mark('onnx2lite-first-frame');
      performance.mark('onnx2lite-drawn');
      window.onnx2liteTimings.nodes = graph!.nodes.length;
      const first = document.body.dataset.state !== 'drawn';
      defineControls();
      document.body.dataset.state = 'drawn';
      if (first) void request('drawn', {});
      if (shapesPending) showShapes();
    }, 0));
  }).catch((e: Error) => setStatus(e.message, true));
});
// Inferred shapes follow the graph: the side panel and the input/output boxes are redrawn with them.
let shapesPending = false;
function showShapes(): void {
  shapesPending = false;
  const changed = visible?.items.some((it) => it.kind === 'node' && graph!.nodes[it.node].kind !== 'op'
    && canvas.item(it.key)?.sub !== drawInfo(it).sub);
  const reselect = (): void => select(canvas.selected, false);
  if (changed) void relayout(reselect); else reselect();
}
on('shapes', (p) => {
  if (!graph) return;
  applyShapes(graph.values, p.shapes);
  valuesCache = undefined;
  if (p.note) { graph.note = p.note; setStatus(p.note); status.className = 'note'; }
  document.body.dataset.shapes = 'inferred';
  if (document.body.dataset.state === 'drawn') showShapes(); else shapesPending = true;
});
on('compat', (p) => {
  const r: CompatReport | null = p.report;
  verdicts = new Map((r?.nodes ?? []).map((v) => [v.node, v]));
  compatSummary = r ? summaryLine(r) : p.note;
  byId('summary').textContent = compatSummary ?? '';
  // verdicts colour the graph unless a colouring was chosen (or the accuracy overlay came first)
  if (r && !loadState().colorBy && colorBy === 'op') { colorBy = 'compat'; colorSelect.value = colorBy; }
  recolor();
  if (!canvas.selected && graph) showModel(panel, graph, compatSummary);
});
on('accuracy', (p) => {
  const r: AccuracyReport = p.report;
  accuracy = new Map(r.layers.map((l) => [l.node, l]));
  colorBy = 'accuracy'; colorSelect.value = colorBy;
  showAccuracy(byId('accuracy'), r, p.title, (node) => { const id = nodeId(node); if (id !== undefined) revealNode(id); });
  recolor();
});
on('reveal', (p) => {
  const id = nodeId(p.node);
  if (id !== undefined) revealNode(id);
});

// The toolbar's controls are defined once the first frame is drawn (or the view shows an error): until then their
// script would compete with the graph for the page's one thread.
let controls: Promise<unknown> | undefined;
function defineControls(): void { controls ??= import('./controls').catch((e: Error) => setStatus(e.message, true)); }
setTimeout(defineControls, 3000); // in case no graph comes

void startLayoutWorker().catch(() => undefined);
connect();
