// The compatibility view of a model: for every ONNX node, what the converter's own registry says about it
// (TFLite builtin / Flex only / unsupported, int8 path, TFLite Micro kernels), with reasons and fixes.
// It reads the same registry the converter uses and then tries the real conversion, so the marks cannot
// disagree with what `onnx2lite convert` does.
import type { Graph, Model, Node } from '../ir/types';
import { isStaticShape } from '../ir/types';
import { inferShapes } from '../ir/shapes/index';
import { shapeCopy } from '../ir/shape-copy';
import type { CompatReport, NodeVerdict } from '../shared/compat-types';
import { ConvertContext } from './context';
import { convertModel, invalidReason } from './convert';
import { freezeInputs } from './input-values';
import { emptyGuardNames } from './empty-guard';
import { SEQUENCE_OPS } from './sequences';
import { OPTIONAL_OPS } from './optionals';
import { lookupConverter, refusalOf, unsupportedReason } from './registry';
import { ConvertError, FLEX_ONLY } from './types';
import type { Refusal } from './types';
import { MICRO_OPS } from '../micro/ops';
import { int8KeptFloat, runTimeSizedTensor } from '../quantize/int8-kept-float';
import { runTimeOnly } from '../quantize/int8-run-time-tail';
import { isFloatActivation } from '../quantize/graph';
import { int8MaybeFloat } from './compat-int8-maybe';

export interface CompatOptions {
  inputShapes?: Map<string, number[]>;
  /** Inputs frozen to constants (--input-value). */
  inputValues?: Map<string, number[]>;
  /** Also run the full conversion to catch what per-node checks cannot see (default true). */
  trialConversion?: boolean;
  /** How the fix for dynamic dims is phrased: a CLI flag or the VS Code setting. */
  fixStyle?: 'cli' | 'vscode';
}

function dimFix(style: CompatOptions['fixStyle'], input: string, example: string): string {
  return style === 'vscode'
    ? `set onnx2lite.inputShapes, e.g. { "${input}": [${example}] }`
    : `pass --input-shape ${input}=${example}`;
}

/**
 * The top-level node an emitted op counts for, by the op's `onnxNode`: ops made from the nodes inside a control-flow
 * body (an inlined If branch, an IF/WHILE subgraph, an unrolled Loop) count for the node that holds them.
 */
export function nodeOwners(g: Model['graph']): (onnxNode: string) => string {
  const owner = new Map<string, string>();
  const own = (sub: Model['graph'], top: string): void => {
    for (const n of sub.nodes) {
      owner.set(n.name, top);
      for (const a of n.attrs.values()) if (a.type === 'graph') own(a.value, top);
    }
  };
  for (const n of g.nodes) for (const a of n.attrs.values()) if (a.type === 'graph') own(a.value, n.name);
  return (name: string): string => owner.get(name) ?? owner.get(name.replace(/(__\d+(_\d+)?)?(_\d+)?$/, '')) ?? name;
}

