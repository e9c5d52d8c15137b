// TFLite-level clean-up after conversion: activations fused into the op before them, dead ops and unused
// tensors removed, tensor indices compacted.
import type { ConvertContext } from './context';
import { compactTensors, producersOf, usesOf } from '../tflite/graph';

// Not CONCATENATION: LiteRT's kernel refuses a fused activation (concatenation.cc) and XNNPack ignores it; an
// activation after a CONCATENATION goes into the ops that make each of its inputs instead (a grouped Conv's
// per-group CONV_2Ds), or stays an op.
const FUSABLE = new Set(['ADD', 'SUB', 'MUL', 'DIV', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_3D', 'FULLY_CONNECTED',
  'AVERAGE_POOL_2D', 'MAX_POOL_2D']);
// Not TANH: LiteRT's ADD ignores a fused TANH and FULLY_CONNECTED computes garbage with it (checked on LiteRT.js).
const ACTIVATIONS: Record<string, string> = { RELU: 'RELU', RELU6: 'RELU6', RELU_N1_TO_1: 'RELU_N1_TO_1' };

/** One entry per input slot reading each tensor (an op reading it twice counts twice). */
function consumers(ctx: ConvertContext): Map<number, number[]> {
  return usesOf(ctx.operators);
}

// Ops that only view their input in another shape: an activation after one (a 1-D conv run as CONV_2D, then
// RESHAPE back to [N, L, C], then Relu: Silero VAD) goes into the op before it.
const VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);

/** Fuses RELU/RELU6/RELU_N1_TO_1 into the op that feeds them, when nothing else reads the op's output; also through a
 *  RESHAPE (or SQUEEZE / EXPAND_DIMS) read only by the activation, into the op making its input when that input is
 *  not an ONNX value (a converter-made tensor: no tap reads it as the value before the activation). Standalone, an
 *  int8 RELU is not delegated to XNNPack (TFLite's own kernel, and a delegate partition split around it). */
export function fuseActivations(ctx: ConvertContext, keep: Set<number>): void {
  const use = consumers(ctx);
  const producer = producersOf(ctx.operators);
  const removed = new Set<number>();
  let valueIndices: Set<number> | undefined;
  const isValue = (i: number) => (valueIndices ??= new Set([...ctx.convertedValues().map(([, r]) => r.index),
    ...ctx.aliasNames().map((n) => ctx.primaryOf(n)?.index ?? -1)])).has(i);
  ctx.operators.forEach((act, k) => {
    const fused = ACTIVATIONS[act.opcode];
    if (!fused) return;
    const t = act.inputs[0];
    const p = producer.get(t);
    if (p === undefined || removed.has(p)) return;
    const prev = ctx.operators[p];
    const tt = ctx.tensors[t].type;
    if (tt !== 'FLOAT32' && tt !== 'INT8' && tt !== 'UINT8') return;
    if (keep.has(t) || (use.get(t)?.length ?? 0) !== 1) return;
    if (VIEWS.has(prev.opcode) && fuseBeforeView(ctx, k, p, fused, { use, producer, removed, keep, isValue })) return;
    // Into each op that makes an input of a CONCATENATION: relu(concat(a, b)) = concat(relu(a), relu(b)).
    const into = prev.opcode === 'CONCATENATION' ? prev.inputs.map((i) => producer.get(i)) : [p];
    const fusable = (q: number | undefined, out: number) => q !== undefined && !removed.has(q) && FUSABLE.has(ctx.operators[q].opcode)
      && ctx.operators[q].outputs.length === 1 && (ctx.operators[q].options?.fusedActivationFunction ?? 'NONE') === 'NONE'
      && !keep.has(out) && (use.get(out)?.length ?? 0) === 1;
    if (!into.every((q, i) => fusable(q, prev.opcode === 'CONCATENATION' ? prev.inputs[i] : t))) return;
    if (prev.opcode === 'CONCATENATION' && new Set(prev.inputs).size !== prev.inputs.length) return;
    for (const q of into) ctx.operators[q!].options = { ...(ctx.operators[q!].options ?? {}), fusedActivationFunction: fused };
    prev.outputs = [act.outputs[0]];
    removed.add(k);
    producer.set(act.outputs[0], p);
  });
  if (removed.size) {
    const kept = ctx.operators.filter((_, k) => !removed.has(k));
    ctx.operators.length = 0;
    ctx.operators.push(...kept);
  }
}

/** relu(view(x)) = view(relu(x)): the activation `act` fused into the op making the input of the view `v`, which then
 *  writes the activation's output. False (nothing changed) when that op cannot take it. */
function fuseBeforeView(ctx: ConvertContext, act: number, v: number, fused: string, s: { use: Map<number, number[]>;
  producer: Map<number, number>; removed: Set<number>; keep: Set<number>; isValue: (i: number) => boolean }): boolean {
  const view = ctx.operators[v];
  const x = view.inputs[0];
  const q = s.producer.get(x);
  if (q === undefined || s.removed.has(q)) return false;
  const op = ctx.operators[q];
  if (!FUSABLE.has(op.opcode) || op.outputs.length !== 1 || (op.options?.fusedActivationFunction ?? 'NONE') !== 'NONE') return false;
  if (s.keep.has(x) || (s.use.get(x)?.length ?? 0) !== 1 || s.isValue(x) || ctx.tensors[x].type !== ctx.tensors[view.outputs[0]].type) return false;
  op.options = { ...(op.options ?? {}), fusedActivationFunction: fused };
  const y = ctx.operators[act].outputs[0];
  view.outputs = [y];
  s.removed.add(act);
  s.producer.set(y, v);
  return true;
}

