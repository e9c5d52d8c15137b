// A conv / depthwise / fully connected layer computed with ~15-bit weights from two 8-bit ones: the layer with its
// int8 weights Q (scales s), a second copy of it with the rounding residual W − s·Q as int8 weights at their own
// per-channel scales and a zero bias, and an ADD of the two outputs that applies the fused activation. 16x8 layers
// add in int16 (mixed-precision's prefix search); int8 layers in int8 (the weight rounding is what changes a trained
// model's decisions: PP-OCRv4 rec with every weight int8 and every activation float changes 10 of 48 lines), at one
// more byte a weight.
import type { TflOperator, TflTensor } from '../tflite/model';
import { INT8_OPS } from './int8-ops';
import { INT16_OPS, residualWeights } from './int16';
import { bytesOf, paramsFromRange, quantParams, type QParams } from './params';

export interface SplitLayer {
  op: TflOperator;
  /** The float weight tensor's index and values, and its int8 rounding (data, scales along axis). */
  weight: number;
  values: Float32Array;
  data: Int8Array;
  scales: number[];
  axis: number | undefined;
  /** The output-channel axis of the weight. */
  channelAxis: number;
  /** The input's scale and the largest |x| it represents. */
  inScale: number;
  maxAbsInput: number;
  wide: boolean;
}

/** An int8 residual's output range: at most this fraction of the layer's output range. */
const RESIDUAL_SHARE = 8;

export type Residuals = Map<number, { r: ReturnType<typeof residualWeights>; w2: number }>;

/** Largest |x| the asymmetric int8 parameters represent. */
export function maxAbsOf(p: QParams): number {
  return Math.max(Math.abs((-128 - p.zeroPoint) * p.scale), Math.abs((127 - p.zeroPoint) * p.scale));
}

/** Adds the residual weights and zero bias, and returns the function that rewires the layer after it is quantized:
 *  it makes the layer write `hi` (linear), adds the residual layer writing `lo`, and returns those two ops and the
 *  ADD into the layer's output (the ops to emit after the layer). */
export function splitLayer(s: SplitLayer, t: TflTensor[], addTensor: (x: TflTensor) => number, cache: Residuals, bias: TflTensor): () => TflOperator[] {
  const { op, wide } = s;
  const w = t[s.weight];
  const { r, w2 } = cache.get(s.weight) ?? (() => {
    // The bound for |x| ≤ 1; it scales with the input's range.
    const r = residualWeights(s.values, w.shape, s.data, s.scales, s.axis, s.channelAxis, 1);
    const w2 = addTensor({ name: `${w.name}_residual_int8`, type: 'INT8', shape: [...w.shape], data: bytesOf(r.data),
      quantization: { scale: r.scales, zeroPoint: r.scales.map(() => 0), quantizedDimension: s.axis ?? 0 } });
    cache.set(s.weight, { r, w2 });
    return { r, w2 };
  })();
  const channels = bias.shape[0] ?? 1;
  const zeros = wide ? new BigInt64Array(channels) : new Int32Array(channels);
  const b2 = addTensor({ name: `${bias.name}_residual_${wide ? 'int64' : 'int32'}`, type: wide ? 'INT64' : 'INT32', shape: [...bias.shape],
    data: new Uint8Array(zeros.buffer),
    // One scale a channel when the residual has one a channel, else one (as quantizeBias: the bias follows the filter).
    quantization: { scale: r.scales.map((sc) => sc * s.inScale), zeroPoint: r.scales.map(() => 0), quantizedDimension: 0 } });
  const levels = wide ? 32767 : 127;
  const bound = r.bound * s.maxAbsInput;
  return () => {
    const out = op.outputs[0];
    const act = op.options?.fusedActivationFunction ?? 'NONE';
    const q = t[out].quantization!;
    const type = wide ? 'INT16' : 'INT8';
    // The main part's range: the output's (before the fused activation clips it), a little wider.
    let hiQ: QParams = { scale: q.scale[0] * 1.1, zeroPoint: 0 };
    let loBound = bound;
    if (!wide) {
      const lo = (-128 - q.zeroPoint[0]) * q.scale[0];
      const hi = (127 - q.zeroPoint[0]) * q.scale[0];
      hiQ = paramsFromRange({ min: lo - 0.05 * (hi - lo), max: hi + 0.05 * (hi - lo) });
      // The residual's output is a few percent of the output at most (the weights' rounding error is); the bound for
      // the worst input (every |x| at its largest, signs matched) is up to 20x the output's range on PP-OCRv4 rec and
      // would leave the residual's 255 levels to values it never takes.
      loBound = Math.min(bound, (hi - lo) / RESIDUAL_SHARE);
    }
    const hi = addTensor({ name: `${t[out].name}_hi`, type, shape: [...t[out].shape], quantization: quantParams(hiQ) });
    const lo = addTensor({ name: `${t[out].name}_lo`, type, shape: [...t[out].shape], quantization: quantParams({ scale: loBound / levels, zeroPoint: 0 }) });
    const linear = { ...op.options, fusedActivationFunction: 'NONE' };
    const second: TflOperator = { ...op, inputs: [op.inputs[0], w2, b2], outputs: [lo], options: linear };
    op.outputs = [hi];
    op.options = linear;
    return [second, { opcode: 'ADD', version: wide ? INT16_OPS.ADD.version : INT8_OPS.ADD.version, inputs: [hi, lo], outputs: [out],
      options: wide ? { fusedActivationFunction: act, potScaleInt16: false } : { fusedActivationFunction: act }, onnxNode: op.onnxNode }];
  };
}
