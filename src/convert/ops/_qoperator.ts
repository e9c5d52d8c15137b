// Shared lowering of onnxruntime's quantized operators (com.microsoft QLinearAdd / Mul / Sigmoid / LeakyRelu /
// AveragePool / GlobalAveragePool / Concat / Where, QGemm, DynamicQuantizeMatMul, MatMulIntegerToFloat): as QLinearConv
// (_qlinear.ts), the 8-bit operands are dequantized to float32 (constants folded), the float op's converter runs
// on them, and the result is requantized with the output's scale and zero point (or left float where the op
// dequantizes). onnxruntime computes the same values with integer kernels and lookup tables; a value on a rounding
// boundary may land one step apart.
import type { AttrValue, Node } from '../../ir/types';
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { ConvertContext } from '../context';
import type { OpConverter, Refusal } from '../types';
import { refuse } from '../types';
import { Emitter } from './_emit';
import { dequantValue, finish } from './_qlinear';

/** The TFLite ops a QOperator lowering writes beside its float op's. */
export const QOP_EMITS = ['CAST', 'SUB', 'MUL', 'DIV', 'ROUND', 'ADD', 'MAXIMUM', 'MINIMUM'];

/** An operand: the quantized value, its scale and zero point (input names; '' when omitted). */
export type Operand = [x: string, scale: string, zp: string];

/** Refuses 8-bit operands of other types and scales or zero points that are not per-tensor (except `perAxis`). */
export function checkOperands(node: Node, ctx: ConvertContext, operands: Operand[], perAxis: string[] = []): Refusal | undefined {
  for (const [x, s, z] of operands) {
    const t = ctx.dtype(x);
    if (t !== 'uint8' && t !== 'int8') return refuse('dtype', `${node.opType} on ${t} input ${x} is not supported (uint8, int8 only)`);
    for (const p of [s, z]) {
      if (p && !perAxis.includes(x) && ctx.shape(p).reduce((a, b) => a * b, 1) !== 1) {
        return refuse('unsupported', `${node.opType} with a per-axis scale or zero point on ${x} is not supported`);
      }
    }
  }
  return undefined;
}

/**
 * Runs `inner` on `lead` inputs as they are (Where's condition), the dequantized operands (each dequantized along
 * `axes[i]`, 1 by default) and `extra` float inputs, with `attrs`, and writes the node's first output: requantized
 * with (ys, yz), or float when ys is absent.
 */
export function lowerQuantized(node: Node, ctx: ConvertContext, inner: OpConverter, operands: Operand[], ys: string | undefined,
  yz: string | undefined, opts: { attrs?: Map<string, AttrValue>; extra?: string[]; axes?: number[]; lead?: string[] } = {}): void {
  const e = new Emitter(ctx, node);
  const inputs = operands.map(([x, s, z], i) => dequantValue(e, x, s || undefined, z || undefined, opts.axes?.[i] ?? 1));
  const y = node.outputs[0];
  const out = ys ? `${node.name}/${y}__float` : y;
  if (ys) ctx.declare(out, 'float32', ctx.shape(y));
  inner.convert({ ...node, opType: inner.op, domain: '', attrs: opts.attrs ?? node.attrs, inputs: [...(opts.lead ?? []), ...inputs, ...(opts.extra ?? [])], outputs: [out] }, ctx);
  if (ys) finish(e, out, ys, yz || undefined);
}

/** The node's attributes without `drop`. */
export function attrsWithout(node: Node, ...drop: string[]): Map<string, AttrValue> {
  return new Map([...node.attrs].filter(([k]) => !drop.includes(k)));
}

/**
 * A constant int32 (or float) bias in the accumulator's units, as float32: value · scale · colScale[j] (colScale
 * per output column, or one value). Returns the new constant's name.
 */
export function floatBias(ctx: ConvertContext, node: Node, b: string, scale: number, colScale: number[]): string {
  const key = `${node.name}/${b}__float`;
  const c = ctx.constant(b)!;
  const n = c.dims.length ? c.dims[c.dims.length - 1] : 1;
  ctx.constants.set(key, makeTensor(key, 'float32', [...c.dims], toNumbers(c).map((v, i) => v * scale * (colScale.length === 1 ? colScale[0] : colScale[i % n]))));
  return key;
}

/** A constant per-tensor scalar's value. */
export function scalarOf(ctx: ConvertContext, name: string): number | undefined {
  const c = ctx.constant(name);
  return c && c.data.length === 1 ? toNumbers(c)[0] : undefined;
}
