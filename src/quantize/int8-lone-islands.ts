// An int8 island of cheap ops between float32 layers runs in float32 (the rule of int8-lone-ops.ts, for several ops):
// a connected group of elementwise / activation / reduction ops (ADD, MUL, RELU, LOGISTIC, MEAN ... and data moves)
// whose run-time inputs are each a QUANTIZE of a float32 tensor and whose values leave the group only through one
// DEQUANTIZE each. Int8 there buys a QUANTIZE and a DEQUANTIZE pass per boundary tensor and a rounding at every op
// of the group, for ops that cost about what the conversions do. The mixed-precision search leaves such islands
// between the float32 layers it chooses: chineseocr_lite's DBNet head, ConvTranspose → BatchNormalization (MUL, ADD
// with its ReLU fused) → ConvTranspose, both ConvTransposes float32, the MUL / ADD int8 between them: the ReLU's
// output lost 57 dB there (68 → 11 dB, docs/model-sweep.md, s26-trained9 / s26-lone).
// What: the ops read the float32 tensors the QUANTIZEs read, write the DEQUANTIZEs' float32 outputs (a tensor read
// only inside the group becomes a new float32 tensor), and an int8 constant operand becomes float32 ((q − zero point)
// × scale, per channel when it has channels), or the float32 constant of that name the model had before the int8
// pass when the caller gives them (floatConstantsOf): DBNet's BatchNorm shift int8 at one scale for 24 channels is
// off by up to 0.42 (its step 0.835), mask IoU 0.917 with the int8 values, 0.968 with the float ones (s26-lone).
// The values only get closer to float32. INT32 constants (axes, shapes) stay. A float form's conversions stay (int8-lone-ops.ts). When: with floatLoneOps, after the search.
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf, producersOf } from '../tflite/graph';
import { isConst } from './graph';
import { FLOAT_BINARY_SUFFIX } from './int8-float-binary';

/** Ops whose float32 kernel is the same op on float32 tensors and costs about what a QUANTIZE / DEQUANTIZE pass does. */
export const ISLAND_OPS = new Set(['ADD', 'SUB', 'MUL', 'MAXIMUM', 'MINIMUM', 'SQUARED_DIFFERENCE', 'RELU', 'RELU6',
  'RELU_N1_TO_1', 'RELU_0_TO_1', 'LEAKY_RELU', 'PRELU', 'LOGISTIC', 'TANH', 'ELU', 'GELU', 'ABS', 'NEG', 'SQUARE',
  'SQRT', 'RSQRT', 'EXP', 'LOG', 'MEAN', 'SUM', 'REDUCE_MAX', 'REDUCE_MIN',
  'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE', 'PAD', 'SLICE', 'STRIDED_SLICE', 'CONCATENATION', 'SPLIT', 'SPLIT_V',
  'SPACE_TO_DEPTH', 'DEPTH_TO_SPACE', 'RESIZE_NEAREST_NEIGHBOR', 'RESIZE_BILINEAR']);

const int8Act = (t: TflTensor | undefined) => t?.type === 'INT8' && !isConst(t) && t.quantization?.scale.length === 1;

/** A float form's op (int8-lone-ops.ts): its conversions are how `onnx2lite micro` finds it. */
const floatFormOp = (op: TflOperator | undefined, t: TflTensor[]) => !!op && (op.opcode === 'HARD_SWISH'
  || op.outputs.some((o) => t[o]?.name.endsWith(FLOAT_BINARY_SUFFIX)));

/** The float32 values of an int8 constant: (q − zero point) × scale, per channel along its quantized dimension. */
export function floatConstant(c: TflTensor, name: string): TflTensor {
  const q = new Int8Array(c.data!.buffer, c.data!.byteOffset, c.data!.byteLength);
  const { scale, zeroPoint, quantizedDimension: axis = 0 } = c.quantization!;
  const inner = c.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const ch = (i: number) => (scale.length === 1 ? 0 : Math.floor(i / inner) % scale.length);
  const f = Float32Array.from(q, (v, i) => (v - (zeroPoint[ch(i)] ?? 0)) * scale[ch(i)]);
  return { name, type: 'FLOAT32', shape: [...c.shape], data: new Uint8Array(f.buffer) };
}

