// The ops of a converted float32 model that full int8 (int8.ts) leaves float32 whatever the calibration: the
// compatibility view's int8 marks read them (src/convert/compat.ts), so that a node marked int8 is one the int8 pass
// really runs in int8 (or in a float form `onnx2lite micro` writes back as the int8 op).
import type { TflModel, TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation } from './graph';
import { floatIslands } from './int8-float-islands';
import { loneBetweenFloat } from './int8-lone-ops';
import { INT8_OPS } from './int8-ops';
import { MASK_RANGE, maskBiasOps } from './int8-attention-mask';
import { scaleGroups } from './int8-scale-groups';
import type { QParams } from './params';

/** Ops between attention probabilities and the product with the values that only move them or take parts of them. */
const PARTS = new Set(['STRIDED_SLICE', 'SLICE', 'SPLIT', 'SPLIT_V']);
const PROBABILITY_PATH = new Set([...PARTS, 'RESHAPE', 'TRANSPOSE', 'EXPAND_DIMS', 'SQUEEZE']);

/** Attention: a SOFTMAX whose only reader is a BATCH_MATMUL (probabilities × values), both by op index. int8's
 *  fixed SOFTMAX output step (1/256) rounds the many small weights of a long sequence to 0 (PP-OCRv4 rec: 18 dB →
 *  9 dB); the two ops cost little, so they stay float32. Also a SOFTMAX whose every reader leads, through slices and
 *  moves only, to BATCH_MATMULs taking it as their first operand, with those ops: keys joined from several sources
 *  sliced apart again, each into its own product with its values (LongT5's transient-global attention), or one
 *  softmax into two products (TiSASRec: the values, and the time-interval values through a RESHAPE). */
export function attentionOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const out = new Set<number>();
  // The ops from `tensor` through PROBABILITY_PATH to BATCH_MATMULs reading it as their first operand, or undefined
  // when any path ends elsewhere (a model output, another op).
  const toProducts = (tensor: number, depth: number): number[] | undefined => {
    const r = readers.get(tensor) ?? [];
    if (r.length === 0 || sg.outputs.includes(tensor) || depth > 4) return undefined;
    const ops: number[] = [];
    for (const k of r) {
      const op = sg.operators[k];
      if (op.opcode === 'BATCH_MATMUL' && op.inputs[0] === tensor) { ops.push(k); continue; }
      if (!PROBABILITY_PATH.has(op.opcode) || (op.opcode === 'SPLIT' ? op.inputs[1] : op.inputs[0]) !== tensor) return undefined;
      ops.push(k);
      for (const o of op.outputs) {
        const more = toProducts(o, depth + 1);
        if (!more) return undefined;
        ops.push(...more);
      }
    }
    return ops;
  };
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'SOFTMAX') return;
    const r = readers.get(op.outputs[0]) ?? [];
    if (r.length === 1 && sg.operators[r[0]].opcode === 'BATCH_MATMUL' && !sg.outputs.includes(op.outputs[0])) { out.add(k); out.add(r[0]); return; }
    // Joined keys taken apart by slices before their products, or probabilities read by several products, some
    // through moves (TiSASRec: the values' BATCH_MATMUL and a RESHAPE into the time-interval values' one).
    const path = toProducts(op.outputs[0], 0);
    if (path) { out.add(k); for (const j of path) out.add(j); }
  });
  return out;
}

/** Ops that carry a value on (its range stays where it was): a mask's bias through them keeps its range. */
const CARRIES = new Set(['ADD', 'SUB', 'MUL', 'SELECT_V2', 'SELECT', 'MINIMUM', 'MAXIMUM', 'RESHAPE', 'EXPAND_DIMS', 'SQUEEZE',
  'BROADCAST_TO', 'TILE', 'TRANSPOSE', 'CONCATENATION', 'GATHER', 'SLICE', 'STRIDED_SLICE', 'CAST']);

