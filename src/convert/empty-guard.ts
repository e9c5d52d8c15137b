// Empty guards: exporters wrap post-processing in `if x.numel() == 0: return empty else: ...` (torchvision's
// batched_nms, detectors' box filtering). The condition depends on the data, so the ONNX model has an If whose one
// branch is only a constant with no elements. The other branch computes the same empty result from an empty input
// (a NonMaxSuppression of no boxes keeps none), so the If is replaced by that branch's nodes before shape
// inference; the nodes that only computed the condition are dropped. Runs before the other control-flow rewrites.
import type { Graph, Model, Node, Tensor } from '../ir/types';

function graphAttr(n: Node, name: string): Graph | undefined {
  const a = n.attrs.get(name);
  return a?.type === 'graph' ? a.value : undefined;
}

/** The branch gives only constants with no elements. */
function isEmptyBranch(g: Graph): boolean {
  if (g.outputs.length === 0) return false;
  const made = new Map<string, Tensor>();
  for (const n of g.nodes) {
    if (n.opType !== 'Constant') return false;
    const v = n.attrs.get('value');
    if (v?.type !== 'tensor') return false;
    made.set(n.outputs[0], v.value);
  }
  return g.outputs.every((o) => {
    const t = made.get(o.name) ?? g.initializers.get(o.name);
    return t !== undefined && t.dims.includes(0);
  });
}

/** Names defined in the graph (inputs, initializers, node outputs). */
function defined(g: Graph): Set<string> {
  const s = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) if (o) s.add(o);
  return s;
}

/** Drops nodes none of whose outputs is read (by a node, a subgraph or the graph's outputs). */
function dropDead(g: Graph): Node[] {
  let nodes = g.nodes;
  for (;;) {
    const read = new Set<string>(g.outputs.map((o) => o.name));
    const visit = (sub: Graph) => {
      for (const n of sub.nodes) {
        for (const i of n.inputs) if (i) read.add(i);
        for (const a of n.attrs.values()) if (a.type === 'graph') visit(a.value);
      }
      for (const o of sub.outputs) read.add(o.name);
    };
    visit({ ...g, nodes });
    const kept = nodes.filter((n) => n.outputs.some((o) => o && read.has(o)));
    if (kept.length === nodes.length) return nodes;
    nodes = kept;
  }
}

/** The If nodes of the graph that inlineEmptyGuards replaces by a branch (the compatibility view marks them so). */
export function emptyGuardNames(model: Model): Set<string> {
  const done = inlineEmptyGuards(model);
  if (!done) return new Set();
  const kept = new Set(done.model.graph.nodes.map((n) => n.name));
  return new Set(model.graph.nodes.filter((n) => n.opType === 'If' && !kept.has(n.name)).map((n) => n.name));
}

/** The model with its empty-guard Ifs inlined (a copy of its graph), or undefined when it has none. */
export function inlineEmptyGuards(model: Model): { model: Model; count: number } | undefined {
  const g = model.graph;
  const names = defined(g);
  const nodes: Node[] = [];
  const initializers = new Map(g.initializers);
  const values = new Map(g.values);
  let count = 0;
  for (const node of g.nodes) {
    const then = graphAttr(node, 'then_branch');
    const other = graphAttr(node, 'else_branch');
    const isIf = node.opType === 'If' && (node.domain === '' || node.domain === 'ai.onnx') && then && other;
    const keep = isIf ? (isEmptyBranch(then) ? other : isEmptyBranch(other) ? then : undefined) : undefined;
    const inner = keep ? defined({ ...keep, inputs: [] }) : undefined;
    if (!keep || !inner || keep.outputs.length !== node.outputs.length || [...inner].some((n) => names.has(n))) {
      nodes.push(node);
      continue;
    }
    for (const [k, t] of keep.initializers) initializers.set(k, t);
    for (const [k, v] of keep.values) if (!values.has(k)) values.set(k, v);
    nodes.push(...keep.nodes);
    keep.outputs.forEach((o, i) => {
      if (node.outputs[i]) nodes.push({ name: `${node.name}__${i}`, opType: 'Identity', domain: '', inputs: [o.name], outputs: [node.outputs[i]], attrs: new Map() });
    });
    for (const n of inner) names.add(n);
    count++;
  }
  if (count === 0) return undefined;
  const graph: Graph = { ...g, initializers, values };
  graph.nodes = dropDead({ ...graph, nodes });
  return { model: { ...model, graph }, count };
}