/** The float32 constants of a model by name (a shallow copy of each): taken before the int8 pass, they give an
 *  island's constants back their float32 values (floatLoneIslands). */
export function floatConstantsOf(sg: TflSubgraph | undefined): Map<string, TflTensor> {
  return new Map((sg?.tensors ?? []).filter((c) => c.type === 'FLOAT32' && isConst(c)).map((c) => [c.name, { ...c }]));
}

/** Candidate ops joined through the tensors one writes and another reads (union-find by op index): root → members. */
function groupsOf(ops: TflOperator[], readers: Map<number, number[]>, isCand: boolean[]): Map<number, number[]> {
  const root = ops.map((_, k) => k);
  const find = (k: number): number => (root[k] === k ? k : (root[k] = find(root[k])));
  ops.forEach((op, k) => {
    if (!isCand[k]) return;
    for (const o of op.outputs) for (const r of readers.get(o) ?? []) if (isCand[r]) root[find(r)] = find(k);
  });
  const groups = new Map<number, number[]>();
  ops.forEach((_, k) => { if (isCand[k]) groups.set(find(k), [...(groups.get(find(k)) ?? []), k]); });
  return groups;
}

/** Whether the op can be in an island: an island op on int8 activations, constants int8 (one scale per tensor or
 *  channel) or INT32 (axes, shapes, sizes). */
function candidate(op: TflOperator, t: TflTensor[]): boolean {
  if (!ISLAND_OPS.has(op.opcode) || !op.outputs.length || !op.outputs.every((o) => int8Act(t[o]))) return false;
  const acts = op.inputs.filter((i) => i >= 0 && !isConst(t[i]));
  return acts.length > 0 && acts.every((i) => int8Act(t[i])) && op.inputs.every((i) => i < 0 || !isConst(t[i])
    || t[i].type === 'INT32' || (t[i].type === 'INT8' && !!t[i].quantization?.scale.length));
}

/** Rewrites every int8 island of the subgraph (see the top of this file) in float32; `name` makes tensor names
 *  unique; `moved` gets each island op's int8 output → the float32 tensor it writes now; `original` (floatConstantsOf
 *  before the int8 pass) the float32 values of int8 constants by name. Returns the ops rewritten. */
export function floatLoneIslands(sg: TflSubgraph, name: (base: string) => string, moved = new Map<number, number>(),
  original = new Map<string, TflTensor>()): number {
  const t = sg.tensors;
  const ops = sg.operators;
  const readers = consumersOf(ops);
  const producer = producersOf(ops);
  const isCand = ops.map((op) => candidate(op, t));
  const groups = groupsOf(ops, readers, isCand);
  const drop = new Set<number>();
  const freed = new Set<TflOperator>();
  let n = 0;
  for (const members of groups.values()) {
    const inside = new Set(members);
    const quants = new Map<number, number>(); // int8 input → its QUANTIZE (op index)
    const deqs = new Map<number, number>(); // int8 output → its DEQUANTIZE (op index)
    let ok = true;
    for (const k of members) {
      for (const i of ops[k].inputs) {
        if (i < 0 || isConst(t[i]) || inside.has(producer.get(i) ?? -1)) continue;
        const q = ops[producer.get(i) ?? -1];
        if (!q || q.opcode !== 'QUANTIZE' || t[q.inputs[0]]?.type !== 'FLOAT32'
          || floatFormOp(ops[producer.get(q.inputs[0]) ?? -1], t)) { ok = false; break; }
        quants.set(i, producer.get(i)!);
      }
      for (const o of ops[k].outputs) {
        const out = (readers.get(o) ?? []).filter((r) => !inside.has(r));
        if (sg.outputs.includes(o) || out.length > 1) { ok = false; break; }
        if (!out.length) continue;
        const d = ops[out[0]];
        if (d.opcode !== 'DEQUANTIZE' || t[d.outputs[0]]?.type !== 'FLOAT32'
          || (readers.get(d.outputs[0]) ?? []).some((r) => floatFormOp(ops[r], t))) { ok = false; break; }
        deqs.set(o, out[0]);
      }
      if (!ok) break;
    }
    if (!ok || !deqs.size) continue;
    const to = new Map<number, number>();
    for (const [i, q] of quants) to.set(i, ops[q].inputs[0]);
    for (const k of members) for (const o of ops[k].outputs) {
      const d = deqs.get(o);
      if (d !== undefined) to.set(o, ops[d].outputs[0]);
      else { t.push({ name: name(`${t[o].name}_float`), type: 'FLOAT32', shape: [...t[o].shape], ...(t[o].shapeSignature ? { shapeSignature: [...t[o].shapeSignature!] } : {}) }); to.set(o, t.length - 1); }
      moved.set(o, to.get(o)!);
    }
    for (const k of members) {
      const op = ops[k];
      op.inputs = op.inputs.map((i) => {
        if (i < 0) return i;
        if (isConst(t[i])) {
          if (t[i].type !== 'INT8') return i;
          const f = original.get(t[i].name);
          const same = f?.data && f.shape.join() === t[i].shape.join();
          t.push(same ? { ...f, name: name(`${t[i].name}_float`), shape: [...f.shape] } : floatConstant(t[i], name(`${t[i].name}_float`)));
          return t.length - 1;
        }
        return to.get(i) ?? i;
      });
      op.outputs = op.outputs.map((o) => to.get(o)!);
    }
    for (const d of deqs.values()) drop.add(d);
    for (const q of quants.values()) freed.add(ops[q]);
    n += members.length;
  }
  if (!n) return 0;
  sg.operators = ops.filter((_, k) => !drop.has(k));
  // The QUANTIZEs the islands read that nothing reads now.
  const left = consumersOf(sg.operators);
  sg.operators = sg.operators.filter((op) => !(freed.has(op) && !left.has(op.outputs[0]) && !sg.outputs.includes(op.outputs[0])));
  return n;
}