/** The lowest and highest value of a float32 constant, each at least as far out as 0 (0, 0 for anything else). */
const extremes = (t: TflTensor): [number, number] => {
  if (t.type !== 'FLOAT32' || !t.data || t.data.byteLength < 4) return [0, 0];
  const v = new Float32Array(t.data.slice().buffer, 0, t.data.byteLength >> 2);
  let lo = 0, hi = 0;
  for (const x of v) { if (x < lo) lo = x; if (x > hi) hi = x; }
  return [lo, hi];
};

/** Without calibration, the tensors whose range reaches a mask's (int8-attention-mask.ts: min <= MASK_RANGE): a
 *  float32 constant holding such a value (-10000, float32's lowest), what the ops that carry it make of it, and the
 *  tensors sharing a scale with one of those (the unmasked value of a SELECT_V2 whose other value is the mask's fill:
 *  Hugging Face's `1 - mask` beside finfo.min), as parameters maskBiasOps reads as that wide. */
export function maskRangeParams(sg: TflSubgraph): Map<number, QParams> {
  const wide = new Set<number>();
  sg.tensors.forEach((t, i) => { if (isConst(t) && extremes(t)[0] <= MASK_RANGE) wide.add(i); });
  // A large positive fill subtracted (XLNet's `score - 1e30 * mask`): what carries it is wide once a SUB takes it away.
  const subtracted = new Set<number>();
  sg.tensors.forEach((t, i) => { if (isConst(t) && extremes(t)[1] >= -MASK_RANGE) subtracted.add(i); });
  const groups = scaleGroups(sg);
  for (let before = -1; before !== wide.size + subtracted.size;) {
    before = wide.size + subtracted.size;
    for (const op of sg.operators) {
      if (CARRIES.has(op.opcode) && op.inputs.some((i) => wide.has(i))) for (const o of op.outputs) wide.add(o);
      if (op.opcode === 'SUB' && subtracted.has(op.inputs[1]!)) for (const o of op.outputs) wide.add(o);
      else if (CARRIES.has(op.opcode) && op.opcode !== 'SUB' && op.inputs.some((i) => subtracted.has(i))) for (const o of op.outputs) subtracted.add(o);
    }
    const wideGroups = new Set([...wide].filter((i) => !isConst(sg.tensors[i])).map((i) => groups.find(i)));
    sg.tensors.forEach((t, i) => {
      if (isFloatActivation(t) && !groups.fixed.has(i) && wideGroups.has(groups.find(i))) wide.add(i);
    });
  }
  return new Map([...wide].map((i) => [i, { scale: -MASK_RANGE, zeroPoint: 0 }]));
}

/** The first activation of subgraph 0 sized at run time (a negative dim in its shape signature: NonZero's rows, a
 *  computed TopK K, a Slice with computed bounds): full int8 refuses such a model (full-int8.ts), so the compatibility
 *  view marks none of its nodes int8 (compat.ts). */
export function runTimeSizedTensor(model: TflModel): TflTensor | undefined {
  return model.subgraphs[0]?.tensors.find((t) => t.shapeSignature?.some((d) => d < 0) && !t.data);
}

/**
 * Why full int8 keeps op `op` float32, or undefined when it runs in int8 or touches no float activation: ops
 * without an int8 kernel, a FULLY_CONNECTED / conv whose weights are computed, attention's SOFTMAX and the
 * BATCH_MATMUL reading it, the ops making and adding an attention mask's bias, the float islands (int8-float-islands.ts), and every op of an IF / WHILE body (the int8
 * pass quantizes subgraph 0).
 */
