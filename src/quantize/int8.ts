// Full-integer int8 quantization of a converted (float32) model: int8 activations with parameters from calibration
// ranges (or fixed ones, e.g. from a QDQ model), per-channel int8 weights, int32 biases, TFLite's same-scale and
// fixed-output rules, QUANTIZE/DEQUANTIZE at float model inputs and outputs (unless int8 I/O), and ops without an
// int8 kernel kept in float32 between DEQUANTIZE and QUANTIZE with a warning.
//
// Tensor indices of the float model are kept for every tensor that stays (activations change type in place), so the
// `onnx2lite` metadata stays valid; a float model output keeps its index and is fed by a DEQUANTIZE.
import { maskBiasOps } from './int8-attention-mask';
import type { ConvertResult } from '../convert/convert';
import type { TflOperator, TflTensor } from '../tflite/model';
import { dropTypeSuffixes, histogram, isConst, isFloatActivation, producersOf, pruneTensors, shareEqualConstants, uniqueNamer } from './graph';
import { expandInt8HardSwish } from './int8-hardswish';
import { floatBinaryForm } from './int8-float-binary';
import { foldReluIntoQuantize, requantizeRelus } from './int8-relu';
import { avgPoolsAsDepthwise } from './int8-avgpool';
import { quantizeDynamic, storeFp16 } from './weights';
import { floatIslands } from './int8-float-islands';
import { withClassifierHead } from './int8-classifier-head';
import { decodeTables } from './int8-box-decode';
import { sameScaleInputs } from './int8-scale-groups';
import { splitJoinOps } from './int8-activation-params';
import { guardedDivisorOps } from './int8-guarded-divisor';
import { keptFloatWarnings } from './int8-warnings';
import { ActivationCopies } from './int8-copies';
import { attentionOps, floatBehind, maskRangeParams } from './int8-kept-float';
import type { RoundedWeights } from './weight-rounding';
import { DEQUANTIZE_INT8_VERSION, INT8_OPS } from './int8-ops';
import { DEQUANTIZE_INT16_VERSION, INT16_FLOAT_FORM, INT16_OPS, QUANTIZE_INT16_VERSION, int16Capable, params16, quantizeBias64, quantizeConst16 } from './int16';
import { type Residuals, maxAbsOf, splitLayer } from './int8-split';
import {
  QParams, biasScaleFloors, bytesOf, dequantized, floatData, paramsFromRange, quantParams, quantizeBias, quantizeSymmetric, quantizeWith, weightAxis, weightScaleAxis,
} from './params';

// The activations' parameters and the joins they decide live in int8-activation-params.ts (imported from here too).
export { activationParams, tensorsWithoutParams } from './int8-activation-params';

export interface Int8Options {
  /** Per-tensor weight scales for conv / depthwise / fully connected (per-channel by default). */
  perTensor?: boolean;
  /** Per-channel weight scales on every layer, also where one scale would do (params.ts weightScaleAxis): a QDQ
   *  model's weights, whose channel scales come from the model. */
  perChannel?: boolean;
  /** int8 model inputs and outputs (float32 with QUANTIZE/DEQUANTIZE by default). */
  int8Io?: boolean;
  /** Already rounded int8 weights (e.g. by GPTQ) by float weight tensor index; the others round to nearest. */
  roundedWeights?: Map<number, RoundedWeights>;
  /** Ops (indices into the float model's operators) to run with int16 activations (16x8) where a kernel exists. */
  int16Ops?: Set<number>;
  /** Of the 16x8 conv / depthwise / fully connected ops, those (float model indices) that compute with ~15-bit
   *  weights: a second int8 op with the rounding residual, its output added (ADD int16) before the fused activation. */
  splitOps?: Set<number>;
  /** Of the int8 conv / depthwise / fully connected ops, those (float model indices) computed with ~15-bit weights the
   *  same way, the two outputs added by an int8 ADD (int8-split.ts). */
  int8SplitOps?: Set<number>;
  /** Added to the float bias (by tensor index) of int8 conv / depthwise / fully connected ops, per output channel
   *  (empirical bias correction, bias-correction.ts). */
  biasDelta?: Map<number, Float32Array>;
  /** Ops (float model indices) kept in float32 between DEQUANTIZE and QUANTIZE (mixed precision's float layers). */
  floatOps?: Set<number>;
  /** Names of float ops' weight tensors stored float16 instead of int8 (precise-weights.ts). */
  floatWeights?: Set<string>;
  /** int16 parameters by activation tensor (16x8 layers): the full min/max range, which 16 bits resolve finely
   *  (int16.ts wideParams); without one, a tensor's int16 range is its int8 one (params16), clipped as much. */
  int16Params?: Map<number, QParams>;
}

