// An int8 op alone between float32 ops runs in float32: its int8 inputs are each a QUANTIZE of a float32 tensor and
// its outputs are each read by one DEQUANTIZE only, so int8 there buys two conversions and two roundings, and the op
// itself is no faster in int8 on LiteRT.js's XNNPack (WASM) — a data move (a QUANTIZE / DEQUANTIZE pass costs about
// what the move does) or a DEPTHWISE_CONV_2D (int8 0.86-1.0x float32 alone on YuNet's and FastestDet's depthwise
// convs, bench/op-latency.ts, 2026-12-07). The mixed-precision search leaves such ops between the float32 ops it
// chooses: the person detector's Focus stem (its model input QUANTIZE → SPACE_TO_DEPTH → DEQUANTIZE → the float32
// first conv), a YuNet depthwise conv between two float32 1x1 convs.
// What: the op reads the float32 tensors the QUANTIZEs read and writes the DEQUANTIZEs' float32 outputs; a
// DEPTHWISE_CONV_2D's weights stay int8 in the file behind a DEQUANTIZE (a hybrid island, hybrid-islands.ts: LiteRT
// dequantizes a constant once) and its int32 bias becomes float32 (value × its scale). The QUANTIZEs nothing else
// reads and the DEQUANTIZEs go. Values only get closer to float32: the op's input and output are no longer rounded.
// When: on the model as written, after the search (full-int8.ts), so that the search's candidates and choice stay
// what they were (run inside every candidate, it sent the person detector's search elsewhere: 5 -> 15 ops float32).
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import type { ConvertResult } from '../convert/convert';
import { consumersOf, producersOf } from '../tflite/graph';
import { histogram, isConst, pruneTensors, uniqueNamer } from './graph';
import { DEQUANTIZE_INT8_VERSION } from './int8-ops';
import { FLOAT_BINARY_SUFFIX } from './int8-float-binary';
import { floatLoneIslands, islandsBetweenFloat } from './int8-lone-islands';

/** Ops whose int8 kernel is no faster than float32's on LiteRT.js's XNNPack: data moves, and depthwise convs. */
const LONE_FLOAT = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE', 'PAD', 'SLICE', 'STRIDED_SLICE', 'GATHER',
  'CONCATENATION', 'SPLIT', 'SPLIT_V', 'SPACE_TO_DEPTH', 'DEPTH_TO_SPACE', 'DEPTHWISE_CONV_2D']);

const int8Act = (t: TflTensor | undefined) => t?.type === 'INT8' && !isConst(t) && t.quantization?.scale.length === 1;

/** An op of a float form (float-form.ts: DEQUANTIZE → op → QUANTIZE standing for an int8 op, which `onnx2lite micro`
 *  writes back by finding its conversions): a float HARD_SWISH, or an op writing a FLOAT_BINARY_SUFFIX tensor. */
const floatFormOp = (op: TflOperator | undefined, t: TflTensor[]) => !!op && (op.opcode === 'HARD_SWISH'
  || op.outputs.some((o) => t[o]?.name.endsWith(FLOAT_BINARY_SUFFIX)));

/** The float32 bias of an int32 bias quantized at scale input × weight (per channel or one). */
function floatBias(b: TflTensor, name: string): TflTensor {
  const q = new Int32Array(b.data!.slice().buffer);
  const s = b.quantization!.scale;
  const f = Float32Array.from(q, (v, c) => v * (s.length === 1 ? s[0] : s[c]));
  return { name, type: 'FLOAT32', shape: [...b.shape], data: new Uint8Array(f.buffer) };
}

/**
 * The ops of a float32 model that floatLoneOps leaves float32 whatever the calibration, for the compatibility marks
 * (int8-kept-float.ts): a data move (not a depthwise conv: its rule reads the weights) whose run-time inputs are float
 * model inputs or written by ops in `float` (by index: kept float32 by rule), whose outputs are each read only by such
 * ops or are model outputs read by nothing else, and whose constants are int32 (EAGLE's rotary tables: a CONCATENATION
 * of two COS outputs read by the MULs of its recurrent cell); and the groups of cheap ops floatLoneIslands runs float32.
 */
export function loneBetweenFloat(sg: TflSubgraph, float: Set<number>): Set<number> {
  const t = sg.tensors;
  const readers = consumersOf(sg.operators);
  const producer = producersOf(sg.operators);
  const out = new Set<number>();
  sg.operators.forEach((op, k) => {
    if (float.has(k) || op.opcode === 'DEPTHWISE_CONV_2D' || !LONE_FLOAT.has(op.opcode)) return;
    const acts = op.inputs.filter((i) => i >= 0 && !isConst(t[i]));
    if (!acts.length || op.inputs.some((i) => i >= 0 && isConst(t[i]) && t[i].type !== 'INT32')) return;
    const fromFloat = (i: number) => t[i].type === 'FLOAT32'
      && (producer.get(i) === undefined ? sg.inputs.includes(i) : float.has(producer.get(i)!));
    const toFloat = (o: number) => {
      const r = readers.get(o) ?? [];
      return sg.outputs.includes(o) ? r.length === 0 : r.length > 0 && r.every((j) => float.has(j));
    };
    if (acts.every(fromFloat) && op.outputs.every(toFloat)) out.add(k);
  });
  for (const k of islandsBetweenFloat(sg, float)) out.add(k); // groups of cheap ops (int8-lone-islands.ts)
  return out;
}

