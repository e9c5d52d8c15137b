// Builds the compact graph the webview draws (src/protocol.ts ViewGraph) from the IR. No vscode here: the worker,
// the webview tests and the benchmarks share it, so the tests see exactly what the host sends.
import type { AttrValue, Graph, Model } from '../ir/types';
import type { ViewEdge, ViewGraph, ViewNode, ViewValue } from '../protocol';

const MAX_ATTR_TEXT = 80;

function shortList(v: readonly (number | string)[]): string {
  const s = v.length > 16 ? [...v.slice(0, 16), `… (${v.length})`] : v;
  return `[${s.join(', ')}]`;
}

export function attrText(a: AttrValue): string {
  let s: string;
  switch (a.type) {
    case 'float': s = String(Number(a.value.toPrecision(6))); break;
    case 'int': s = String(a.value); break;
    case 'string': s = JSON.stringify(a.value); break;
    case 'floats': s = shortList(a.value.map((x) => Number(x.toPrecision(6)))); break;
    case 'ints': s = shortList(a.value); break;
    case 'strings': s = shortList(a.value.map((x) => JSON.stringify(x))); break;
    case 'tensor': s = `tensor ${a.value.dtype}[${a.value.dims.join('×')}]`; break;
    case 'tensors': s = `${a.value.length} tensors`; break;
    case 'graph': s = `graph (${a.value.nodes.length} nodes)`; break;
    case 'graphs': s = `${a.value.length} graphs`; break;
    default: s = `unsupported (${a.value})`;
  }
  return s.length > MAX_ATTR_TEXT ? s.slice(0, MAX_ATTR_TEXT - 1) + '…' : s;
}

/** Adds graph-input and graph-output nodes and the edges that join producers to consumers. */
export function connect(nodes: ViewNode[], inputs: string[], outputs: string[]): ViewEdge[] {
  for (const name of inputs) nodes.push({ id: nodes.length, name, op: 'Input', kind: 'input', inputs: [], outputs: [name], attrs: [] });
  for (const name of outputs) nodes.push({ id: nodes.length, name: `${name} (output)`, op: 'Output', kind: 'output', inputs: [name], outputs: [], attrs: [] });
  const producer = new Map<string, number>();
  for (const n of nodes) for (const t of n.outputs) if (t) producer.set(t, n.id);
  const edges: ViewEdge[] = [];
  for (const n of nodes) {
    const seen = new Set<number>();
    for (const t of n.inputs) {
      const from = t ? producer.get(t) : undefined;
      if (from === undefined || from === n.id || seen.has(from)) continue;
      seen.add(from);
      edges.push({ from, to: n.id, tensor: t });
    }
  }
  return edges;
}

/** The view's values for tensor `names`, with the dtypes and shapes the graph knows now (initializers' own). */
export function valuesOf(g: Graph, names: Iterable<string>): ViewValue[] {
  const out: ViewValue[] = [];
  for (const name of names) {
    if (!name) continue;
    const init = g.initializers.get(name);
    if (init) { out.push({ name, dtype: init.dtype, shape: [...init.dims], constant: true }); continue; }
    const v = g.values.get(name);
    out.push({ name, dtype: v?.dtype, shape: v?.shape ? [...v.shape] : undefined });
  }
  return out;
}

export function onnxViewGraph(model: Model, file: string, note?: string): ViewGraph {
  const g = model.graph;
  const nodes: ViewNode[] = g.nodes.map((n, id) => ({
    id, name: n.name, op: n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType, kind: 'op',
    inputs: [...n.inputs], outputs: [...n.outputs],
    attrs: [...n.attrs].map(([k, a]) => [k, attrText(a)] as [string, string]),
  }));
  const edges = connect(nodes, g.inputs.map((v) => v.name), g.outputs.map((v) => v.name));
  const used = new Set<string>();
  for (const n of nodes) { for (const t of n.inputs) used.add(t); for (const t of n.outputs) used.add(t); }
  const opsets = [...model.opsets].map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ');
  const info: [string, string][] = [
    ['format', `ONNX (IR version ${model.irVersion})`],
    ['producer', [model.producerName, model.producerVersion].filter(Boolean).join(' ') || '—'],
    ['opsets', opsets],
    ['nodes', String(g.nodes.length)],
    ['initializers', String(g.initializers.size)],
  ];
  return { format: 'onnx', file, info, nodes, edges, values: valuesOf(g, used), note };
}
