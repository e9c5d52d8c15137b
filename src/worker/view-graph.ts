// Builds the graph the webview draws (src/shared/protocol.ts WireGraph) from the IR. No vscode here: the worker,
// the webview tests and the benchmarks share it, so the tests see exactly what the host sends.
import type { AttrValue, Graph, Model } from '../ir/types';
import type { ViewValue, WireGraph } from '../shared/protocol';
import { WireBuilder } from '../shared/graph-wire';

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

/** What the graph knows now of tensor `name` (an initializer's own dtype and dims). */
function valueOf(g: Graph, name: string): ViewValue {
  const init = g.initializers.get(name);
  if (init) return { name, dtype: init.dtype, shape: init.dims, constant: true };
  const v = g.values.get(name);
  return { name, dtype: v?.dtype, shape: v?.shape };
}

/** The view's values for tensor `names`, with the dtypes and shapes the graph knows now. */
export function valuesOf(g: Graph, names: readonly string[]): ViewValue[] {
  return names.map((name) => valueOf(g, name));
}

/** The graph view's graph of an ONNX model (main graph), and the tensors its values list, in order. */
export function onnxWireGraph(model: Model, file: string, note?: string): { graph: WireGraph; names: string[] } {
  const g = model.graph;
  const b = new WireBuilder();
  for (const n of g.nodes) {
    const attrs: [string, string][] = [];
    for (const [k, a] of n.attrs) attrs.push([k, attrText(a)]);
    b.node(n.name, n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType, 'op', n.inputs, n.outputs, attrs);
  }
  const opsets = [...model.opsets].map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ');
  const info: [string, string][] = [
    ['format', `ONNX (IR version ${model.irVersion})`],
    ['producer', [model.producerName, model.producerVersion].filter(Boolean).join(' ') || '—'],
    ['opsets', opsets],
    ['nodes', String(g.nodes.length)],
    ['initializers', String(g.initializers.size)],
  ];
  return b.finish({ format: 'onnx', file, info, note }, g.inputs.map((v) => v.name), g.outputs.map((v) => v.name), (name) => valueOf(g, name));
}
