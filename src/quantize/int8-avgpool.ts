// int8 AVERAGE_POOL_2D as the DEPTHWISE_CONV_2D LiteRT's XNNPack delegate runs: the delegate takes AVERAGE_POOL_2D in
// float32 only, so TFLite's own int8 kernel ran each one between delegated partitions — alone on [1, 24, 96, 32], 3x3
// stride 1: int8 0.87 ms against 0.17 ms float32 and 0.06 ms for an int8 → int8 QUANTIZE (bench/int8-delegation.ts,
// LiteRT.js 2.5.3 compat, load 16-17). A window that never reaches past the input (VALID, or SAME needing no padding) is
// a depthwise convolution with every weight 1 / (kh·kw): the weights int8 127 at one scale 1 / (kh·kw·127), a
// zero int32 bias, the pool's stride, fused activation and output tensor. XNNPack's int8 depthwise kernel computes
// Σ(x − zx)·127 · sx·sw / sy + zy = mean(x − zx) + zy (sx = sy: AVERAGE_POOL_2D's same-scale rule) rounded once, as the
// int8 pool does (TFLite rounds a half up, XNNPack to even: within one step). A window over padding (SAME with
// padding) counts only the real pixels (TFLite's SAME average, ONNX's count_include_pad 0; a count_include_pad 1 pool
// is converted as a PAD and a VALID pool), which a convolution's fixed weights cannot: those pools take the float form
// (float-form.ts: DEQUANTIZE → float32 AVERAGE_POOL_2D → QUANTIZE into the pool's own output), which XNNPack runs
// whole and whose border divisors are the float pool's, rounded once. TFLite Micro runs the depthwise form as it is
// (integer-only); `onnx2lite micro` writes the float form back as the int8 pool (integerBinary).
// A window over the whole input (a global pool written as AveragePool, as tf2onnx does: DeepLab v3's 33×33 image
// pooling) is an int8 MEAN over H and W instead: the depthwise form would store kh·kw·C weights of 127 (174 KB of
// the 964 KB int8 DeepLab v3, 35.5% → 29.2% of float32); the MEAN has an int8 kernel and no weights.
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { INT8_OPS } from './int8-ops';
import { floatForm } from './float-form';
import { FLOAT_BINARY_SUFFIX } from './int8-float-binary';

const perTensorInt8 = (t: TflTensor | undefined) => t?.type === 'INT8' && t.quantization?.scale.length === 1;

/** Padding SAME adds along one axis (TFLite's rule): none when the windows end inside the input. */
const samePad = (size: number, k: number, stride: number) => Math.max((Math.ceil(size / stride) - 1) * stride + k - size, 0);

/** Whether int8 AVERAGE_POOL_2D `op` can be its depthwise form: NHWC per-tensor int8 in and out, windows inside the input. */
export function poolAsDepthwise(op: TflOperator, t: TflTensor[]): boolean {
  if (op.opcode !== 'AVERAGE_POOL_2D' || op.inputs.length !== 1 || op.outputs.length !== 1) return false;
  const x = t[op.inputs[0]];
  const y = t[op.outputs[0]];
  if (!perTensorInt8(x) || !perTensorInt8(y) || x.shape.length !== 4) return false;
  const o = op.options ?? {};
  const [kh, kw, sh, sw] = [o.filterHeight, o.filterWidth, o.strideH, o.strideW].map(Number);
  if (![kh, kw, sh, sw].every((v) => Number.isInteger(v) && v >= 1)) return false;
  if ((o.padding ?? 'SAME') === 'VALID') return true;
  return samePad(x.shape[1], kh, sh) === 0 && samePad(x.shape[2], kw, sw) === 0;
}

/** Whether int8 AVERAGE_POOL_2D `op` is SAME-padded with windows over the padding (per-tensor int8 in and out): the
 *  float form's. */
