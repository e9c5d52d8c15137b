// ONNX model → TFLite model: shape inference and folding, graph clean-up, the layout pass with per-op
// converters from the registry, activation fusion, and the `onnx2lite` metadata.
import type { Graph, Model, Node, Tensor } from '../ir/types';
import { makeTensor } from '../ir/tensor';
import { ModelError, isStaticShape } from '../ir/types';
import { shapeCopy } from '../ir/shape-copy';
import { inferShapes } from '../ir/shapes/index';
import type { TflModel } from '../tflite/model';
import { ConvertContext } from './context';
import { markDynamicOutputs } from './dynamic';
import { inlineEmptyGuards } from './empty-guard';
import { foldedInputPerm } from './folded-input';
import { Perm, channelLast, identity, isIdentity } from './layout';
import { buildMetadata, metadataBytes, OnnxLiteMetadata } from './metadata';
import { simplifyGraph } from './simplify';
import { lowerOptionals } from './optionals';
import { fuseOrtDynamicQuant } from './simplify-ortquant';
import { fp16Weights, ortWeightsToInt8 } from './ort-weights';
import { floatFromFp16 } from './simplify-fp16';
import { rewriteControlFlow } from './control-flow';
import { lowerSequences } from './sequences';
import { computeMaskedRows } from './masked-rows';
import { freezeInputs, inputsAsConstants } from './input-values';
import { channelLastHints, convertBody, convertNode, nameOutputs, outputTensor } from './subgraph';
import { collapseReshapes, explicitBiases, foldBiasAdds, fuseActivations, pruneUnused } from './fuse';
import { collapseCastRoundTrips } from './fuse-casts';
import { ConvertError, ConvertOptions } from './types';
import { opHistogram as countOps, shareEqualConstants } from '../tflite/graph';

export interface ConvertResult {
  model: TflModel;
  metadata: OnnxLiteMetadata;
  warnings: string[];
  /** Quantized (QDQ) models: the QuantizeLinear nodes on activations computed in float32. */
  qdqActivations?: number;
  opHistogram: Record<string, number>;
  transposeCount: number;
}

const INT32_MAX = 2147483647;