/** Rewrites every lone int8 op of the subgraph (see the top of this file) in float32; `name` makes tensor names
 *  unique; `moved` gets each rewritten op's int8 output → the float32 tensor it writes now. Returns how many. */
export function floatLoneOps(sg: TflSubgraph, name: (base: string) => string, moved = new Map<number, number>()): number {
  const t = sg.tensors;
  const readers = consumersOf(sg.operators);
  const producer = producersOf(sg.operators);
  const drop = new Set<TflOperator>();
  const freed = new Set<TflOperator>();
  const before = new Map<TflOperator, TflOperator[]>();
  const add = (tt: TflTensor) => { t.push({ ...tt, name: name(tt.name) }); return t.length - 1; };
  let n = 0;
  for (const op of sg.operators) {
    if (!LONE_FLOAT.has(op.opcode) || !int8Act(t[op.inputs.find((i) => i >= 0 && !isConst(t[i])) ?? -1])) continue;
    const dw = op.opcode === 'DEPTHWISE_CONV_2D';
    const acts = op.inputs.map((i, pos) => (i >= 0 && !isConst(t[i]) && !(dw && pos > 0) ? i : -1));
    // Constant inputs other than a depthwise conv's weights and bias are shapes, indices or axes (int32).
    if (op.inputs.some((i, pos) => i >= 0 && isConst(t[i]) && !(dw && pos > 0) && t[i].type !== 'INT32')) continue;
    const quants = acts.map((i) => (i < 0 ? undefined : producer.get(i) === undefined ? null : sg.operators[producer.get(i)!]));
    if (quants.some((q) => q === null || (q && (q.opcode !== 'QUANTIZE' || t[q.inputs[0]]?.type !== 'FLOAT32' || !int8Act(t[q.outputs[0]]))))) continue;
    const deqs = op.outputs.map((o) => { const r = readers.get(o); return r?.length === 1 && !sg.outputs.includes(o) ? sg.operators[r[0]] : undefined; });
    if (deqs.some((d) => d?.opcode !== 'DEQUANTIZE' || t[d.outputs[0]]?.type !== 'FLOAT32')) continue;
    // A float form's conversions stay (the micro export finds the form by them).
    if (quants.some((q) => q && floatFormOp(sg.operators[producer.get(q.inputs[0]) ?? -1], t))
      || deqs.some((d) => (readers.get(d!.outputs[0]) ?? []).some((r) => floatFormOp(sg.operators[r], t)))) continue;
    if (dw) {
      const [w, b] = [t[op.inputs[1]], op.inputs[2] >= 0 ? t[op.inputs[2]] : undefined];
      if (w?.type !== 'INT8' || !isConst(w) || (b && (b.type !== 'INT32' || !isConst(b) || !b.quantization?.scale.length))) continue;
      const wf = add({ name: `${w.name}_float`, type: 'FLOAT32', shape: [...w.shape] });
      before.set(op, [{ opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT8_VERSION, inputs: [op.inputs[1]], outputs: [wf], onnxNode: op.onnxNode }]);
      op.inputs = [op.inputs[0], wf, b ? add(floatBias(b, `${b.name}_float`)) : -1];
    }
    op.inputs = op.inputs.map((i, pos) => { const q = quants[pos]; return q ? q.inputs[0] : i; });
    op.outputs.forEach((o, j) => moved.set(o, deqs[j]!.outputs[0]));
    op.outputs = deqs.map((d) => d!.outputs[0]);
    for (const d of deqs) drop.add(d!);
    for (const q of quants) if (q) freed.add(q);
    n++;
  }
  if (!n) return 0;
  sg.operators = sg.operators.flatMap((op) => (drop.has(op) ? [] : [...(before.get(op) ?? []), op]));
  // The QUANTIZEs those ops read that nothing reads now.
  const left = consumersOf(sg.operators);
  sg.operators = sg.operators.filter((op) => !freed.has(op) || left.has(op.outputs[0]) || sg.outputs.includes(op.outputs[0]));
  return n;
}

/** floatLoneOps and floatLoneIslands (int8-lone-islands.ts: groups of cheap ops) on the main subgraph of a written
 *  int8 model: the metadata's ONNX values those ops wrote name the float32 tensors they write now (the accuracy
 *  diff joins on them), unused tensors pruned, op histogram redone. `original`: the float32 constants by name before
 *  the int8 pass (floatConstantsOf), for the islands' constants. */
export function floatLoneOpsOf(result: ConvertResult, original?: Map<string, TflTensor>): number {
  const sg = result.model.subgraphs[0];
  const moved = new Map<number, number>();
  const names = sg ? uniqueNamer(sg) : undefined;
  const n = sg && names ? floatLoneOps(sg, names, moved) + floatLoneIslands(sg, names, moved, original) : 0;
  if (!n) return 0;
  const md = result.metadata;
  const mapped = new Set(md.tensors.map((m) => m.tflite));
  result.metadata = { ...md, tensors: md.tensors.map((m) => (moved.has(m.tflite) && !mapped.has(moved.get(m.tflite)!) ? { ...m, tflite: moved.get(m.tflite)! } : m)) };
  pruneTensors(result);
  histogram(result);
  return n;
}
