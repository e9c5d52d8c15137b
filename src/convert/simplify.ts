// ONNX-level clean-up before conversion: BatchNormalization folded into the Conv before it,
// x * HardSigmoid(x) and x * Clip(x + 3, 0, 6) / 6 (Paddle's export) recognised as HardSwish, a Div by a float
// constant turned into a Mul by its reciprocal (TFLite has no int8 DIV kernel, and MUL is the faster op), constant
// scales / shifts next to a Conv folded into it (fold-affine.ts), GELU written out with Erf or Tanh as Gelu
// (simplify-gelu.ts), PyTorch's GroupNorm (Reshape, InstanceNormalization, Reshape) as GroupNormalization
// (simplify-norm.ts), and attention's three head splits (packed or separate q, k, v projections) as one
// (simplify-attention.ts), a value repeated by Unsqueeze → Expand → Reshape as a Concat (simplify-repeat.ts),
// attention's output Gemm on flattened rows as a MatMul on the [T, B, E] value (simplify-gemm-rows.ts), talking
// heads' 1×1 Convs over an attention map as a MatMul in ONNX order (simplify-head-conv.ts), q / k / v interleaved
// per head moved heads-first once before their Split and a part moved back a Slice before the move (simplify-heads.ts),
// Gathers each moved by one Transpose reading the value moved once (simplify-hoist-moves.ts), head moves applied before
// the rotary region between a head view and its move (simplify-region-moves.ts, simplify-rotary-heads.ts), Einsums of
// head views as Transposes and a MatMul (simplify-einsum-heads.ts), BC-ResNet's SubSpectralNorm (Reshape,
// BatchNormalization, Reshape) as a Mul and an Add (simplify-subspectral.ts), KPConv's per-kernel-point products
// summed over the kernel points as one MatMul of the rows viewed [n, K·C] (simplify-batched-sum.ts), an Add of zeros / Mul by ones made by
// ConstantOfShape as its other operand (simplify-fill.ts), nn.Unfold's im2col (Pad, two Gathers, a rank-6
// Transpose) as a depthwise Conv with one-hot filters (simplify-im2col.ts), a ScatterND of columns (`canvas[:, idx] = x`)
// as one of rows on the transposed canvas (simplify-column-scatter.ts), `x[torch.where(cond)] = v` as Where(cond, v, x)
// (simplify-masked-fill.ts), a slice assignment `x[:, :n] = y` (ScatterND of a box's constant coordinates) as a Concat
// (simplify-slice-assign.ts), K sampling points per pixel of one GridSample read by a Conv as K·C channels sampled
// points-last, the Conv's weights in that channel order (simplify-sample-stack.ts: DEKR), a deformable conv's
// samples gathered in the pixel-major order its indices are stored in (simplify-sample-rows.ts: BiRefNet), a
// one-channel Conv over the channels folded into the batch (StyleGAN2's blur) as a
// depthwise Conv (simplify-channel-conv.ts), a patch embedding's Conv whose kernel covers its viewed input as a Gemm of the flattened
// patches (simplify-patch-conv.ts), a nearest upsample by integer factors written as views and copies (Reshape /
// Concat(x, x + 0), Unsqueeze / Expand, Tile) as one nearest Resize (simplify-upsample-views.ts); last, identical nodes (same op, attributes and inputs) are done once
// (simplify-cse.ts).
// (Identity and Dropout become aliases in their converters; constant subgraphs are folded by shape inference.)
import type { Graph, Model, Node, Tensor } from '../ir/types';
import { inferShapes } from '../ir/shapes/index';
import { toFloat32, toNumbers } from '../ir/tensor';
import { fuseGelu } from './simplify-gelu';
import { fuseGroupNorm } from './simplify-norm';
import { fusePackedHeads, fuseSeparateProjections } from './simplify-attention';
import { fuseChunkedHeads, fuseSplitHeads, fuseViewedHeads, sliceUndoneMoves, splitChunksAsSlices } from './simplify-heads';
import { composeReshapeChains } from './simplify-reshape-chain';
import { rowsSplitAsHeads } from './simplify-rows-heads';
import { headMeanAsProduct } from './simplify-head-mean';
import { foldConvAffine } from './fold-affine';
import { fuseRepeats } from './simplify-repeat';
import { squeezeRank7 } from './simplify-rank7';
import { fusePixelUnshuffle } from './simplify-unshuffle';
import { fusePixelShuffle } from './simplify-pixel-shuffle';
import { sampleStacksPointsLast } from './simplify-sample-stack';
import { sampleRowsPixelMajor } from './simplify-sample-rows';
import { fuseFocusSlices } from './simplify-focus';
import { unflattenGemmRows } from './simplify-gemm-rows';
import { fuseSubSpectralNorm } from './simplify-subspectral';
import { batchedProductSumAsMatMul } from './simplify-batched-sum';
import { talkingHeadsAsMatMul } from './simplify-head-conv';
import { unitPoolsAsIdentity } from './simplify-unit-pool';
import { coordStacksAsMoves } from './simplify-coord-stack';
import { headDepthwiseAsRows } from './simplify-head-depthwise';
import { foldGrowingChains } from './simplify-const-chain';
import { dropFillIdentities } from './simplify-fill';
import { im2colAsConv } from './simplify-im2col';
import { columnScatterAsRows } from './simplify-column-scatter';
import { maskedFillAsWhere } from './simplify-masked-fill';
import { sliceAssignAsConcat } from './simplify-slice-assign';
import { channelsFromBatchConv } from './simplify-channel-conv';
import { patchConvAsGemm } from './simplify-patch-conv';
import { mergeCommonNodes } from './simplify-cse';
import { hoistGatheredMoves, hoistSlicedHeadMoves, movedLookupsAsMovedIndices } from './simplify-hoist-moves';
import { einsumHeads } from './simplify-einsum-heads';
import { einsumUnbindHeads } from './simplify-einsum-unbind';
import { hoistMovesThroughRegions, unitSplitsAsGathers } from './simplify-region-moves';
import { splitBeforeMoves } from './simplify-split-move';
import { rotaryBeforeHeadMoves } from './simplify-rotary-heads';
import { unfuseTransBatch } from './simplify-fused-matmul';
import { tableLinearMoves } from './simplify-table-linear';
import { seqFirstHeadViews } from './simplify-seqfirst-heads';
import { viewedUpsamplesAsResize } from './simplify-upsample-views';

