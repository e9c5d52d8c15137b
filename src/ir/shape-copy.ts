// Shape inference writes what it finds into the graph it is given (graph.values, the inputs' shapes, and the same in
// every subgraph). Passes that infer shapes on a model someone else holds — the compatibility view, convert — work on
// this copy, so the caller's model stays exactly as it was read: the same object can be analyzed and then converted
// (or converted twice with other --input-shape values) and give the same result as a fresh read.
// Node lists, attributes and initializers are shared (tensors are never written to; clean-up passes give a node whose
// attributes they change a new map, DEVELOPERS.md); only what inference writes is copied.
import type { AttrValue, Graph, Model, Node, ValueInfo } from './types';

function copyValue(v: ValueInfo): ValueInfo {
  return { ...v, shape: v.shape ? [...v.shape] : v.shape };
}

function copyAttr(a: AttrValue): AttrValue {
  if (a.type === 'graph') return { type: 'graph', value: copyGraph(a.value) };
  if (a.type === 'graphs') return { type: 'graphs', value: a.value.map(copyGraph) };
  return a;
}

function copyNode(n: Node): Node {
  let attrs = n.attrs;
  for (const a of n.attrs.values()) {
    if (a.type === 'graph' || a.type === 'graphs') {
      attrs = new Map([...n.attrs].map(([k, v]) => [k, copyAttr(v)]));
      break;
    }
  }
  return attrs === n.attrs ? n : { ...n, attrs };
}

function copyGraph(g: Graph): Graph {
  const values = new Map<string, ValueInfo>();
  for (const [k, v] of g.values) values.set(k, copyValue(v));
  // Inputs and outputs keep pointing at the entries of the copied map where the original did.
  const same = (v: ValueInfo): ValueInfo => (g.values.get(v.name) === v ? values.get(v.name)! : copyValue(v));
  return {
    ...g,
    nodes: g.nodes.map(copyNode),
    inputs: g.inputs.map(same),
    outputs: g.outputs.map(same),
    values,
  };
}

/** A model that shape inference can write into without changing `model`. */
export function shapeCopy(model: Model): Model {
  return { ...model, graph: copyGraph(model.graph) };
}