export function analyzeCompatibility(source: Model, opts: CompatOptions = {}): CompatReport {
  // Inference writes shapes into the graph: work on a copy, so the caller's model can be converted afterwards as read.
  const model = shapeCopy(opts.inputValues?.size ? freezeInputs(source, opts.inputValues, opts.inputShapes) : source);
  const { constants, invalid: brokenAt } = inferShapes(model, { inputShapes: opts.inputShapes });
  // Nodes shape inference found invalid (inputs that do not broadcast): convert refuses there (convert.ts
  // withShapeReason), so the view marks that node, not only the nodes after it whose shapes it left unknown.
  const invalid = new Map([...brokenAt].map(([node, why]) => [node, invalidReason(why)] as const));
  for (const [name, t] of model.graph.initializers) if (!constants.has(name)) constants.set(name, t);
  const g = model.graph;
  const opset = model.opsets.get('') ?? 0;
  const modelIssues: CompatReport['modelIssues'] = [];
  for (const inp of g.inputs) {
    const s = g.values.get(inp.name)?.shape ?? inp.shape;
    if (isStaticShape(s)) continue;
    const dyn = (s ?? []).filter((d) => typeof d === 'string');
    const example = (s ?? []).map((d) => (typeof d === 'number' ? d : 1)).join(',');
    modelIssues.push({
      input: inp.name,
      message: s ? `dynamic dim ${dyn.map((d) => `\`${d}\``).join(', ')} on input ${inp.name}` : `input ${inp.name} has an unknown rank`,
      fix: dimFix(opts.fixStyle, inp.name, example),
    });
  }
  const ctx = new ConvertContext(g, constants, opset, new Set());
  const guards = emptyGuardNames(model);
  const nodes: NodeVerdict[] = g.nodes.map((node) => {
    const base = { node: node.name, opType: node.opType, domain: node.domain };
    if (guards.has(node.name)) {
      // Replaced by its other branch in conversion (convert/empty-guard.ts); that branch's ops run as builtins.
      return { ...base, status: 'builtin', emits: [], int8: false, int8Reason: 'tensors sized at run time', micro: false };
    }
    const conv = lookupConverter(node, opset);
    if (node.outputs.every((o) => !o || constants.has(o))) {
      return { ...base, status: 'builtin', emits: [], int8: true, micro: true, folded: true };
    }
    if (!conv && (SEQUENCE_OPS.has(node.opType) || OPTIONAL_OPS.has(node.opType)) && opts.trialConversion !== false) {
      // Lowered to tensor ops when lengths and positions are known (sequences.ts), folded when the graph decides an
      // optional (optionals.ts): the trial conversion decides.
      return { ...base, status: 'builtin', emits: [], int8: true, micro: true, folded: true };
    }
    if (!conv) {
      const flex = FLEX_ONLY[node.opType];
      return {
        ...base, status: flex ? 'flex' : 'unsupported', emits: [], reason: unsupportedReason(node, opset),
        fix: flex ? 'replace the op in the source model before export' : 'replace or remove the op before export, or ask for it in onnx2lite\'s issues',
        int8: false, int8Reason: 'not convertible', micro: false,
      };
    }
    ctx.current = node;
    let refusal: Refusal | undefined;
    try {
      refusal = refusalOf(conv, node, ctx);
    } catch (e) {
      refusal = { code: 'internal', message: (e as Error).message };
    }
    // Shapes unknown because of an unsupported node upstream say nothing about this op: judge it by its
    // converter alone (the upstream node carries the problem).
    const reason = invalid.get(node.name) ?? (refusal && refusal.code !== 'unknown-shape' ? refusal.message : undefined);
    const fix = !reason ? undefined
      : refusal?.code === 'dynamic-shape' && modelIssues[0]?.fix ? modelIssues[0].fix
        : 'see the reason; re-export the model without this case';
    const emits = conv.emits;
    return {
      ...base, status: reason ? 'unsupported' : 'builtin', emits: reason ? [] : emits, reason, fix,
      int8: !reason && conv.int8, int8Reason: conv.int8 ? undefined : `no int8 kernel path for ${node.opType}: it stays float32 between DEQUANTIZE/QUANTIZE`,
      micro: !reason && conv.micro, folded: emits.length === 0 ? true : undefined,
    };
  });
  // Sequences are lowered before conversion (sequences.ts): a Loop that builds one and the nodes after it are judged
  // by the trial conversion, not by their converters' checks on the sequence form. The trial also runs when a node is
  // already marked: convert stops at the first node it refuses, and that node may be one whose converter's check
  // passes but whose conversion does not (a MaxPool on dims sized at run time, before an LSTM marked for the same).
  if (opts.trialConversion !== false && modelIssues.length === 0) {
    const ownerOf = nodeOwners(g);
    try {
      const result = convertModel(source, { inputShapes: opts.inputShapes, inputValues: opts.inputValues });
      // What each node really became (not just what its converter can emit).
      const emitted = new Map<string, Set<string>>();
      // Why full int8 keeps a node's ops float32 (the first reason), and the nodes with an op on float activations.
      const kept = int8KeptFloat(result.model);
      // Full int8 refuses a model sized at run time from its first op on (full-int8.ts): no node of it runs in int8.
      // Otherwise its run-time-sized tail is a float island (int8-run-time-tail.ts) and the part before it int8.
      const sized = runTimeSizedTensor(result.model) && runTimeOnly(result.model.subgraphs[0]) ? runTimeSizedTensor(result.model) : undefined;
      // Ops a calibration-range rule may keep float32 (compat-int8-maybe.ts): marked int8, "may stay float32".
      const maybe = int8MaybeFloat(result.model);
      const maybeWhy = new Map<string, string>();
      const keptWhy = new Map<string, string>();
      const onFloat = new Set<string>();
      for (const sg of result.model.subgraphs) {
        for (const op of sg.operators) {
          if (!op.onnxNode) continue;
          const key = ownerOf(op.onnxNode);
          const set = emitted.get(key) ?? new Set<string>();
          set.add(op.opcode);
          emitted.set(key, set);
          const why = kept.get(op);
          if (why && !keptWhy.has(key)) keptWhy.set(key, why);
          const may = maybe.get(op);
          if (may && !maybeWhy.has(key)) maybeWhy.set(key, may);
          if ([...op.inputs, ...op.outputs].some((i) => i >= 0 && i < sg.tensors.length && isFloatActivation(sg.tensors[i]))) onFloat.add(key);
        }
      }
      for (const v of nodes) {
        if (v.status === 'unsupported') Object.assign(v, { status: 'builtin', reason: undefined, fix: undefined, int8: true, int8Reason: undefined, micro: true });
        const ops = emitted.get(v.node);
        v.emits = ops ? [...ops] : [];
        v.folded = ops ? undefined : true;
        if (!ops) continue;
        // What the node really became decides (a Pow of 2 is a SQUARE, a Div by a constant a MUL; a 3-D Conv has
        // neither an int8 nor a TFLite Micro kernel): int8 as the int8 pass treats those ops, TFLite Micro as
        // `onnx2lite micro` checks them (every op in its kernel table).
        const why = keptWhy.get(v.node);
        if (sized) {
          Object.assign(v, { int8: false, int8Reason: `full int8 refuses this model: "${sized.name}" is sized at run time; --quantize fp16 or dynamic` });
        } else if (why) Object.assign(v, { int8: false, int8Reason: `${why}: it stays float32 between DEQUANTIZE/QUANTIZE` });
        else if (onFloat.has(v.node)) Object.assign(v, { int8: true, int8Reason: undefined });
        if (v.int8 && maybeWhy.has(v.node)) v.int8Maybe = maybeWhy.get(v.node);
        v.micro = v.emits.every((o) => MICRO_OPS[o] !== undefined);
      }
    } catch (e) {
      const err = e as Error & { node?: string };
      const v = nodes.find((n) => n.node === err.node || (err.node !== undefined && n.node === ownerOf(err.node)));
      const reason = e instanceof ConvertError ? e.detail : err.message;
      // A node already marked (Flex, or unsupported with its converter's reason) keeps its mark: the trial stopped there.
      if (v?.status === 'builtin') Object.assign(v, { status: 'unsupported', reason, fix: 'see the reason', int8: false, micro: false, emits: [] });
      else if (!v) modelIssues.push({ message: err.message });
    }
  }
  // Full int8 calibrates in onnxruntime: a node it has no kernel for (EyeLike of bool: `torch.eye(n, dtype=torch.bool)`
  // in Moirai, SchNet) makes onnxruntime refuse the whole model, and --quantize int8 with it.
  const gap = g.nodes.find((n) => n.opType === 'EyeLike' && eyeLikeDtype(n, g) === 'bool');
  if (gap) {
    for (const v of nodes) {
      if (v.int8) Object.assign(v, { int8: false, int8Reason: `full int8 refuses this model: its calibration runs onnxruntime, which has no kernel for EyeLike of bool (${gap.name}); --quantize fp16 or dynamic` });
    }
  }
  const summary = {
    total: nodes.length,
    builtin: nodes.filter((n) => n.status === 'builtin').length,
    flex: nodes.filter((n) => n.status === 'flex').length,
    unsupported: nodes.filter((n) => n.status === 'unsupported').length,
    int8: nodes.filter((n) => n.int8).length,
    micro: nodes.filter((n) => n.micro).length,
  };
  return { nodes, modelIssues, summary };
}

export function formatCompatSummary(r: CompatReport): string {
  const s = r.summary;
  const parts = [`${s.builtin} builtin`];
  if (s.flex) parts.push(`${s.flex} need Flex`);
  if (s.unsupported) parts.push(`${s.unsupported} unsupported`);
  return `${s.total} nodes: ${parts.join(', ')}; ${s.int8} with an int8 path, ${s.micro} with TFLite Micro kernels`;
}

/** EyeLike's output dtype: its `dtype` attribute (an ONNX TensorProto type), else its input's. */
function eyeLikeDtype(n: Node, g: Graph): string | undefined {
  const t = n.attrs.get('dtype')?.value;
  if (typeof t === 'number') return t === 9 ? 'bool' : 'other';
  return g.values.get(n.inputs[0])?.dtype;
}