/** Drops ops whose outputs nobody reads and tensors nobody references; returns old index → new index. */
export function pruneUnused(ctx: ConvertContext, inputs: number[], outputs: number[]): Map<number, number> {
  const graphOut = new Set(outputs);
  for (;;) {
    const use = consumers(ctx);
    const dead = ctx.operators.filter((op) => op.outputs.every((o) => !graphOut.has(o) && !use.has(o)));
    if (dead.length === 0) break;
    const deadSet = new Set(dead);
    const kept = ctx.operators.filter((op) => !deadSet.has(op));
    ctx.operators.length = 0;
    ctx.operators.push(...kept);
  }
  const { kept, remap } = compactTensors(ctx.tensors, ctx.operators, inputs, outputs);
  ctx.tensors.length = 0;
  ctx.tensors.push(...kept);
  return remap;
}

function producers(ctx: ConvertContext): Map<number, number> {
  return producersOf(ctx.operators);
}

function dropOps(ctx: ConvertContext, removed: Set<number>): void {
  if (removed.size === 0) return;
  const kept = ctx.operators.filter((_, k) => !removed.has(k));
  ctx.operators.length = 0;
  ctx.operators.push(...kept);
}

/** FULLY_CONNECTED without bias followed by ADD of a constant per-output vector: the vector becomes the bias. */
export function foldBiasAdds(ctx: ConvertContext, keep: Set<number>): void {
  const use = consumers(ctx);
  const prod = producers(ctx);
  const removed = new Set<number>();
  ctx.operators.forEach((add, k) => {
    if (add.opcode !== 'ADD') return;
    for (const side of [0, 1]) {
      const x = add.inputs[side];
      const c = ctx.tensors[add.inputs[1 - side]];
      const p = prod.get(x);
      if (p === undefined || removed.has(p) || !c?.data || c.type !== 'FLOAT32') continue;
      const fc = ctx.operators[p];
      if (fc.opcode !== 'FULLY_CONNECTED' || (fc.inputs[2] ?? -1) !== -1) continue;
      if ((fc.options?.fusedActivationFunction ?? 'NONE') !== 'NONE') continue;
      if (keep.has(x) || (use.get(x)?.length ?? 0) !== 1) continue;
      const outShape = ctx.tensors[x].shape;
      const n = outShape[outShape.length - 1];
      if (c.shape.reduce((a, b) => a * b, 1) !== n || c.shape.slice(0, -1).some((d) => d !== 1)) continue;
      if (ctx.tensors[add.outputs[0]].shape.join() !== outShape.join()) continue;
      const bias = ctx.constTensor({ name: `${ctx.tensors[fc.inputs[1]].name}/bias`, type: 'FLOAT32', shape: [n], data: c.data });
      fc.inputs = [fc.inputs[0], fc.inputs[1], bias];
      fc.outputs = [add.outputs[0]];
      fc.options = { ...(fc.options ?? {}), fusedActivationFunction: add.options?.fusedActivationFunction ?? 'NONE' };
      removed.add(k);
      prod.set(add.outputs[0], p);
      break;
    }
  });
  dropOps(ctx, removed);
}

/** RESHAPE of a RESHAPE reads the first one's input; a RESHAPE that keeps the shape disappears. */
export function collapseReshapes(ctx: ConvertContext, keep: Set<number>): void {
  const use = consumers(ctx);
  const prod = producers(ctx);
  for (const op of ctx.operators) {
    if (op.opcode !== 'RESHAPE') continue;
    for (;;) {
      const x = op.inputs[0];
      const p = prod.get(x);
      if (p === undefined || ctx.operators[p].opcode !== 'RESHAPE' || keep.has(x) || (use.get(x)?.length ?? 0) !== 1) break;
      op.inputs = [ctx.operators[p].inputs[0], op.inputs[1]];
      ctx.tensors[x] = { ...ctx.tensors[x] };
      use.set(x, []);
    }
  }
  const removed = new Set<number>();
  const rename = new Map<number, number>();
  ctx.operators.forEach((op, k) => {
    if (op.opcode !== 'RESHAPE') return;
    const [x] = op.inputs;
    const y = op.outputs[0];
    // (Dims known only at run time compare by shape_signature: their placeholder shapes say nothing.)
    const dims = (t: number) => (ctx.tensors[t].shapeSignature ?? ctx.tensors[t].shape).join();
    if (keep.has(y) || dims(x) !== dims(y)) return;
    rename.set(y, rename.get(x) ?? x);
    removed.add(k);
  });
  if (rename.size === 0) return;
  for (const op of ctx.operators) op.inputs = op.inputs.map((i) => rename.get(i) ?? i);
  dropOps(ctx, removed);
}

/** FULLY_CONNECTED with an omitted bias gets an explicit zero bias: some runtimes (Arm NN) reject the omission. */
export function explicitBiases(ctx: ConvertContext): void {
  for (const op of ctx.operators) {
    if (op.opcode !== 'FULLY_CONNECTED' || (op.inputs[2] ?? -1) !== -1) continue;
    const w = ctx.tensors[op.inputs[1]];
    if (!w || w.type !== 'FLOAT32' || ctx.tensors[op.inputs[0]].type !== 'FLOAT32') continue;
    const n = w.shape[0];
    op.inputs = [op.inputs[0], op.inputs[1], ctx.constFloat32(new Float32Array(n), [n], `${w.name}/zero_bias`)];
  }
}
