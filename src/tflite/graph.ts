// Walks over a TFLite op list for the code that rewrites one: who produces and who reads each tensor, which tensors
// are still referenced (and their new indices once the others are dropped), and how many ops of each kind there
// are. The converter's clean-up (src/convert/fuse.ts, convert.ts) and the quantizer (src/quantize/graph.ts) share
// them.
import type { TflOperator, TflTensor } from './model';

/** A tensor with data in the file (a weight, a bias, a shape), not one the graph computes. */
export function isConst(t: TflTensor): boolean {
  return t.data !== undefined && t.data.byteLength > 0;
}

/** Tensor index → the ops that read it (each op once, in op order). */
export function consumersOf(ops: readonly TflOperator[]): Map<number, number[]> {
  const use = new Map<number, number[]>();
  ops.forEach((op, k) => {
    for (const i of op.inputs) {
      if (i < 0) continue;
      const l = use.get(i) ?? [];
      if (l[l.length - 1] !== k) l.push(k);
      use.set(i, l);
    }
  });
  return use;
}

/** Tensor index → one entry per input slot that reads it (an op reading it twice is there twice). */
export function usesOf(ops: readonly TflOperator[]): Map<number, number[]> {
  const use = new Map<number, number[]>();
  ops.forEach((op, k) => {
    for (const i of op.inputs) {
      if (i < 0) continue;
      const l = use.get(i) ?? [];
      l.push(k);
      use.set(i, l);
    }
  });
  return use;
}

/** Tensor index → the op that writes it. */
export function producersOf(ops: readonly TflOperator[]): Map<number, number> {
  const p = new Map<number, number>();
  ops.forEach((op, k) => op.outputs.forEach((o) => p.set(o, k)));
  return p;
}

/** How many ops of each kind (builtin name) the list holds. */
export function opHistogram(ops: readonly TflOperator[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const op of ops) h[op.opcode] = (h[op.opcode] ?? 0) + 1;
  return h;
}

/** The tensors that the ops, `inputs` or `outputs` reference, in order (`kept`), with the ops' indices rewritten to
 *  them; `remap`: old index → new index for the caller's other references. `tensors` itself is left as it is. */
export function compactTensors(tensors: readonly TflTensor[], ops: readonly TflOperator[], inputs: readonly number[],
  outputs: readonly number[]): { kept: TflTensor[]; remap: Map<number, number> } {
  const used = new Set<number>([...inputs, ...outputs]);
  for (const op of ops) {
    for (const i of op.inputs) if (i >= 0) used.add(i);
    for (const o of op.outputs) used.add(o);
  }
  const remap = new Map<number, number>();
  const kept: TflTensor[] = [];
  tensors.forEach((t, i) => { if (used.has(i)) { remap.set(i, kept.length); kept.push(t); } });
  for (const op of ops) {
    op.inputs = op.inputs.map((i) => (i < 0 ? -1 : remap.get(i)!));
    op.outputs = op.outputs.map((o) => remap.get(o)!);
  }
  return { kept, remap };
}

/** Constants up to this many bytes are compared for sharing one tensor. */
const SHARE_CONSTANTS_UP_TO = 4096;

/** Ops read one tensor for equal constants (same type, shape, quantization and bytes; neither variables nor the
 *  tensors in `keep`, the model's inputs and outputs) that `shareable` accepts; the copies are left unread for
 *  compactTensors to drop. What a tensor costs (its table, name and parameters) matters next to small constants;
 *  large equal ones are rare. Returns how many were shared. */
export function shareEqualConstants(tensors: readonly TflTensor[], ops: readonly TflOperator[], keep: ReadonlySet<number>,
  shareable: (t: TflTensor) => boolean = () => true): number {
  const first = new Map<string, number>();
  const same = new Map<number, number>();
  tensors.forEach((t, i) => {
    if (!isConst(t) || t.isVariable || keep.has(i) || t.data!.byteLength > SHARE_CONSTANTS_UP_TO || !shareable(t)) return;
    const key = JSON.stringify([t.type, t.shape, t.quantization ?? null, Buffer.from(t.data!.buffer, t.data!.byteOffset, t.data!.byteLength).toString('base64')]);
    const have = first.get(key);
    if (have === undefined) first.set(key, i); else same.set(i, have);
  });
  if (same.size) for (const op of ops) op.inputs = op.inputs.map((i) => same.get(i) ?? i);
  return same.size;
}
