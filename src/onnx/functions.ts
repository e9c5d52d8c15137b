// Model-local functions (ModelProto.functions, IR 8+): what PyTorch 2's dynamo exporter / onnxscript write (domains
// like pkg.onnxscript.torch_lib, pkg.torch.*), each module or aten op a FunctionProto and the main graph its calls.
// The reader inlines every call at import, so inspect, the graph view, compatibility, convert and compare all see
// the same graph of ONNX ops. An inlined node is named `<call node>/<its name in the body>`: the graph view groups a
// call's nodes under the call's name as a scope, and names are the same on every read (compare joins on them).
// Attribute references (`ref_attr_name`) take the call's attribute, else the function's default, else none; calls
// nested in bodies are inlined in turn (a function that calls itself, directly or not, is refused); values of a body
// get names of their own (`<call>/<name>`, made unique); nodes an inlined body computes for outputs nobody reads
// are dropped. Nothing here touches protobuf: reader.ts turns FunctionProtos into `OnnxFunction`s, writer.ts writes
// them back (tests build models with functions through it).
import { AttrValue, Graph, Model, ModelError, Node, Tensor, ValueInfo } from '../ir/types';
import { sortAndValidate } from '../ir/validate';

/** An attribute of a body node that refers to one of the function's attributes. */
export interface AttrRef { ref: string; type: AttrValue['type'] }

export interface FunctionNode extends Node {
  /** Attributes given by reference to the calling node's: attribute name → the function attribute it names. */
  refs?: Map<string, AttrRef>;
}

export interface OnnxFunction {
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Attribute names without a default. */
  attributes: string[];
  /** Attributes with a default (FunctionProto.attribute_proto). */
  defaults: Map<string, AttrValue>;
  nodes: FunctionNode[];
  /** The function's own opset imports. */
  opsets: Map<string, number>;
}

/** Calls nested deeper than this are refused (a model would need a recursion the reader cannot see otherwise). */
const MAX_DEPTH = 64;

const keyOf = (domain: string, name: string) => `${domain}\u0000${name}`;

/** Inlines every call of `functions` in the model's graph and its subgraphs, in place. */
export function inlineFunctions(model: Model, functions: OnnxFunction[]): void {
  if (functions.length === 0) return;
  const table = new Map<string, OnnxFunction>();
  for (const f of functions) {
    const k = keyOf(f.domain, f.name);
    if (table.has(k)) throw new ModelError(`the model defines function ${label(f)} twice`);
    table.set(k, f);
  }
  const inliner = new Inliner(table, model);
  inliner.graph(model.graph);
  const functionDomains = new Set(functions.map((f) => f.domain));
  const used = new Set<string>();
  collectDomains(model.graph, used);
  for (const d of functionDomains) if (!used.has(d)) model.opsets.delete(d);
  for (const f of inliner.usedFunctions) {
    for (const [d, v] of f.opsets) {
      if (functionDomains.has(d)) continue;
      const mv = model.opsets.get(d);
      if (mv === undefined) model.opsets.set(d, v);
      else if (mv !== v && used.has(d)) {
        throw new ModelError(`function ${label(f)} imports opset ${v} of ${d || 'ai.onnx'}, the model opset ${mv}: onnx2lite reads one opset a domain`);
      }
    }
  }
}

function label(f: OnnxFunction): string {
  return f.domain ? `${f.domain}.${f.name}` : f.name;
}

function collectDomains(g: Graph, into: Set<string>): void {
  for (const n of g.nodes) {
    into.add(n.domain);
    for (const a of n.attrs.values()) for (const s of subgraphs(a)) collectDomains(s, into);
  }
}

function subgraphs(a: AttrValue): Graph[] {
  return a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
}

class Inliner {
  readonly usedFunctions = new Set<OnnxFunction>();
  /** Every value name in the model (made names stay clear of them). */
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();

  constructor(private readonly table: Map<string, OnnxFunction>, model: Model) {
    this.collect(model.graph);
  }

  private collect(g: Graph): void {
    for (const v of g.inputs) this.names.add(v.name);
    for (const v of g.outputs) this.names.add(v.name);
    for (const k of g.initializers.keys()) this.names.add(k);
    for (const k of g.values.keys()) this.names.add(k);
    for (const n of g.nodes) {
      this.nodeNames.add(n.name);
      for (const o of n.outputs) if (o) this.names.add(o);
      for (const a of n.attrs.values()) for (const s of subgraphs(a)) this.collect(s);
    }
  }

  /** Inlines the calls in `g` and its subgraphs. */
  graph(g: Graph): void {
    let inlined = false;
    const out: Node[] = [];
    const made = new Set<Node>();
    for (const n of g.nodes) {
      for (const a of n.attrs.values()) for (const s of subgraphs(a)) this.graph(s);
      const f = this.table.get(keyOf(n.domain, n.opType));
      if (!f) { out.push(n); continue; }
      inlined = true;
      for (const m of this.expand(n, f, [])) { out.push(m); made.add(m); }
    }
    if (!inlined) return;
    g.nodes = dropUnread(out, made, g);
    sortAndValidate(g);
  }