/**
 * The ops of a float32 model that floatLoneIslands leaves float32 whatever the calibration, for the compatibility
 * marks (int8-kept-float.ts, through loneBetweenFloat): a connected group of ISLAND_OPS not in `float` (by index:
 * kept float32 by rule), constants float32 or INT32, whose run-time inputs from outside the group are model inputs
 * or written by ops in `float`, and whose outputs are each read outside the group only by ops in `float`, or are
 * model outputs read by nothing else.
 */
export function islandsBetweenFloat(sg: TflSubgraph, float: Set<number>): Set<number> {
  const t = sg.tensors;
  const ops = sg.operators;
  const readers = consumersOf(ops);
  const producer = producersOf(ops);
  // Not a PRELU: full int8 writes each int8 PRELU in its float form (int8-float-binary.ts), which no island takes in
  // (MP-SENet's dense encoder: the PRelus and their norms' last ADDs stay int8).
  const isCand = ops.map((op, k) => !float.has(k) && ISLAND_OPS.has(op.opcode) && op.opcode !== 'PRELU' && op.outputs.length > 0
    && op.outputs.every((o) => t[o]?.type === 'FLOAT32' && !isConst(t[o]))
    && op.inputs.some((i) => i >= 0 && !isConst(t[i]))
    && op.inputs.every((i) => i < 0 || (isConst(t[i]) ? t[i].type === 'FLOAT32' || t[i].type === 'INT32' : t[i].type === 'FLOAT32')));
  const groups = groupsOf(ops, readers, isCand);
  const out = new Set<number>();
  for (const members of groups.values()) {
    const inside = new Set(members);
    const fromFloat = (i: number) => i < 0 || isConst(t[i]) || inside.has(producer.get(i) ?? -1)
      || (producer.get(i) === undefined ? sg.inputs.includes(i) : float.has(producer.get(i)!));
    const toFloat = (o: number) => {
      const r = (readers.get(o) ?? []).filter((j) => !inside.has(j));
      return sg.outputs.includes(o) ? r.length === 0 && (readers.get(o) ?? []).length === 0 : r.every((j) => float.has(j));
    };
    const leaves = members.some((k) => ops[k].outputs.some((o) => sg.outputs.includes(o) || (readers.get(o) ?? []).some((j) => !inside.has(j))));
    if (leaves && members.every((k) => ops[k].inputs.every(fromFloat) && ops[k].outputs.every(toFloat))) members.forEach((k) => out.add(k));
  }
  return out;
}
