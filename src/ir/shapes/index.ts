// Shape inference: fills graph.values with the dtype and shape of every value (subgraphs included),
// folding constants on the way. Op shape functions live in the other files of this folder, by op family.
import { canFold, foldNode } from '../fold';
import { tensorFromNumbers } from '../fold-kernels';
import { makeTensor, toNumbers } from '../tensor';
import { AttrValue, DType, Dim, Graph, Model, ModelError, Node, Shape, Tensor, ValueInfo } from '../types';
import { OutInfo, ShapeCtx, shapeFn } from './context';
import { DimNamer, InvalidNodeError, fmt } from './dims';
import { traceDims } from './symbolic';
import './elementwise';
import './tensorops';
import './indexing';
import './nn';
import './linalg';
import './control';
import './misc';
import './qoperator';

export interface InferOptions {
  /** Fixed dims for inputs with dynamic (or any) dims, by input name. */
  inputShapes?: Map<string, number[]>;
  /** Largest tensor (elements) constant folding computes. Default 1 << 20. */
  maxFoldElements?: number;
}

export interface InferResult {
  /** Values computed by constant folding (Constant outputs included; initializers stay in graph.initializers). */
  constants: Map<string, Tensor>;
  warnings: string[];
  /** Nodes the model is invalid at (inputs whose known dims do not broadcast), by node name: why. */
  invalid: Map<string, string>;
}

class Scope {
  readonly consts = new Map<string, Tensor>();
  readonly syms = new Map<string, Dim[]>();
  constructor(readonly graph: Graph, readonly parent?: Scope) {}
  info(name: string): ValueInfo | undefined {
    return this.graph.values.get(name) ?? this.parent?.info(name);
  }
  value(name: string): Tensor | undefined {
    return this.consts.get(name) ?? this.graph.initializers.get(name) ?? this.parent?.value(name);
  }
  sym(name: string): Dim[] | undefined {
    return this.syms.get(name) ?? this.parent?.sym(name);
  }
}

interface State {
  model: Model;
  namer: DimNamer;
  warnings: string[];
  invalid: Map<string, string>;
  constants: Map<string, Tensor>;
  maxFold: number;
  /** Symbol → number substitutions implied by --input-shape. */
  subst: Map<string, number>;
  /** Subgraphs inferred once already (a Loop body is inferred again when its carried shapes change). */
  inferred: Set<Graph>;
}

export function inferShapes(model: Model, opts: InferOptions = {}): InferResult {
  const taken = new Set<string>();
  collectDimNames(model.graph, taken);
  const st: State = {
    model, namer: new DimNamer(taken), warnings: [], invalid: new Map(), constants: new Map(), maxFold: opts.maxFoldElements ?? 1 << 20,
    subst: new Map(), inferred: new Set(),
  };
  if (opts.inputShapes) applyInputShapes(model.graph, opts.inputShapes, st);
  inferGraph(model.graph, new Scope(model.graph), st);
  return { constants: st.constants, warnings: st.warnings, invalid: st.invalid };
}

function collectDimNames(g: Graph, out: Set<string>): void {
  for (const v of g.values.values()) for (const d of v.shape ?? []) if (typeof d === 'string') out.add(d);
  for (const n of g.nodes) for (const a of n.attrs.values()) for (const s of subgraphsOf(a)) collectDimNames(s, out);
}

function subgraphsOf(a: AttrValue): Graph[] {
  return a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
}

function applyInputShapes(g: Graph, shapes: Map<string, number[]>, st: State): void {
  for (const [name, dims] of shapes) {
    const input = g.inputs.find((v) => v.name === name);
    if (!input) {
      throw new ModelError(`--input-shape names "${name}", which is not an input of the model (inputs: ${g.inputs.map((v) => v.name).join(', ') || 'none'})`);
    }
    if (input.shape && input.shape.length !== dims.length) {
      throw new ModelError(`--input-shape ${name}=${dims.join(',')} has rank ${dims.length}, but input "${name}" has rank ${input.shape.length} ${fmt(input.shape)}`);
    }
    input.shape?.forEach((d, i) => {
      if (typeof d === 'number' && d !== dims[i]) {
        st.warnings.push(`--input-shape ${name}=${dims.join(',')} changes dim ${i} of input "${name}" from ${d} to ${dims[i]}; constants computed for ${d} may no longer fit`);
      }
      if (typeof d === 'string') st.subst.set(d, dims[i]);
    });
  }
  for (const input of g.inputs) {
    const fixed = shapes.get(input.name);
    input.shape = fixed ? [...fixed] : input.shape?.map((d) => substitute(d, st));
    g.values.set(input.name, input);
  }
}

