// A TorchScript-exported model (opset 13-17, node names `/scope/module/Op`) rewritten the way
// torch.onnx.export(..., dynamo=True) writes it: opset 18 (Reduce* take axes as an input), and each module a
// model-local function (its scope's nodes; the weights it reads come in as inputs; values named locally, the same
// local names in every function), nested `depth` levels (a module's submodules are calls in its body). The main
// graph is the calls and the nodes outside any scope. Used by test/onnx/functions-models.test.ts and written out by
// scripts/export/dynamo-style.ts for the bigger models of earlier sweeps.
import { makeTensor } from '../../src/ir/tensor';
import type { Graph, Model, Node } from '../../src/ir/types';
import type { OnnxFunction } from '../../src/onnx/functions';
import { encodeModel } from '../../src/onnx/writer';

export const DYNAMO_DOMAIN = 'pkg.torch.2.5.0';

/** Reduce ops whose axes became an input at opset 18 (ReduceSum's at 13). */
const REDUCE_18 = new Set(['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum',
  'ReduceLogSumExp', 'ReduceSumSquare']);

export interface DynamoStyle { bytes: Uint8Array; functions: OnnxFunction[]; calls: number; reduces: number }

/** The model's bytes as the dynamo exporter would write them (`model` is left as it is). */
export function dynamoStyle(model: Model, depth = 2): DynamoStyle {
  const opset = model.opsets.get('') ?? 0;
  if (opset < 13) throw new Error(`opset ${opset}: only opset 13-17 models are rewritten`);
  const g = model.graph;
  const inits = new Map(g.initializers);
  let reduces = 0;
  const nodes: Node[] = g.nodes.map((n) => {
    const axes = n.attrs.get('axes');
    if (!REDUCE_18.has(n.opType) || opset >= 18 || axes?.type !== 'ints') return n;
    reduces++;
    const name = `${n.name}__axes`;
    inits.set(name, makeTensor(name, 'int64', [axes.value.length], axes.value));
    const attrs = new Map(n.attrs);
    attrs.delete('axes');
    return { ...n, inputs: [n.inputs[0], name], attrs };
  });
  const functions: OnnxFunction[] = [];
  const readOutside = (inner: Set<Node>): Set<string> => {
    const read = new Set(g.outputs.map((v) => v.name));
    for (const n of nodes) if (!inner.has(n)) for (const i of n.inputs) read.add(i);
    return read;
  };
  let calls = 0;
  const group = (list: Node[], level: number, outerRead: (inner: Set<Node>) => Set<string>): Node[] => {
    const groups = new Map<string, Node[]>();
    const out: (Node | string)[] = [];
    for (const n of list) {
      const path = scopeOf(n.name);
      if (path.length <= level) { out.push(n); continue; }
      const key = path[level];
      if (!groups.has(key)) { groups.set(key, []); out.push(key); }
      groups.get(key)!.push(n);
    }
    return out.flatMap((item) => {
      if (typeof item !== 'string') return [item];
      const members = groups.get(item)!;
      const memberSet = new Set(members);
      // what the rest of the model reads: nodes outside this group, at every level
      const read = outerRead(memberSet);
      const made = new Set(members.flatMap((n) => n.outputs.filter(Boolean)));
      const inputs = [...new Set(members.flatMap((n) => n.inputs.filter((i) => i && !made.has(i))))];
      const outputs = [...made].filter((o) => read.has(o));
      if (outputs.length === 0) return members;
      const body = level + 1 < depth ? group(members, level + 1, (inner) => readOutsideOf(memberSet, inner, outputs)) : members;
      const name = `${scopeOf(members[0].name).slice(0, level + 1).join('.')}`.replace(/[^A-Za-z0-9_.]/g, '_');
      functions.push(localFunction(name, body, inputs, outputs));
      calls++;
      return [{ name: item, opType: name, domain: DYNAMO_DOMAIN, inputs, outputs, attrs: new Map() }];
    });
  };
  const main = group(nodes, 0, readOutside);
  const graph: Graph = { ...g, nodes: main, initializers: inits, values: new Map(g.inputs.concat(g.outputs).map((v) => [v.name, v])) };
  const opsets = new Map(model.opsets);
  opsets.set('', Math.max(opset, 18));
  opsets.set(DYNAMO_DOMAIN, 1);
  const bytes = encodeModel({ ...model, irVersion: 10, opsets, graph }, { functions, valueInfo: false });
  return { bytes, functions, calls, reduces };
}

/** Inside a group: what its own other nodes read, and its outputs (read outside it). */
function readOutsideOf(group: Set<Node>, inner: Set<Node>, groupOutputs: string[]): Set<string> {
  const read = new Set(groupOutputs);
  for (const n of group) if (!inner.has(n)) for (const i of n.inputs) read.add(i);
  return read;
}

/** `nodes` in an order where each comes after the nodes making its inputs (a call stands where its first node stood;
 *  onnxruntime reads function bodies in their order). */
function topological(nodes: Node[]): Node[] {
  const maker = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) if (o) maker.set(o, n);
  const done = new Set<Node>();
  const out: Node[] = [];
  const visit = (n: Node): void => {
    if (done.has(n)) return;
    done.add(n);
    for (const i of n.inputs) { const m = maker.get(i); if (m) visit(m); }
    out.push(n);
  };
  nodes.forEach(visit);
  return out;
}

/** The scope path of a TorchScript node name: `/layer/self_attn/MatMul` → ['layer', 'self_attn']. */
function scopeOf(name: string): string[] {
  return name.split('/').filter(Boolean).slice(0, -1);
}

/** A function over `body` with its values named locally (in0.., out0.., t0..), as the dynamo exporter names them. */
function localFunction(name: string, body: Node[], inputs: string[], outputs: string[]): OnnxFunction {
  const local = new Map<string, string>();
  inputs.forEach((v, i) => local.set(v, `in${i}`));
  outputs.forEach((v, i) => local.set(v, `out${i}`));
  const rename = (v: string) => {
    if (!v) return v;
    if (!local.has(v)) local.set(v, `t${local.size}`);
    return local.get(v)!;
  };
  const nodes = topological(body).map((n, i) => ({
    ...n, name: n.domain === DYNAMO_DOMAIN ? n.name : `${n.name.split('/').pop() || n.opType}_${i}`,
    inputs: n.inputs.map(rename), outputs: n.outputs.map(rename),
  }));
  return { domain: DYNAMO_DOMAIN, name, inputs: inputs.map(rename), outputs: outputs.map(rename), attributes: [], defaults: new Map(),
    nodes, opsets: new Map([['', 18], [DYNAMO_DOMAIN, 1]]) };
}