export function poolOverPadding(op: TflOperator, t: TflTensor[]): boolean {
  if (op.opcode !== 'AVERAGE_POOL_2D' || op.inputs.length !== 1 || op.outputs.length !== 1 || poolAsDepthwise(op, t)) return false;
  return perTensorInt8(t[op.inputs[0]]) && perTensorInt8(t[op.outputs[0]]) && t[op.inputs[0]].shape.length === 4 && (op.options?.padding ?? 'SAME') === 'SAME';
}

/** Whether int8 AVERAGE_POOL_2D `op` (its depthwise form possible) averages the whole input into one value a channel. */
export function poolIsGlobal(op: TflOperator, t: TflTensor[]): boolean {
  if (!poolAsDepthwise(op, t)) return false;
  const o = op.options ?? {};
  const x = t[op.inputs[0]].shape;
  return Number(o.filterHeight) === x[1] && Number(o.filterWidth) === x[2] && (o.fusedActivationFunction ?? 'NONE') === 'NONE';
}

/** Rewrites every such int8 AVERAGE_POOL_2D of the subgraph in place as its DEPTHWISE_CONV_2D (a global one as a
 *  MEAN over H and W), and every one whose
 *  windows reach into SAME padding as its float form; `name` makes tensor names unique. Returns how many. */
export function avgPoolsAsDepthwise(sg: TflSubgraph, name: (base: string) => string): number {
  const t = sg.tensors;
  const add = (tt: TflTensor) => { t.push({ ...tt, name: name(tt.name) }); return t.length - 1; };
  let n = 0;
  const padded = sg.operators.filter((op) => poolOverPadding(op, t));
  if (padded.length) {
    sg.operators = sg.operators.flatMap((op) => (padded.includes(op) ? floatForm(t, op, add, `${t[op.outputs[0]].name}${FLOAT_BINARY_SUFFIX}`) : [op]));
    n += padded.length;
  }
  for (const op of sg.operators) {
    if (!poolAsDepthwise(op, t)) continue;
    const x = t[op.inputs[0]];
    if (poolIsGlobal(op, t)) {
      const axes = add({ name: `${x.name}_mean_axes`, type: 'INT32', shape: [2], data: new Uint8Array(Int32Array.from([1, 2]).buffer) });
      Object.assign(op, { opcode: 'MEAN', version: INT8_OPS.MEAN.version, inputs: [op.inputs[0], axes], options: { keepDims: true }, optionsTable: undefined });
      n++;
      continue;
    }
    const o = op.options ?? {};
    const [kh, kw] = [Number(o.filterHeight), Number(o.filterWidth)];
    const c = x.shape[3];
    // One scale for every channel (per-tensor): the weights are equal, and per-channel arrays (a float and an int64 zero
    // point per channel, for the weights and again for the bias) cost 24 bytes a channel — 2.8 KB of SSR-Net's 68 KB.
    const wScale = 1 / (kh * kw * 127);
    const w = add({ name: `${x.name}_avg_weights`, type: 'INT8', shape: [1, kh, kw, c], data: new Uint8Array(kh * kw * c).fill(127),
      quantization: { scale: [wScale], zeroPoint: [0] } });
    const b = add({ name: `${x.name}_avg_bias`, type: 'INT32', shape: [c], data: new Uint8Array(4 * c),
      quantization: { scale: [wScale * x.quantization!.scale[0]], zeroPoint: [0] } });
    op.opcode = 'DEPTHWISE_CONV_2D';
    op.version = INT8_OPS.DEPTHWISE_CONV_2D.version;
    op.inputs = [op.inputs[0], w, b];
    op.options = { padding: 'VALID', strideW: Number(o.strideW), strideH: Number(o.strideH), depthMultiplier: 1, dilationWFactor: 1, dilationHFactor: 1,
      fusedActivationFunction: o.fusedActivationFunction ?? 'NONE' };
    op.optionsTable = undefined;
    n++;
  }
  return n;
}