function attrNum(n: Node, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  return a && (a.type === 'float' || a.type === 'int') ? a.value : dflt;
}

export interface SimplifyOptions {
  runnable?: boolean;
  opset?: number;
  /** Run every pass, also those whose ops the graph lacks (tests: the result must not change). */
  everyPass?: boolean;
  /** Filled with the names of the op-gated passes that ran. */
  ran?: string[];
}

export function simplifyGraph(g: Graph, constants: Map<string, Tensor>, opts: SimplifyOptions = {}): void {
  // A pattern pass walks the whole graph (and most build its readers first: 40 walks of a 20,000-node graph were the
  // compatibility view's main cost); one whose pattern needs op types the graph has none of cannot rewrite anything,
  // so it is skipped.
  // The op types are read again at each gated pass: an ungated pass between two gated ones may have made new ops.
  /** Runs `f` when the graph has every op type of `needs` (an inner list: any one of them). */
  const pass = <A extends unknown[]>(needs: (string | string[])[], f: (g: Graph, constants: Map<string, Tensor>, ...a: A) => void, ...a: A): void => {
    const types = new Set(g.nodes.map((n) => n.opType));
    if (!opts.everyPass && !needs.every((op) => (typeof op === 'string' ? types.has(op) : op.some((o) => types.has(o))))) return;
    f(g, constants, ...a);
    opts.ran?.push(f.name);
  };
  let { uses, producer } = useMaps(g);
  const drop = new Set<Node>();
  for (const bn of g.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.filter(Boolean).length !== 1) continue;
    const conv = producer.get(bn.inputs[0]);
    if (!conv || conv.opType !== 'Conv' || uses.get(bn.inputs[0]) !== 1) continue;
    const [, sN, bN, mN, vN] = bn.inputs;
    const W = constants.get(conv.inputs[1]);
    const params = [sN, bN, mN, vN].map((x) => constants.get(x));
    // Per-channel statistics only ([C]; opsets 7-8's `spatial = 0` gives per-activation [C, H, W] ones).
    if (!W || params.some((p) => !p || p.dims.length !== 1 || p.dims[0] !== W.dims[0]) || W.dtype !== 'float32') continue;
    const [scale, bias, mean, varc] = params.map((p) => toNumbers(p!));
    const eps = attrNum(bn, 'epsilon', 1e-5);
    const cout = W.dims[0];
    const per = W.data.length / cout;
    const w = toFloat32(W);
    const nw = new Float32Array(w.length);
    const oldB = conv.inputs[2] ? toNumbers(constants.get(conv.inputs[2])!) : new Array<number>(cout).fill(0);
    const nb = new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const k = scale[c] / Math.sqrt(varc[c] + eps);
      for (let j = 0; j < per; j++) nw[c * per + j] = w[c * per + j] * k;
      nb[c] = (oldB[c] - mean[c]) * k + bias[c];
    }
    const wName = `${conv.name}/folded_weight`;
    const bName = `${conv.name}/folded_bias`;
    constants.set(wName, { name: wName, dtype: 'float32', dims: [...W.dims], data: nw });
    constants.set(bName, { name: bName, dtype: 'float32', dims: [cout], data: nb });
    g.values.set(wName, { name: wName, dtype: 'float32', shape: [...W.dims] });
    g.values.set(bName, { name: bName, dtype: 'float32', shape: [cout] });
    conv.inputs = [conv.inputs[0], wName, bName];
    conv.outputs = [bn.outputs[0]];
    drop.add(bn);
  }
  // x * HardSigmoid(x) with PyTorch's alpha = 1/6, beta = 1/2 is HardSwish (opset < 14 exports it that way).
  for (const mul of g.nodes) {
    if (mul.opType !== 'Mul' || drop.has(mul)) continue;
    for (const side of [0, 1]) {
      const hs = producer.get(mul.inputs[side]);
      const x = mul.inputs[1 - side];
      if (!hs || hs.opType !== 'HardSigmoid' || hs.inputs[0] !== x || uses.get(hs.outputs[0]) !== 1 || drop.has(hs)) continue;
      if (Math.abs(attrNum(hs, 'alpha', 0.2) - 1 / 6) > 1e-6 || Math.abs(attrNum(hs, 'beta', 0.5) - 0.5) > 1e-6) continue;
      mul.opType = 'HardSwish';
      mul.inputs = [x];
      mul.attrs = new Map();
      drop.add(hs);
      break;
    }
  }
  fuseClipHardSwish(g, constants, uses, producer, drop);
  if (drop.size) g.nodes = g.nodes.filter((n) => !drop.has(n));
  pass(['Expand', 'Unsqueeze', 'Reshape'], fuseRepeats);
  squeezeRank7(g, constants);
  pass(['BatchNormalization', 'Reshape'], fuseSubSpectralNorm);
  pass(['ReduceSum', 'MatMul', 'Transpose'], batchedProductSumAsMatMul);
  pass(['ConstantOfShape', 'Shape'], dropFillIdentities);
  unitPoolsAsIdentity(g);
  foldGrowingChains(g, constants, opts.opset ?? 17);
  pass(['Transpose', 'Gather', 'Reshape'], im2colAsConv);
  pass(['Conv', 'Reshape'], channelsFromBatchConv);
  pass(['Conv', 'Reshape'], patchConvAsGemm);
  pass(['ScatterND'], sliceAssignAsConcat);
  pass(['ScatterND', 'Concat'], columnScatterAsRows);
  pass(['ScatterND'], maskedFillAsWhere);
  pass(['Concat', 'Gather', 'Unsqueeze'], coordStacksAsMoves);
  pass(['FusedMatMul'], unfuseTransBatch);
  // Patterns matched on the exported form (a Div by √2 in GELU) go before Div → Mul; they make ops (Gelu,
  // GroupNormalization) that onnxruntime runs only at newer opsets, so the int8 pass's ONNX copy skips them.
  if (!opts.runnable) {
    pass([['Reshape', 'Expand', 'Tile', 'Concat']], viewedUpsamplesAsResize, opts.opset ?? 17);
    pass([['Erf', 'Tanh']], fuseGelu);
    pass(['InstanceNormalization', 'Reshape'], fuseGroupNorm);
    pass([['Gemm', 'MatMul']], unflattenGemmRows, { sameRows: true });
    pass([['ReduceMean', 'ReduceSum'], 'MatMul', 'Transpose'], headMeanAsProduct); // before the head passes pack the views it drops
    hoistMovesThroughRegions(g, constants);
    unitSplitsAsGathers(g, constants);
    rotaryBeforeHeadMoves(g, constants, opts.opset ?? 17);
    pass(['Split'], splitChunksAsSlices, { packed: true });
    pass(['Slice'], fusePackedHeads);
    pass(['Split', 'Einsum'], einsumUnbindHeads); // before einsumHeads writes rank-4 Einsums as MatMuls
    einsumHeads(g, constants);
    fuseSeparateProjections(g, constants);
    pass([['Gemm', 'MatMul']], unflattenGemmRows);
    pass(['Split', 'Reshape', 'Transpose'], rowsSplitAsHeads); // tf2onnx's merged Dense rows: before the chunked heads
    pass(['Split'], splitChunksAsSlices);
    fuseChunkedHeads(g, constants);
    pass(['Split', 'Transpose'], fuseSplitHeads);
    pass(['Split', 'Transpose'], sliceUndoneMoves);
    hoistGatheredMoves(g, constants);
    pass(['Transpose', 'Gather'], movedLookupsAsMovedIndices);
    hoistSlicedHeadMoves(g, constants);
    pass(['Split', 'Reshape'], fuseViewedHeads);
    pass(['Transpose', 'Reshape'], seqFirstHeadViews); // after the head passes, which pack these views where they can
    pass(['Transpose', 'Split', 'Squeeze'], splitBeforeMoves); // after the head passes, which handle the packed forms with heads (Qwen2-VL's)
    pass(['Conv', 'Transpose'], headDepthwiseAsRows); // after the head passes: the packed heads' one move, sliced
    pass(['Transpose', 'Reshape'], fusePixelUnshuffle);
    pass([['Transpose', 'DepthToSpace']], fusePixelShuffle);
    pass(['GridSample', 'Transpose', 'Reshape', 'Conv'], sampleStacksPointsLast);
    pass(['GatherElements', 'Expand', 'Reshape'], sampleRowsPixelMajor);
    pass(['Slice', 'Concat'], fuseFocusSlices);
    talkingHeadsAsMatMul(g, constants);
    pass(['Transpose'], tableLinearMoves);
    pass([['Reshape', 'Transpose']], composeReshapeChains);
  }
  ({ uses, producer } = useMaps(g));
  drop.clear();
  foldConvAffine(g, constants, uses, producer, drop);
  divByConstant(g, constants, drop);
  if (drop.size) g.nodes = g.nodes.filter((n) => !drop.has(n));
  mergeCommonNodes(g, constants);
}

