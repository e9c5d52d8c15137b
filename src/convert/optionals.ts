// ONNX optionals (Optional, OptionalHasElement, OptionalGetElement; opset 15, and 18 where the last two also take a
// plain tensor) have no TFLite equivalent: a TFLite tensor always holds a value. Where the graph itself decides
// whether an optional holds one — an `Optional(x)` holds x, an `Optional()` of a type attribute holds none, a plain
// tensor is always there, an omitted input never — they fold here, before shape inference: OptionalHasElement becomes
// a constant bool, OptionalGetElement an Identity of the element, and the Optional nodes nothing reads any more go.
// Optionals decided at run time (a graph input of optional type, a branch's optional output) stay and are refused in
// one line; OptionalGetElement of an optional that is known empty is an error onnxruntime makes too.
import type { Model, Node } from '../ir/types';
import { makeTensor } from '../ir/tensor';
import { ConvertError } from './types';

export const OPTIONAL_OPS = new Set(['Optional', 'OptionalHasElement', 'OptionalGetElement']);

/** The model with its main graph's optionals folded, or undefined when nothing changed. Throws ConvertError on an
 *  OptionalGetElement of a known-empty optional. */
export function lowerOptionals(model: Model): Model | undefined {
  const g = model.graph;
  if (!g.nodes.some((n) => OPTIONAL_OPS.has(n.opType))) return undefined;
  // Each optional the graph makes: its element's value name, or null when it holds none.
  const made = new Map<string, string | null>();
  for (const n of g.nodes) if (n.opType === 'Optional' && n.outputs[0]) made.set(n.outputs[0], n.inputs[0] || null);
  const fromOptionalOps = new Set(g.nodes.filter((n) => OPTIONAL_OPS.has(n.opType)).flatMap((n) => n.outputs));
  /** A plain tensor (opset 18 takes one): an initializer, or a value of known type no optional op made (a graph input
   *  of optional type has none). */
  const plainTensor = (v: string) => g.initializers.has(v) || (!fromOptionalOps.has(v) && g.values.get(v)?.dtype !== undefined);
  /** The element of `v` when the graph decides it (null: none), undefined when decided at run time. */
  const element = (v: string | undefined): string | null | undefined => (!v ? null : made.has(v) ? made.get(v) : plainTensor(v) ? v : undefined);
  const initializers = new Map(g.initializers);
  let nodes: Node[] = [];
  let changed = false;
  for (const n of g.nodes) {
    if (n.opType === 'OptionalHasElement' || n.opType === 'OptionalGetElement') {
      const el = element(n.inputs[0]);
      if (el !== undefined) {
        changed = true;
        if (n.opType === 'OptionalHasElement') {
          initializers.set(n.outputs[0]!, makeTensor(n.outputs[0]!, 'bool', [], [el === null ? 0 : 1]));
          continue;
        }
        if (el === null) {
          throw new ConvertError(`OptionalGetElement of "${n.inputs[0] ?? ''}", an optional that holds no value: the model fails here on every runtime`, n.name);
        }
        nodes.push({ ...n, opType: 'Identity', domain: '', inputs: [el], attrs: new Map() });
        continue;
      }
    }
    nodes.push(n);
  }
  // Optional nodes whose value nothing reads any more (nor the graph's outputs, nor a subgraph) go.
  const read = new Set([...g.outputs.map((o) => o.name), ...nodes.flatMap((n) => [...n.inputs, ...subgraphReads(n)])]);
  const kept = nodes.filter((n) => n.opType !== 'Optional' || n.outputs.some((o) => read.has(o)));
  if (kept.length !== nodes.length) { changed = true; nodes = kept; }
  if (!changed) return undefined;
  const values = new Map(g.values);
  for (const n of g.nodes) if (OPTIONAL_OPS.has(n.opType)) for (const o of n.outputs) values.delete(o);
  for (const [name, t] of initializers) if (!g.initializers.has(name)) values.set(name, { name, dtype: t.dtype, shape: [...t.dims] });
  return { ...model, graph: { ...g, nodes, initializers, values } };
}

/** Names a node's subgraphs read from the enclosing scope. */
function subgraphReads(n: Node): string[] {
  const out: string[] = [];
  for (const a of n.attrs.values()) {
    const graphs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
    for (const sub of graphs) out.push(...(sub.outerScope ?? []), ...sub.nodes.flatMap((m) => [...m.inputs, ...subgraphReads(m)]));
  }
  return out;
}