function substitute(d: Dim, st: State): Dim {
  return typeof d === 'string' ? st.subst.get(d) ?? d : d;
}

function inferGraph(g: Graph, scope: Scope, st: State): void {
  for (const node of g.nodes) inferNode(node, scope, st);
  g.outputs = g.outputs.map((o) => g.values.get(o.name) ?? scope.info(o.name) ?? o);
}

function nodeFailed(node: Node, e: unknown, st: State): void {
  st.warnings.push(`node ${node.name} (${node.opType}): ${(e as Error).message}`);
  if (e instanceof InvalidNodeError) st.invalid.set(node.name, e.message);
}

function inferNode(node: Node, scope: Scope, st: State): void {
  const g = scope.graph;
  const opset = st.model.opsets.get(node.domain) ?? (node.domain === 'ai.onnx' ? st.model.opsets.get('') : undefined) ?? 1;
  const ctx = makeCtx(node, opset, scope, st);
  let outs: (OutInfo | undefined)[] = [];
  const known = node.inputs.map((n) => (n ? scope.value(n) : undefined));
  // CastLike reads only its second input's type: a constant cast like an activation (onnxscript's GELU casts its 0.5
  // and 1 so) folds, with an empty stand-in of that type, and the GELU pass sees its constants.
  const like = node.opType === 'CastLike' && known[0] && !known[1] ? scope.info(node.inputs[1])?.dtype : undefined;
  if (like) known[1] = makeTensor(node.inputs[1], like, [0], []);
  let folded: Tensor[] | undefined;
  if (canFold(node)) {
    try {
      folded = foldNode(node, known, opset, node.inputs.map((n) => (n ? scope.info(n)?.shape : undefined)), { maxElements: st.maxFold });
    } catch (e) {
      nodeFailed(node, e, st);
    }
  }
  if (folded) {
    folded.forEach((t, i) => {
      if (!node.outputs[i]) return;
      scope.consts.set(node.outputs[i], t);
      st.constants.set(node.outputs[i], t);
      outs[i] = { dtype: t.dtype, shape: [...t.dims] };
    });
  } else {
    const fn = shapeFn(node.domain, node.opType);
    if (!fn) {
      st.warnings.push(`no shape inference for ${node.domain ? node.domain + '.' : ''}${node.opType} (node ${node.name}); its outputs have unknown shapes`);
    } else {
      try {
        outs = fn(ctx);
      } catch (e) {
        nodeFailed(node, e, st);
        outs = [];
      }
    }
    try {
      const d = traceDims(node, ctx);
      if (d && node.outputs[0]) scope.syms.set(node.outputs[0], d);
      // Every traced dim a number (the static dims of a tensor sized at run time): the value is a constant, so
      // what tests it (torchvision's `if x.shape[1] == 1` squeeze guards) folds.
      const o = outs[0];
      if (d && node.outputs[0] && d.every((x) => typeof x === 'number') && (o?.dtype === 'int64' || o?.dtype === 'int32')
        && o.shape && o.shape.every((x) => typeof x === 'number') && (o.shape as number[]).reduce((a, b) => a * b, 1) === d.length) {
        const t = tensorFromNumbers(node.outputs[0], o.dtype, o.shape as number[], d as number[]);
        scope.consts.set(node.outputs[0], t);
        st.constants.set(node.outputs[0], t);
      }
    } catch { /* a symbolic value is an optional refinement */ }
    // An output with a static shape and no elements is known without running anything: an empty constant (PyTorch
    // slices away an absent context and concatenates the nothing it got, e.g. Emformer's right context).
    outs.forEach((o, i) => {
      const name = node.outputs[i];
      if (!name || !o?.dtype || !o.shape || !o.shape.includes(0) || !o.shape.every((x) => typeof x === 'number')) return;
      const t = tensorFromNumbers(name, o.dtype, o.shape as number[], []);
      scope.consts.set(name, t);
      st.constants.set(name, t);
    });
  }
  node.outputs.forEach((name, i) => {
    if (!name) return;
    const declared = g.values.get(name);
    const o = sanitize(outs[i], node, st);
    const shape = refine(o?.shape, declared?.shape?.map((d) => substitute(d, st)), st.namer);
    g.values.set(name, { name, dtype: o?.dtype ?? declared?.dtype, shape });
  });
}

