// TFLite-level clean-up of quantized models' float round trips (QDQ pairs, onnxruntime's QOperator ops: both
// computed in float32 by ops/_qdq.ts and ops/_qoperator.ts): a quantize ends in MINIMUM(MAXIMUM(x, lo), hi) and a
// CAST to the 8-bit type, and the next dequantize starts with a CAST back to float32. Such a value is an integer in
// the 8-bit range already, so the CAST pair is exact and the dequantize reads the clamped float directly (two ops per
// boundary: a QOperator CNN 159 → 135 ops). The 8-bit CAST stays when something else reads it (a model output, a
// MAX_POOL_2D on uint8).
import type { ConvertContext } from './context';
import { producersOf } from '../tflite/graph';

const RANGE: Record<string, [number, number]> = { UINT8: [0, 255], INT8: [-128, 127] };

/** The value of a one-element FLOAT32 constant, else undefined. */
function scalarValue(ctx: ConvertContext, t: number): number | undefined {
  const x = ctx.tensors[t];
  if (!x.data || x.type !== 'FLOAT32' || x.data.length !== 4) return undefined;
  return new DataView(x.data.buffer, x.data.byteOffset, 4).getFloat32(0, true);
}

/** `a` is MINIMUM(MAXIMUM(·, lo), hi) (either order of operands) with the constants of `type`'s range. */
function clampedTo(ctx: ConvertContext, prod: Map<number, number>, a: number, type: string): boolean {
  const [lo, hi] = RANGE[type];
  const bound = (k: number | undefined, opcode: string, v: number): number | undefined => {
    const op = k === undefined ? undefined : ctx.operators[k];
    if (!op || op.opcode !== opcode || op.inputs.length !== 2) return undefined;
    const j = op.inputs.findIndex((t) => scalarValue(ctx, t) === v);
    return j < 0 ? undefined : op.inputs[1 - j];
  };
  const inner = bound(prod.get(a), 'MINIMUM', hi);
  return inner !== undefined && bound(prod.get(inner), 'MAXIMUM', lo) !== undefined;
}

export function collapseCastRoundTrips(ctx: ConvertContext, keep: Set<number>): void {
  const prod = producersOf(ctx.operators);
  const rename = new Map<number, number>();
  const removed = new Set<number>();
  ctx.operators.forEach((op, k) => {
    if (op.opcode !== 'CAST') return;
    const [b] = op.inputs;
    const [c] = op.outputs;
    const bt = ctx.tensors[b].type;
    if (!RANGE[bt] || ctx.tensors[c].type !== 'FLOAT32' || keep.has(c)) return;
    const k1 = prod.get(b);
    const first = k1 === undefined ? undefined : ctx.operators[k1];
    if (!first || first.opcode !== 'CAST' || ctx.tensors[first.inputs[0]].type !== 'FLOAT32') return;
    const a = first.inputs[0];
    if (!clampedTo(ctx, prod, a, bt)) return;
    rename.set(c, a);
    removed.add(k);
  });
  if (!removed.size) return;
  for (const op of ctx.operators) op.inputs = op.inputs.map((i) => rename.get(i) ?? i);
  const kept = ctx.operators.filter((_, k) => !removed.has(k));
  ctx.operators.length = 0;
  ctx.operators.push(...kept);
}