/** Names each input with symbolic dims and the option that fixes them. */
export function checkStaticInputs(model: Model): void {
  const bad = model.graph.inputs.filter((i) => !isStaticShape(model.graph.values.get(i.name)?.shape ?? i.shape));
  if (bad.length === 0) return;
  const parts = bad.map((i) => {
    const s = model.graph.values.get(i.name)?.shape ?? i.shape;
    if (i.kind === 'optional') return `input "${i.name}" is an optional, holding a value or none at run time (a TFLite tensor always holds one)`;
    if (i.kind) return `input "${i.name}" is a ${i.kind}, not a tensor`;
    if (!s) return `input "${i.name}" has an unknown rank`;
    const dyn = s.filter((d) => typeof d === 'string');
    return `input "${i.name}" has dynamic dims [${s.join(', ')}] (${dyn.map((d) => `\`${d}\``).join(', ')})`;
  });
  const fixable = bad.filter((i) => model.graph.values.get(i.name)?.shape ?? i.shape);
  if (fixable.length === 0) throw new ModelError(`${parts.join('; ')}: only tensor inputs with a known rank can be converted`);
  const example = fixable.map((i) => {
    const s = model.graph.values.get(i.name)?.shape ?? i.shape ?? [];
    return `--input-shape ${i.name}=${s.map((d) => (typeof d === 'number' ? d : 1)).join(',')}`;
  }).join(' ');
  throw new ModelError(`${parts.join('; ')}: fix them with ${example}`);
}

/** An input with a declared zero dim (or one given by --input-shape: optimum's merged decoders take a past of length
 *  0 without the cache) holds no values, so it can only ever be the empty tensor: it becomes that constant (LiteRT
 *  cannot feed empty tensors), and what depends on it folds (ReduceSum's empty axes...). */
function freezeEmptyInputs(model: Model, inputShapes?: Map<string, number[]>): { model: Model; names: string[] } | undefined {
  const g = model.graph;
  const shapeOf = (i: Model['graph']['inputs'][number]) => inputShapes?.get(i.name) ?? g.values.get(i.name)?.shape ?? i.shape;
  const empty = g.inputs.filter((i) => {
    const s = shapeOf(i);
    return s !== undefined && isStaticShape(s) && s.includes(0) && !g.initializers.has(i.name) && i.dtype !== undefined;
  });
  if (empty.length === 0) return undefined;
  const frozen = empty.map((i) => makeTensor(i.name, i.dtype!, shapeOf(i) as number[], []));
  return { model: inputsAsConstants(model, frozen), names: empty.map((i) => i.name) };
}

/** LiteRT cannot allocate or feed tensors with no elements: an input with a zero dim is refused up front. */
function checkNonEmptyInputs(model: Model): void {
  for (const i of model.graph.inputs) {
    const s = model.graph.values.get(i.name)?.shape ?? i.shape;
    if (s?.includes(0)) throw new ModelError(`input "${i.name}" has shape [${s.join(', ')}] with no elements; LiteRT cannot run empty tensors: give it a non-zero size`);
  }
}

/**
 * Shape inference and folding, with the control flow that folding decides rewritten (known If conditions, constant
 * trip counts) and sequences lowered to tensors until nothing changes; --input-value inputs become constants first. Returns the model to convert (a
 * copy when anything changed) and every known constant.
 */
export function prepareModel(source: Model, opts: Pick<ConvertOptions, 'inputShapes' | 'inputValues'>):
  { model: Model; constants: Map<string, Tensor>; shapeWarnings: string[]; invalidNodes: Map<string, string> } {
  // Shape inference writes into the graph: infer on a copy so the caller's model stays as it was read.
  let model = shapeCopy(opts.inputValues?.size ? freezeInputs(source, opts.inputValues, opts.inputShapes) : source);
  let { constants, warnings, invalid } = inferShapes(model, { inputShapes: opts.inputShapes });
  for (let round = 0; round < 16; round++) {
    // Loops unrolled first: the sequences they build then have known lengths.
    // Boolean-mask indexing (NonZero → GatherND ... ScatterND) computed on every row, when its rows stay apart.
    // Optionals the graph decides fold (Optional(x) holds x; OptionalHasElement / OptionalGetElement of it).
    const next = rewriteControlFlow(model, constants) ?? lowerSequences(model, constants) ?? lowerOptionals(model)
      ?? computeMaskedRows(model, constants, opts.inputShapes);
    if (!next) break;
    model = next;
    ({ constants, warnings, invalid } = inferShapes(model, { inputShapes: opts.inputShapes }));
  }
  for (const [name, t] of model.graph.initializers) if (!constants.has(name)) constants.set(name, t);
  return { model, constants, shapeWarnings: warnings, invalidNodes: invalid };
}

/** Elementwise ops that keep a CHW image CHW (torchvision's normalization by per-channel mean and std). */
const ELEMENTWISE = new Set(['Sub', 'Div', 'Mul', 'Add', 'Cast', 'Identity']);

/**
 * A [C, H, W] input that only elementwise ops (with operands of at most its rank) lead to an Unsqueeze at axis 0
 * whose [1, C, H, W] result goes to convolutions (torchvision detectors take a list of CHW images): stored HWC, the
 * Unsqueeze is a RESHAPE to NHWC instead of a TRANSPOSE.
 */
function unbatchedImage(g: Graph, name: string, channelLastValues: Set<string>, constant: (n: string) => Tensor | undefined): boolean {
  if (g.values.get(name)?.shape?.length !== 3) return false;
  const seen = new Set<string>();
  let sawUnsqueeze = false;
  const walk = (v: string): boolean => {
    if (seen.has(v)) return true;
    seen.add(v);
    const readers = g.nodes.filter((n) => n.inputs.includes(v));
    for (const n of readers) {
      if (n.opType === 'Unsqueeze') {
        const axes = n.inputs[1] ? constant(n.inputs[1]) : undefined;
        const a = n.attrs.get('axes');
        const list = axes ? Array.from(axes.data as ArrayLike<number | bigint>, Number) : a?.type === 'ints' ? a.value : [];
        if (list.length !== 1 || list[0] !== 0 || !channelLastValues.has(n.outputs[0])) return false;
        sawUnsqueeze = true;
      } else if (ELEMENTWISE.has(n.opType) && n.inputs.every((i) => i === v || (g.values.get(i)?.shape?.length ?? 0) <= 3)) {
        if (!walk(n.outputs[0])) return false;
      } else return false;
    }
    return readers.length > 0;
  };
  return walk(name) && sawUnsqueeze;
}

export function convertModel(source: Model, opts: ConvertOptions = {}): ConvertResult {
  const invalidNodes = new Map<string, string>();
  try {
    return convertPrepared(source, opts, invalidNodes);
  } catch (e) {
    throw withShapeReason(e, invalidNodes, new Set(source.graph.nodes.map((n) => n.name)));
  }
}

function convertPrepared(source: Model, opts: ConvertOptions, invalidNodes: Map<string, string>): ConvertResult {
  // Empty-guard Ifs and empty inputs go first: shape inference cannot size what they guard.
  let pre = source;
  const guards = inlineEmptyGuards(pre);
  if (guards) pre = guards.model;
  const frozen = freezeEmptyInputs(pre, opts.inputShapes);
  if (frozen) pre = frozen.model;
  // The inputs made constants leave the model, and their --input-shape with them.
  const shapes = frozen && opts.inputShapes ? new Map([...opts.inputShapes].filter(([n]) => !frozen.names.includes(n))) : opts.inputShapes;
  const prepared = prepareModel(pre, { ...opts, inputShapes: shapes });
  const { model, constants } = prepared;
  for (const [node, why] of prepared.invalidNodes) invalidNodes.set(node, why);
  checkStaticInputs(model);
  checkNonEmptyInputs(model);
  const opset = model.opsets.get('') ?? 0;
  // Work on a copy of the node list: clean-up rewrites nodes, and the caller's model stays as it was read.
  const g = { ...model.graph, nodes: model.graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })) };
  const ortSteps = fuseOrtDynamicQuant(g, constants);
  const fp16Nodes = floatFromFp16(g, constants);
  simplifyGraph(g, constants, { opset });
  const ctx = new ConvertContext(g, constants, opset, channelLastHints(g.nodes, (n) => g.values.get(n)?.shape as number[] | undefined));
  ctx.bodyConverter = convertBody;
  if (ortSteps.size) {
    ctx.warn(`${ortSteps.size} onnxruntime-quantized block(s) (DynamicQuantizeLinear → ConvInteger / MatMulInteger) run as float ops on their int8 weights: `
      + 'activations stay float where onnxruntime rounds them to uint8 per tensor, so the outputs differ from onnxruntime\'s by that rounding');
  }
  const qdqPairs = g.nodes.filter((n) => n.opType === 'QuantizeLinear' && !constants.has(n.outputs[0])).length;
  // onnxruntime's QOperator ops (QLinearConv, com.microsoft QLinearAdd, QGemm, QAttention...): ops/_qoperator.ts.
  const qops = g.nodes.filter((n) => /^(QLinear|QGemm$|QAttention$|DynamicQuantizeMatMul$|MatMulIntegerToFloat$)/.test(n.opType));
  if (qops.length) {
    ctx.warn(`a quantized (QOperator) model: its ${qops.length} quantized op(s) (${[...new Set(qops.map((n) => n.opType))].join(', ')}) run as `
      + 'float ops between a dequantize and a requantize, so its outputs differ from onnxruntime\'s integer kernels by a quantization '
      + 'step where a value falls near a rounding boundary');
  } else if (qdqPairs) {
    ctx.warn(`a quantized (QDQ) model: its ${qdqPairs} QuantizeLinear node(s) on activations are computed in float32 (round, clamp), `
      + 'so its outputs differ from onnxruntime\'s integer kernels by a quantization step where a value falls near a rounding '
      + 'boundary; --quantize int8 writes an int8 model with the file\'s own scales');
  }
  if (frozen) ctx.warn(`input(s) ${frozen.names.map((n) => `"${n}"`).join(', ')} have no elements: made constants (the converted model does not take them)`);
  if (guards) ctx.warn(`${guards.count} If node(s) that only return an empty tensor for an empty input were replaced by their other branch`);

  const inputs: number[] = [];
  for (const inp of g.inputs) {
    const rank = ctx.rank(inp.name);
    const perm = opts.keepNchw ? identity(rank) : unbatchedImage(g, inp.name, ctx.prefersChannelLast, (n) => ctx.constant(n)) ? [1, 2, 0]
      : foldedInputPerm(g, inp.name, ctx.prefersChannelLast)
      ?? (rank >= 3 && ctx.prefersChannelLast.has(inp.name) ? channelLast(rank) : identity(rank));
    inputs.push(ctx.output(inp.name, perm));
  }

  for (const node of g.nodes) convertNode(ctx, node, opset);

  const outputs: number[] = [];
  const outputPerms: Perm[] = [];
  for (const out of g.outputs) {
    if (!ctx.has(out.name)) throw new ConvertError(`graph output "${out.name}" was not produced`, undefined, 'internal');
    let perm = ctx.isConstant(out.name) && !ctx.primaryOf(out.name) ? identity(ctx.rank(out.name)) : ctx.permOf(out.name);
    const rank = perm.length;
    if (opts.keepNchw || !(isIdentity(perm) || (rank >= 3 && perm.join() === channelLast(rank).join()))) perm = identity(rank);
    const idx = outputTensor(ctx, out.name, perm, [...inputs, ...outputs]);
    outputs.push(idx);
    outputPerms.push(perm);
  }

  const empty = ctx.tensors.find((t) => !t.data && t.shape.includes(0));
  if (empty) {
    throw new ModelError(`tensor "${empty.name}" has shape [${empty.shape.join(', ')}] with no elements; LiteRT cannot run empty tensors`);
  }
  const huge = ctx.tensors.find((t) => t.shape.some((d) => d > INT32_MAX));
  if (huge) {
    throw new ModelError(`tensor "${huge.name}" has shape [${huge.shape.join(', ')}]: TFLite stores dims as 32-bit integers (at most ${INT32_MAX}); make it smaller (--input-shape)`);
  }
  const keep = new Set([...inputs, ...outputs]);
  collapseReshapes(ctx, keep);
  collapseCastRoundTrips(ctx, keep);
  foldBiasAdds(ctx, keep);
  explicitBiases(ctx);
  fuseActivations(ctx, keep);
  // Equal index / shape / axes constants and float scalars read as one tensor (TabNet: 140 of its 241 constants); float
  // vectors keep their own (int8's equalization rescales a layer's weights and bias in place).
  shareEqualConstants(ctx.tensors, ctx.operators, keep, (t) => !t.type.startsWith('FLOAT') || t.shape.length === 0);
  const remap = pruneUnused(ctx, inputs, outputs);
  const mapIdx = (i: number) => remap.get(i) ?? -1;
  nameOutputs(ctx.tensors, outputs.map(mapIdx), g.outputs.map((o) => o.name));

  const metadata = buildMetadata(ctx, g, opts.source ?? model.path ?? 'model.onnx', remap,
    g.inputs.map((v, k) => ({ name: v.name, index: mapIdx(inputs[k]), perm: ctx.permOf(v.name) })),
    g.outputs.map((v, k) => ({ name: v.name, index: mapIdx(outputs[k]), perm: outputPerms[k] })),
    new Set([...model.graph.inputs.map((i) => i.name), ...model.graph.nodes.flatMap((n) => n.outputs)]));

  // Inputs frozen by --input-value, and those with no elements (onnxruntime is fed them empty).
  const frozenValues = [...(opts.inputValues ?? []), ...(frozen?.names ?? []).map((n) => [n, []] as [string, number[]])];
  if (frozenValues.length) {
    metadata.inputValues = frozenValues.map(([name, values]) => {
      const t = model.graph.initializers.get(name)!;
      return { onnx: name, dtype: t.dtype, dims: [...t.dims], values };
    });
  }
  // onnxruntime-quantized weights go back to int8 (after pruning: the weight tensors are final).
  const main = { name: '', tensors: ctx.tensors, operators: ctx.operators, inputs: [], outputs: [] };
  ortWeightsToInt8(main, ortSteps);
  // A float16 model's weights stored float16 again, in control-flow bodies too (If branches, Loop bodies).
  for (const sg of [main, ...ctx.subgraphs]) fp16Weights(sg, fp16Nodes);
  // Every subgraph's ops (control-flow bodies included).
  const opHistogram = countOps([ctx.operators, ...ctx.subgraphs.map((sg) => sg.operators)].flat());
  const tflite: TflModel = {
    version: 3,
    description: `onnx2lite ${process.env.ONNX2LITE_VERSION ?? '0.1.0'}`,
    subgraphs: [{
      name: g.name || 'main',
      tensors: ctx.tensors,
      operators: ctx.operators,
      inputs: inputs.map(mapIdx),
      outputs: outputs.map(mapIdx),
    }, ...ctx.subgraphs],
    metadata: new Map([['onnx2lite', metadataBytes(metadata)]]),
  };
  markDynamicOutputs(tflite.subgraphs[0]);
  return { model: tflite, metadata, warnings: ctx.warnings, opHistogram, transposeCount: opHistogram.TRANSPOSE ?? 0, ...(qdqPairs ? { qdqActivations: qdqPairs } : {}) };
}

export type { Tensor };

/** An unknown shape or type because shape inference found the node invalid (inputs that do not broadcast: torch
 *  1.13's export of `x[mask] = 0` with a lower-rank mask; a pooling window of the wrong rank: its nn.MaxPool3d of a
 *  4-D input; onnxruntime cannot run either) says so. */
function withShapeReason(e: unknown, invalidNodes: Map<string, string>, mainNodes: Set<string>): unknown {
  if (!(e instanceof ConvertError)) return e;
  const why = e.node ? invalidNodes.get(e.node) : undefined;
  if (why && /^the (shape|element type) of/.test(e.detail)) return new ConvertError(`${e.detail}: ${invalidReason(why)}`, e.node, e.code);
  // Refused at another node of a model shape inference found invalid (torch 1.13's NSA export: a MatMul contracting 3
  // against 64, then a list op its wrong shapes left unfolded): the invalid node is what to fix first. Only a node of
  // the main graph: one in an If branch may be a branch that never runs with these shapes (optimum's merged decoder's
  // no-cache branch given a past of 3).
  const first = [...invalidNodes].find(([n]) => mainNodes.has(n));
  if (!first || e.detail.includes('the model is invalid')) return e;
  return new ConvertError(`${e.detail} (and the model is invalid at node ${first[0]}: ${first[1]}; onnxruntime cannot run it either)`, e.node, e.code);
}

/** Why a node the model is invalid at (shape inference's reason) cannot convert. */
export function invalidReason(why: string): string {
  return `${why} (the model is invalid there: onnxruntime cannot run it either)`;
}