/** How many times each value is read (graph outputs count) and the node that makes it. */
function useMaps(g: Graph): { uses: Map<string, number>; producer: Map<string, Node> } {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of g.outputs) uses.set(o.name, (uses.get(o.name) ?? 0) + 1);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  return { uses, producer };
}

/** The single value of a float constant, or undefined. */
function scalarOf(constants: Map<string, Tensor>, name: string | undefined): number | undefined {
  const t = name ? constants.get(name) : undefined;
  if (!t || !(t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16') || t.data.length !== 1) return undefined;
  return toNumbers(t)[0];
}

/** x * Clip(x + 3, 0, 6) / 6 (or * 1/6) → HardSwish(x): one int8 kernel instead of four requantized ops. */
function fuseClipHardSwish(g: Graph, constants: Map<string, Tensor>, uses: Map<string, number>, producer: Map<string, Node>, drop: Set<Node>): void {
  const near = (v: number | undefined, want: number) => v !== undefined && Math.abs(v - want) < 1e-6 * Math.max(1, want);
  const only = (n: Node | undefined, op: string) => n && n.opType === op && !drop.has(n) && uses.get(n.outputs[0]) === 1 ? n : undefined;
  for (const last of g.nodes) {
    if (drop.has(last) || !((last.opType === 'Div' && near(scalarOf(constants, last.inputs[1]), 6))
      || (last.opType === 'Mul' && near(scalarOf(constants, last.inputs[1]), 1 / 6)))) continue;
    const mul = only(producer.get(last.inputs[0]), 'Mul');
    if (!mul) continue;
    for (const side of [0, 1]) {
      const clip = only(producer.get(mul.inputs[side]), 'Clip');
      const x = mul.inputs[1 - side];
      if (!clip) continue;
      const lo = clip.inputs[1] ? scalarOf(constants, clip.inputs[1]) : attrNum(clip, 'min', -Infinity);
      const hi = clip.inputs[2] ? scalarOf(constants, clip.inputs[2]) : attrNum(clip, 'max', Infinity);
      const add = only(producer.get(clip.inputs[0]), 'Add');
      if (!add || !near(lo, 0) || !near(hi, 6)) continue;
      const k = add.inputs.indexOf(x);
      if (k < 0 || !near(scalarOf(constants, add.inputs[1 - k]), 3)) continue;
      last.opType = 'HardSwish';
      last.inputs = [x];
      last.attrs = new Map();
      drop.add(add).add(clip).add(mul);
      break;
    }
  }
}

/** Div(x, constant) → Mul(x, 1 / constant) for float constants without zeros. */
function divByConstant(g: Graph, constants: Map<string, Tensor>, drop: Set<Node>): void {
  for (const div of g.nodes) {
    const c = div.opType === 'Div' && !drop.has(div) ? constants.get(div.inputs[1]) : undefined;
    if (!c || c.dtype !== 'float32' || constants.has(div.inputs[0])) continue;
    const v = toFloat32(c);
    if (v.some((x) => x === 0 || !Number.isFinite(x))) continue;
    const name = `${div.name || div.outputs[0]}/reciprocal`;
    constants.set(name, { name, dtype: 'float32', dims: [...c.dims], data: v.map((x) => 1 / x) });
    g.values.set(name, { name, dtype: 'float32', shape: [...c.dims] });
    div.opType = 'Mul';
    div.inputs = [div.inputs[0], name];
  }
}

/** The ONNX model as the converter sees it after simplifyGraph: folded constants become initializers and the
 *  rewritten nodes replace the originals. The int8 pass calibrates and rounds weights on it, so its tensors and
 *  weights are the converted model's (fused HardSwish, folded BatchNorm / affine blocks). Models with subgraphs
 *  come back as they are. */
export function simplifiedModel(model: Model, inputShapes?: Map<string, number[]>): Model {
  if (model.graph.nodes.some((n) => [...n.attrs.values()].some((a) => a.type === 'graph' || a.type === 'graphs'))) return model;
  const { constants } = inferShapes(model, { inputShapes });
  for (const [name, t] of model.graph.initializers) if (!constants.has(name)) constants.set(name, t);
  const g = { ...model.graph, values: new Map(model.graph.values), nodes: model.graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })) };
  simplifyGraph(g, constants, { runnable: true });
  const outputs = new Set(g.outputs.map((o) => o.name));
  const nodes = g.nodes.filter((n) => !n.outputs.every((o) => !o || (constants.has(o) && !outputs.has(o))));
  // HardSwish is opset 14: older models get x * HardSigmoid(x) (the same function; the output keeps its name).
  if ((model.opsets.get('') ?? 0) < 14) {
    for (let k = nodes.length - 1; k >= 0; k--) {
      const n = nodes[k];
      if (n.opType !== 'HardSwish' || n.domain !== '') continue;
      const hs = `${n.outputs[0]}/hardsigmoid`;
      const alpha = { type: 'float' as const, value: 1 / 6 };
      const beta = { type: 'float' as const, value: 0.5 };
      nodes.splice(k, 1, { ...n, name: `${n.name}/hardsigmoid`, opType: 'HardSigmoid', outputs: [hs], attrs: new Map([['alpha', alpha], ['beta', beta]]) },
        { ...n, opType: 'Mul', inputs: [n.inputs[0], hs], attrs: new Map() });
    }
  }
  const initializers = new Map<string, Tensor>();
  for (const n of nodes) for (const i of n.inputs) if (i && constants.has(i)) initializers.set(i, constants.get(i)!);
  for (const o of outputs) if (constants.has(o) && !nodes.some((n) => n.outputs.includes(o))) return model;
  return { ...model, graph: { ...g, nodes, initializers } };
}