export function quantizeInt8(result: ConvertResult, params: Map<number, QParams>, opts: Int8Options = {}): ConvertResult {
  opts = withClassifierHead(result, params, opts); // a classifier's head in 16x8 (int8-classifier-head.ts)
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const name = uniqueNamer(sg);
  const warnings = result.warnings;
  const graphIn = new Set(sg.inputs);
  const graphOut = new Set(sg.outputs);
  const prod = producersOf(sg);

  const wasFloat = new Set<number>();
  t.forEach((tt, i) => { if (isFloatActivation(tt)) wasFloat.add(i); });
  const floatIo = (i: number) => isFloatActivation(t[i]) || (isConst(t[i]) && t[i].type === 'FLOAT32');
  const attention = attentionOps(sg);
  const softmaxes = sg.operators.flatMap((op, k) => (op.opcode === 'SOFTMAX' ? [k] : []));
  // A mask whose fill is a constant (-9e15, finfo.min) is a mask even when no calibration sample masked anything
  // (random samples, a dense adjacency): the ranges alone would put it in int8 and clip real masks away.
  // A layer with weights in 16x8 computes its own wide range (a policy's logits), it adds no mask (int8-attention-mask.ts).
  const weighted16 = (k: number) => !!opts.int16Ops?.has(k) && !!INT8_OPS[sg.operators[k].opcode]?.weights && int16Capable(sg.operators[k], t);
  const masks = new Set([...maskBiasOps(sg, params, softmaxes, weighted16), ...(softmaxes.length ? maskBiasOps(sg, maskRangeParams(sg), softmaxes, weighted16) : [])]);
  const islands = floatIslands(sg);
  const joins = splitJoinOps(sg, params, islands);
  const divisors = guardedDivisorOps(sg, params, warnings);
  const island = (k: number) => islands.has(k) || joins.has(k) || divisors.has(k);
  // A box decode's prior tables are stored float16, not int8 (int8-box-decode.ts); so are a GridSample's coordinate
  // tables (int8-sampling.ts): DEKR's base grid (pixel positions 0..64 plus the kernel's offsets) int8-stored moved every
  // sampling point by up to a quarter pixel (step 0.504), its adaptive convs' outputs 28.5 → 10.4 dB.
  const boxTables = decodeTables(sg, [...islands].filter(([, rule]) => rule === 'boxes' || rule === 'sampling').map(([k]) => k));
  const quantizable = sg.operators.map((op, k) => {
    const spec = INT8_OPS[op.opcode];
    const touches = [...op.inputs, ...op.outputs].filter((i) => i >= 0 && floatIo(i));
    if (touches.length === 0) return 'none' as const;
    if (!spec || attention.has(k) || masks.has(k) || island(k) || opts.floatOps?.has(k)) return 'float' as const;
    if (op.opcode === 'FULLY_CONNECTED' || spec.weights) {
      if (op.inputs[1] === undefined || op.inputs[1] < 0 || !isConst(t[op.inputs[1]])) return 'float' as const;
      if (op.inputs[2] !== undefined && op.inputs[2] >= 0 && !isConst(t[op.inputs[2]])) return 'float' as const;
      // A constant input (RAFT-Stereo's conv over a constant too big to fold) has no activation range to quantize by.
      if (!params.has(op.inputs[0])) return 'float' as const;
    }
    const ok = touches.every((i) => isConst(t[i]) || params.has(i));
    if (!ok) return 'float' as const;
    return opts.int16Ops?.has(k) && int16Capable(op, t) ? ('int16' as const) : ('int8' as const);
  });
  const behind = floatBehind(sg, quantizable, graphOut, !!opts.int8Io);
  for (const k of behind) quantizable[k] = 'float';
  const floatOps = new Map<string, number>();
  sg.operators.forEach((op, k) => { if (quantizable[k] === 'float' && !behind.has(k) && !attention.has(k) && !masks.has(k) && !island(k) && !opts.floatOps?.has(k)) floatOps.set(op.opcode, (floatOps.get(op.opcode) ?? 0) + 1); });
  warnings.push(...keptFloatWarnings(sg, { attention, masks, islands, joins, behind, floatOps }));

  // Where each float activation lives natively: int8 when an int8 op (or an int8 model input) produces it, int16
  // when a 16x8 op does; copies in the other types are made on first use.
  const addTensor = (tt: TflTensor) => { t.push({ ...tt, name: name(tt.name) }); return t.length - 1; };
  const outOps: TflOperator[] = [];
  const p16 = (i: number): QParams => opts.int16Params?.get(i) ?? params16(params.get(i)!);
  const copies = new ActivationCopies(t, addTensor, outOps, params, p16);
  const { int8Of, int16Of, floatOf } = copies;
  const toInt8InPlace = (i: number) => {
    const p = params.get(i)!;
    t[i] = { ...t[i], type: 'INT8', quantization: quantParams(p) };
    int8Of.set(i, i);
  };
  for (const i of sg.inputs) {
    if (!isFloatActivation(t[i])) continue;
    if (opts.int8Io && params.has(i)) toInt8InPlace(i); else floatOf.set(i, i);
  }
  const lateDequant: TflOperator[][] = sg.operators.map(() => []);
  const toInt16InPlace = (i: number) => {
    t[i] = { ...t[i], type: 'INT16', quantization: quantParams(p16(i)) };
    int16Of.set(i, i);
  };
  sg.operators.forEach((op, k) => {
    for (const o of op.outputs) {
      if (!isFloatActivation(t[o])) continue;
      if (quantizable[k] === 'int16') {
        if (!graphOut.has(o) || opts.int8Io) { toInt16InPlace(o); continue; }
        const q = addTensor({ name: `${t[o].name}_int16`, type: 'INT16', shape: [...t[o].shape], quantization: quantParams(p16(o)) });
        int16Of.set(o, q);
        floatOf.set(o, o);
        lateDequant[k].push({ opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT16_VERSION, inputs: [q], outputs: [o] });
        continue;
      }
      if (quantizable[k] !== 'int8') { floatOf.set(o, o); continue; }
      if (graphOut.has(o) && !opts.int8Io) {
        const q = addTensor({ name: `${t[o].name}_int8`, type: 'INT8', shape: [...t[o].shape], quantization: quantParams(params.get(o)!) });
        int8Of.set(o, q);
        floatOf.set(o, o);
        lateDequant[k].push({ opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT8_VERSION, inputs: [q], outputs: [o] });
      } else {
        toInt8InPlace(o);
      }
    }
  });

  const constCache = new Map<string, number>();
  /** Float ops' weights as GPTQ rounded them (by float weight index): one copy for every reader. */
  const roundedFloat = new Map<number, number>();
  const weightCache = new Map<number, { data: Int8Array; scales: number[]; index: number }>();
  const biasCache = new Map<string, number>();
  const residualCache: Residuals = new Map();
  const quantConst = (i: number, p: QParams): number => {
    const key = `${i}:${p.scale}:${p.zeroPoint}`;
    const have = constCache.get(key);
    if (have !== undefined) return have;
    const q = addTensor({ name: `${t[i].name}_int8`, type: 'INT8', shape: [...t[i].shape], data: bytesOf(quantizeWith(floatData(t[i]), p)), quantization: quantParams(p) });
    constCache.set(key, q);
    return q;
  };
  const const16Cache = new Map<number, number>();
  const quantConst16 = (i: number): number => {
    const have = const16Cache.get(i);
    if (have !== undefined) return have;
    const q = quantizeConst16(floatData(t[i]));
    const index = addTensor({ name: `${t[i].name}_int16`, type: 'INT16', shape: [...t[i].shape],
      data: new Uint8Array(q.data.buffer, q.data.byteOffset, q.data.byteLength), quantization: quantParams({ scale: q.scale, zeroPoint: 0 }) });
    const16Cache.set(i, index);
    return index;
  };
  const ownParams = (i: number): QParams => {
    const v = floatData(t[i]);
    let lo = 0;
    let hi = 0;
    for (const x of v) { if (x < lo) lo = x; if (x > hi) hi = x; }
    return paramsFromRange({ min: lo, max: hi });
  };

  sg.operators.forEach((op, k) => {
    const kind = quantizable[k];
    if (kind === 'none') { outOps.push(op); return; }
    if (kind === 'float') {
      op.inputs = op.inputs.map((i) => (i >= 0 && wasFloat.has(i) ? copies.float(i) : i));
      // A layer the search keeps float computes from the weights the int8 layer would have had (GPTQ's rounding and
      // its bias), stored int8 by quantizeDynamic at the end: rounded to nearest instead, BlazeFace front's first 8
      // layers float lowered the guard cosine 0.9688 -> 0.9446.
      // (Not the weights precise-weights.ts keeps float16: those are the float ones.)
      const w = INT8_OPS[op.opcode]?.weights && op.inputs[1] >= 0 ? t[op.inputs[1]] : undefined;
      const rounded = w && opts.floatOps?.has(k) && !opts.floatWeights?.has(w.name) ? opts.roundedWeights?.get(op.inputs[1]) : undefined;
      if (w && rounded) {
        const wi = op.inputs[1];
        let copy = roundedFloat.get(wi);
        if (copy === undefined) {
          copy = addTensor({ ...w, data: bytesOf(dequantized(rounded, w.shape, weightAxis(op.opcode))) });
          roundedFloat.set(wi, copy);
        }
        op.inputs[1] = copy;
        const bi = op.inputs[2];
        if (rounded.bias && bi !== undefined && bi >= 0 && rounded.biasTensor === bi) op.inputs[2] = addTensor({ ...t[bi], data: bytesOf(rounded.bias) });
      }
      outOps.push(op);
      outOps.push(...lateDequant[k]);
      return;
    }
    const spec = INT8_OPS[op.opcode];
    const wide = kind === 'int16';
    if (wide && INT16_FLOAT_FORM.has(op.opcode)) {
      // No int16 kernel: DEQUANTIZE → the float op → QUANTIZE, int16 at both ends (int16.ts INT16_FLOAT_FORM).
      const x = copies.int16(op.inputs[0]);
      const y = int16Of.get(op.outputs[0])!;
      const xf = addTensor({ name: `${t[x].name}_float`, type: 'FLOAT32', shape: [...t[x].shape] });
      const yf = addTensor({ name: `${t[y].name}_float`, type: 'FLOAT32', shape: [...t[y].shape] });
      outOps.push({ opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT16_VERSION, inputs: [x], outputs: [xf], onnxNode: op.onnxNode },
        { ...op, version: 1, inputs: [xf], outputs: [yf] },
        { opcode: 'QUANTIZE', version: QUANTIZE_INT16_VERSION, inputs: [yf], outputs: [y], onnxNode: op.onnxNode }, ...lateDequant[k]);
      return;
    }
    const outP = params.get(op.outputs.find((o) => params.has(o)) ?? -1);
    const same = new Set(sameScaleInputs(op, t));
    const inputs = op.inputs.slice();
    let split: (() => TflOperator[]) | undefined;
    if (spec.weights) {
      const inP = params.get(op.inputs[0])!;
      const inScale = wide ? p16(op.inputs[0]).scale : inP.scale;
      const w = t[op.inputs[1]];
      const rounded = opts.roundedWeights?.get(op.inputs[1]);
      const axis = opts.perTensor ? undefined : rounded ? (rounded.scales.length > 1 ? weightAxis(op.opcode) : undefined)
        : opts.perChannel ? weightAxis(op.opcode) : weightScaleAxis(floatData(w), w.shape, weightAxis(op.opcode));
      // One int8 copy of a weight shared by several ops (an unrolled LSTM's recurrent weight is used at every step).
      const wq = weightCache.get(op.inputs[1]) ?? (() => {
        let { data, scales } = rounded ?? quantizeSymmetric(floatData(w), w.shape, axis);
        const floors = op.inputs[2] >= 0 ? biasScaleFloors(floatData(t[op.inputs[2]]), inScale, scales) : undefined;
        if (floors) ({ data, scales } = quantizeSymmetric(floatData(w), w.shape, axis, floors));
        const index = addTensor({ name: `${w.name}_int8`, type: 'INT8', shape: [...w.shape], data: bytesOf(data),
          quantization: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: axis ?? 0 } });
        const entry = { data, scales, index };
        weightCache.set(op.inputs[1], entry);
        return entry;
      })();
      const { data, scales } = wq;
      inputs[1] = wq.index;
      const bi = op.inputs[2];
      // A split layer adds the rounding residual back itself: the bias correction for it would count it twice.
      const splitting = bi !== undefined && bi >= 0 && !!(wide ? opts.splitOps : opts.int8SplitOps)?.has(k);
      if (bi !== undefined && bi >= 0) {
        const b = t[bi];
        const corrected = !splitting && rounded?.biasTensor === bi;
        const key = `${bi}:${op.inputs[1]}:${inScale}:${wide}:${corrected}`;
        const have = biasCache.get(key);
        if (have !== undefined) inputs[2] = have;
        else {
          const base = (corrected ? rounded!.bias : undefined) ?? floatData(b);
          const shift = wide ? undefined : opts.biasDelta?.get(bi);
          const values = shift ? base.map((v, c) => v + (shift[c] ?? 0)) : base;
          const q = wide ? quantizeBias64(values, inScale, scales) : quantizeBias(values, inScale, scales);
          inputs[2] = addTensor({ name: `${b.name}_${wide ? 'int64' : 'int32'}`, type: wide ? 'INT64' : 'INT32', shape: [...b.shape],
            data: new Uint8Array(q.data.buffer, q.data.byteOffset, q.data.byteLength),
            quantization: { scale: q.scales, zeroPoint: q.scales.map(() => 0), quantizedDimension: 0 } });
          biasCache.set(key, inputs[2]);
        }
      }
      if (splitting) {
        split = splitLayer({ op, weight: op.inputs[1], values: floatData(w), data, scales, axis, channelAxis: weightAxis(op.opcode)!, inScale,
          maxAbsInput: wide ? inScale * 32767 : maxAbsOf(inP), wide }, t, addTensor, residualCache, t[bi]);
      }
    }
    const outQ = op.outputs.find((o) => params.has(o));
    op.inputs = inputs.map((i, pos) => {
      if (i < 0) return i;
      if (spec.weights && (pos === 1 || pos === 2)) return i;
      // A same-scale input on other parameters (a fixed output kept out of a join's group): requantized into them.
      if (wasFloat.has(i)) return copies.input(i, pos, spec, outQ, wide, op.onnxNode);
      if (t[i].type !== 'FLOAT32') return i;
      if (wide) return quantConst16(i);
      return quantConst(i, same.has(i) && outP ? outP : ownParams(i));
    });
    const native = wide ? int16Of : int8Of;
    op.outputs = op.outputs.map((o) => (isFloatActivation(t[o]) && native.has(o) ? native.get(o)! : o));
    op.version = Math.max(op.version ?? 1, wide ? INT16_OPS[op.opcode].version : spec.version);
    if (wide && op.opcode === 'ADD') op.options = { ...op.options, potScaleInt16: false };
    const extra = split?.() ?? [];
    outOps.push(op, ...extra);
    outOps.push(...lateDequant[k]);
  });
  void graphIn;
  void prod;
  sg.operators = outOps;
  // The float form (DEQUANTIZE / HARD_SWISH / QUANTIZE): faster on XNNPack and exact (int8-hardswish.ts); `onnx2lite
  // micro` writes it back in the integer form (ADD / MUL / MUL) for TFLite Micro (src/micro/integer-only.ts).
  expandInt8HardSwish(sg, name, 'float');
  // int8 ADD / SUB / MUL whose scale ratios XNNPack refuses: the same float form (int8-float-binary.ts).
  floatBinaryForm(sg, name);
  // A RELU after a QUANTIZE is the QUANTIZE into its [0, max] output (int8-relu.ts): LiteRT runs int8 RELU undelegated.
  foldReluIntoQuantize(sg);
  // Every other int8 RELU into a [0, max] output (RELU6 / RELU_N1_TO_1 into one within their clip) is an int8 → int8
  // QUANTIZE, which XNNPack runs (int8-relu.ts).
  requantizeRelus(sg);
  // An int8 AVERAGE_POOL_2D (XNNPack takes it in float32 only) whose windows stay inside the input is the equal
  // DEPTHWISE_CONV_2D (int8-avgpool.ts).
  avgPoolsAsDepthwise(sg, name);
  shareEqualConstants(sg);
  pruneTensors(result);
  dropTypeSuffixes(sg);
  // What stays float keeps int8 weights (behind a DEQUANTIZE, as --quantize dynamic), by one rule (weights.ts
  // storedInt8): the float ops' weight inputs and large constants, also in the IF / WHILE bodies, which the int8 pass
  // leaves float (openWakeWord's hey_jarvis verifier branch: the int8 model was 50% of float32). Those named in
  // floatWeights (precise-weights.ts) are stored float16 (XNNPack unpacks them once at load: as fast as float32).
  const fp16 = new Set([...(opts.floatWeights ?? []), ...boxTables]);
  quantizeDynamic(result, { perTensor: opts.perTensor, floatOpsOfInt8: true, keepFloat: fp16 });
  storeFp16(result, fp16);
  histogram(result);
  return result;
}