export function int8KeptFloat(model: TflModel): Map<TflOperator, string> {
  const out = new Map<TflOperator, string>();
  model.subgraphs.forEach((sg, s) => {
    const t = sg.tensors;
    const attention = s === 0 ? attentionOps(sg) : new Set<number>();
    const islands = s === 0 ? floatIslands(sg) : new Map<number, string>();
    const softmaxes = sg.operators.flatMap((op, k) => (op.opcode === 'SOFTMAX' ? [k] : []));
    const masks = s === 0 && softmaxes.length ? maskBiasOps(sg, maskRangeParams(sg), softmaxes) : new Set<number>();
    sg.operators.forEach((op, k) => {
      const touches = [...op.inputs, ...op.outputs].some((i) => i >= 0 && i < t.length && isFloatActivation(t[i]));
      if (!touches || op.opcode === 'QUANTIZE' || op.opcode === 'DEQUANTIZE') return;
      const spec = INT8_OPS[op.opcode];
      const computedWeights = spec?.weights && [1, 2].some((j) => op.inputs[j] !== undefined && op.inputs[j] >= 0 && !isConst(t[op.inputs[j]]));
      // A weighted op over a constant input (SegRNN's decoder GRU run on its position + channel embeddings) has no
      // activation range to quantize that input by: the int8 pass (int8.ts) keeps it float32.
      const constInput = spec?.weights && op.inputs[0] >= 0 && isConst(t[op.inputs[0]]);
      const why = s > 0 ? 'inside a control-flow body, which the int8 pass leaves float32'
        : !spec ? `no int8 kernel for ${op.opcode}`
          : computedWeights ? `${op.opcode} with computed weights`
          : constInput ? `${op.opcode} over a constant input (no activation range to quantize it by)`
            : masks.has(k) ? 'an attention mask\'s bias (int8 in its range rounds the scores away)'
              : attention.has(k) ? 'attention probabilities (int8\'s 1/256 step wipes out small weights)'
                : islands.has(k) ? `a float island (${islands.get(k)})` : undefined;
      if (why) out.set(op, why);
    });
    if (s > 0) return;
    // A SOFTMAX read only by ops kept float32 stays float32 too (floatBehind, int8.ts).
    const readers = consumersOf(sg);
    for (let k = sg.operators.length - 1; k >= 0; k--) {
      const op = sg.operators[k];
      if (!SLOW_INT8.has(op.opcode) || out.has(op)) continue;
      const r = op.outputs.flatMap((o) => readers.get(o) ?? []);
      if (r.length && r.every((j) => out.has(sg.operators[j]))) out.set(op, `read only by float32 ops (int8 ${op.opcode} is TFLite's own kernel, float32 XNNPack's)`);
    }
    // A data move alone between ops kept float32 runs float32 too (int8-lone-ops.ts, after the search).
    const float = new Set(sg.operators.flatMap((op, k) => (out.has(op) ? [k] : [])));
    for (const k of loneBetweenFloat(sg, float)) out.set(sg.operators[k], 'alone between float32 ops (int8 there would only add two conversions)');
  });
  return out;
}

/** Ops whose int8 kernel is not XNNPack's but TFLite's own, slower than their float32 twin: SOFTMAX ([1, 22, 22, 80],
 *  FastestDet's class head, timed alone: int8 0.57 ms, float32 0.08 ms; bench/op-latency.ts, s22-i8lat). */
const SLOW_INT8 = new Set(['SOFTMAX']);

/** SLOW_INT8 ops whose every reader computes in float32 (`precision` per op, updated here; a join of mixed ranges
 *  that stays float, int8-mixed-joins.ts), or whose output leaves the model as float: in int8 they would run the
 *  slow kernel only for a DEQUANTIZE to undo it. Walked from the last op back, so a chain of them goes float together. */
export function floatBehind(sg: TflSubgraph, precision: ('none' | 'float' | 'int8' | 'int16')[], outputs: Set<number>, int8Io: boolean): Set<number> {
  const readers = consumersOf(sg);
  const out = new Set<number>();
  for (let k = sg.operators.length - 1; k >= 0; k--) {
    const op = sg.operators[k];
    if (!SLOW_INT8.has(op.opcode) || precision[k] !== 'int8') continue;
    const float = op.outputs.every((o) => {
      const r = readers.get(o) ?? [];
      return r.length ? r.every((j) => precision[j] === 'float') && (!outputs.has(o) || !int8Io) : outputs.has(o) && !int8Io;
    });
    if (float) { out.add(k); precision[k] = 'float'; }
  }
  return out;
}