/** A computed dim that is not a size (negative, fractional, infinite, past 2^53) becomes unknown, with a warning. */
function sanitize(o: OutInfo | undefined, node: Node, st: State): OutInfo | undefined {
  if (!o?.shape || o.shape.every((d) => typeof d === 'string' || (Number.isSafeInteger(d) && d >= 0))) return o;
  st.warnings.push(`node ${node.name} (${node.opType}): computed shape [${o.shape.join(',')}] is not valid; those dims are left unknown`);
  return { dtype: o.dtype, shape: o.shape.map((d) => (typeof d === 'string' || (Number.isSafeInteger(d) && d >= 0) ? d : st.namer.make())) };
}

/** Prefers the inferred shape; where it only has a made-up dim, takes the model's declared dim. */
function refine(inferred: Shape | undefined, declared: Shape | undefined, namer: DimNamer): Shape | undefined {
  if (!inferred) return declared;
  if (!declared || declared.length !== inferred.length) return inferred;
  return inferred.map((d, i) => (typeof d === 'string' && namer.fresh.has(d) ? declared[i] : d));
}

function makeCtx(node: Node, opset: number, scope: Scope, st: State): ShapeCtx {
  const inName = (i: number) => node.inputs[i] ?? '';
  const info = (i: number) => (inName(i) ? scope.info(inName(i)) : undefined);
  const ctx: ShapeCtx = {
    node, opset, namer: st.namer, count: node.inputs.length,
    has: (i) => inName(i) !== '',
    dtype: (i) => info(i)?.dtype,
    shape: (i) => info(i)?.shape,
    value: (i) => (inName(i) ? scope.value(inName(i)) : undefined),
    dims: (i) => {
      if (!inName(i)) return undefined;
      const v = scope.value(inName(i));
      if (v) return v.dims.length <= 1 && !Array.isArray(v.data) ? toNumbers(v) : undefined;
      return scope.sym(inName(i));
    },
    attr: (name) => node.attrs.get(name),
    subgraph: (sg, inputs) => inferSubgraph(sg, inputs, scope, st),
    warn: (m) => st.warnings.push(`node ${node.name} (${node.opType}): ${m}`),
  };
  return ctx;
}

/** Forgets what an earlier inference of the same body folded and inferred (a Loop body inferred again with other
 *  shapes): its node outputs' constants and shapes. */
function forgetInferred(g: Graph, st: State): void {
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      st.constants.delete(o);
      g.values.delete(o);
    }
    for (const a of n.attrs.values()) for (const s of subgraphsOf(a)) forgetInferred(s, st);
  }
}

function inferSubgraph(g: Graph, inputs: OutInfo[], parent: Scope, st: State): OutInfo[] {
  if (st.inferred.has(g)) forgetInferred(g, st);
  st.inferred.add(g);
  g.inputs.forEach((v, i) => {
    const given = inputs[i];
    const dtype: DType | undefined = given?.dtype ?? v.dtype;
    const shape = given?.shape ?? v.shape;
    const info = { name: v.name, dtype, shape };
    g.inputs[i] = info;
    g.values.set(v.name, info);
  });
  const scope = new Scope(g, parent);
  inferGraph(g, scope, st);
  return g.outputs.map((o) => ({ dtype: o.dtype, shape: o.shape }));
}