  /** The nodes a call becomes, its nested calls inlined too. */
  private expand(call: Node, f: OnnxFunction, stack: string[]): Node[] {
    const key = keyOf(f.domain, f.name);
    if (stack.includes(key)) throw new ModelError(`function ${label(f)} calls itself (through ${stack.map((k) => k.replace('\u0000', '.')).join(' → ')}): recursive functions cannot be inlined`, call.name);
    if (stack.length >= MAX_DEPTH) throw new ModelError(`function calls nest deeper than ${MAX_DEPTH} at ${call.name}`, call.name);
    if (call.inputs.length > f.inputs.length) throw new ModelError(`node ${call.name} gives ${label(f)} ${call.inputs.length} inputs; the function takes ${f.inputs.length}`, call.name);
    if (call.outputs.length > f.outputs.length) throw new ModelError(`node ${call.name} reads ${call.outputs.length} outputs of ${label(f)}; the function has ${f.outputs.length}`, call.name);
    this.usedFunctions.add(f);
    const rename = new Map<string, string>();
    f.inputs.forEach((name, i) => rename.set(name, call.inputs[i] ?? ''));
    f.outputs.forEach((name, i) => { if (call.outputs[i]) rename.set(name, call.outputs[i]); });
    const prefix = call.name;
    const valueName = (name: string): string => {
      if (name === '') return '';
      let v = rename.get(name);
      if (v === undefined) {
        v = this.fresh(`${prefix}/${name}`, this.names);
        rename.set(name, v);
      }
      return v;
    };
    const out: Node[] = [];
    f.nodes.forEach((b, i) => {
      const attrs = new Map<string, AttrValue>();
      const resolve = (n: FunctionNode, into: Map<string, AttrValue>): void => {
        for (const [k, r] of n.refs ?? []) {
          const v = call.attrs.get(r.ref) ?? f.defaults.get(r.ref);
          if (v) into.set(k, v);
        }
      };
      for (const [k, a] of b.attrs) attrs.set(k, mapGraphs(a, valueName, resolve));
      resolve(b, attrs);
      const node: Node = {
        name: this.fresh(`${prefix}/${b.name || `${b.opType}_${i}`}`, this.nodeNames),
        opType: b.opType, domain: b.domain,
        inputs: b.inputs.map(valueName), outputs: b.outputs.map(valueName), attrs,
      };
      const nested = this.table.get(keyOf(node.domain, node.opType));
      if (nested) out.push(...this.expand(node, nested, [...stack, key]));
      else out.push(node);
    });
    return out;
  }

  private fresh(base: string, taken: Set<string>): string {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}__${k}`;
    taken.add(name);
    return name;
  }
}

/** Sets a subgraph node's attributes given by reference to the function's (`FunctionNode.refs`) from the call. */
type Resolve = (n: FunctionNode, into: Map<string, AttrValue>) => void;

/** An attribute with its subgraphs' value names renamed (a body's subgraph reads the body's values) and their
 *  nodes' references to the function's attributes resolved. */
function mapGraphs(a: AttrValue, rename: (name: string) => string, resolve: Resolve): AttrValue {
  if (a.type === 'graph') return { type: 'graph', value: renamedGraph(a.value, rename, resolve) };
  if (a.type === 'graphs') return { type: 'graphs', value: a.value.map((g) => renamedGraph(g, rename, resolve)) };
  return a;
}

function renamedGraph(g: Graph, rename: (name: string) => string, resolve: Resolve): Graph {
  const vi = (v: ValueInfo): ValueInfo => ({ ...v, name: rename(v.name) });
  const initializers = new Map<string, Tensor>();
  for (const [k, t] of g.initializers) initializers.set(rename(k), { ...t, name: rename(k) });
  const values = new Map<string, ValueInfo>();
  for (const [k, v] of g.values) values.set(rename(k), vi(v));
  const out: Graph = {
    name: g.name,
    nodes: g.nodes.map((n: FunctionNode) => {
      const { refs, ...plain } = n;
      const attrs = new Map([...n.attrs].map(([k, a]) => [k, mapGraphs(a, rename, resolve)]));
      if (refs) resolve(n, attrs);
      return { ...plain, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename), attrs };
    }),
    inputs: g.inputs.map(vi), outputs: g.outputs.map(vi), initializers, values,
  };
  if (g.outerScope) out.outerScope = new Set([...g.outerScope].map(rename));
  return out;
}

/** `nodes` without the inlined ones (`made`) whose outputs no node, subgraph or graph output reads (repeatedly). */
function dropUnread(nodes: Node[], made: Set<Node>, g: Graph): Node[] {
  const kept = new Set(nodes);
  for (;;) {
    const read = new Set<string>(g.outputs.map((v) => v.name));
    for (const n of kept) {
      for (const i of n.inputs) read.add(i);
      for (const a of n.attrs.values()) for (const s of subgraphs(a)) for (const f of freeNames(s)) read.add(f);
    }
    let dropped = false;
    for (const n of kept) {
      if (made.has(n) && !n.outputs.some((o) => o && read.has(o))) { kept.delete(n); dropped = true; }
    }
    if (!dropped) return nodes.filter((n) => kept.has(n));
  }
}

function freeNames(g: Graph): string[] {
  const names: string[] = [];
  for (const n of g.nodes) {
    names.push(...n.inputs);
    for (const a of n.attrs.values()) for (const s of subgraphs(a)) names.push(...freeNames(s));
  }
  names.push(...g.outputs.map((v) => v.name));
  return names;
}
