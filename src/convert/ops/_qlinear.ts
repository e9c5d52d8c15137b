// Shared lowering of ONNX's integer linear ops (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger): the 8-bit
// operands are dequantized to float32 values (constants folded here when operand, scale and zero point are all
// constant), the Conv / MatMul converter runs on those, and the float result is requantized (QLinear*) or rounded to
// int32 (*Integer). Integer accumulations are exact in float32 for the sizes such layers have (< 2^24); the model is
// not TFLite-quantized by this.
import type { Node } from '../../ir/types';
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { refuse } from '../types';
import type { Refusal } from '../types';
import { Emitter } from './_emit';
import { emitDequantize, emitQuantize } from './_qdq';

/** A float32 ONNX value holding (name - zp) · scale; `axis` places per-axis (vector) scale and zero point. */
export function dequantValue(e: Emitter, name: string, scale: string | undefined, zp: string | undefined, axis: number): string {
  const { ctx, node } = e;
  const key = `${node.name}/${name}__float`;
  const c = ctx.constant(name);
  const sc = scale ? ctx.constant(scale) : undefined;
  const zc = zp ? ctx.constant(zp) : undefined;
  if (c && (!scale || sc) && (!zp || zc)) {
    const v = toNumbers(c);
    const s = sc ? toNumbers(sc) : [1];
    const z = zc ? toNumbers(zc) : [0];
    const inner = c.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const ch = (i: number) => Math.floor(i / inner) % c.dims[axis];
    const pick = (arr: number[], i: number) => (arr.length === 1 ? arr[0] : arr[ch(i)]);
    ctx.constants.set(key, makeTensor(key, 'float32', [...c.dims], v.map((x, i) => (x - pick(z, i)) * pick(s, i))));
    return key;
  }
  const x = ctx.inputAny(name);
  ctx.declare(key, 'float32', ctx.shape(name));
  emitDequantize(e, x.index, x.perm, scale, zp, ctx.output(key, x.perm), axis);
  return key;
}

/** Runs `inner` (Conv or MatMul) on float operands as a node of its own; returns the float result's ONNX name. */
export function runFloat(ctx: ConvertContext, node: Node, inner: OpConverter, inputs: string[]): string {
  const y = `${node.name}/${node.outputs[0]}__float`;
  ctx.declare(y, 'float32', ctx.shape(node.outputs[0]));
  inner.convert({ ...node, opType: inner.op, inputs, outputs: [y] }, ctx);
  return y;
}

/** Writes the float result `yf` to the node's output: requantized with (scale, zp), or rounded to int32. */
export function finish(e: Emitter, yf: string, scale?: string, zp?: string): void {
  const { ctx, node } = e;
  const v = ctx.inputAny(yf);
  const out = ctx.output(node.outputs[0], v.perm);
  if (scale) emitQuantize(e, v.index, v.perm, scale, zp, out);
  else e.cast(e.un('ROUND', v.index), 'INT32', out);
}

/** Refusals shared by the integer conv ops: the float Conv's limits, 8-bit operands. */
export function checkIntConv(node: Node, ctx: ConvertContext, w: string): Refusal | undefined {
  const rank = ctx.rank(node.inputs[0]);
  if (rank !== 3 && rank !== 4) return refuse('rank', `${node.opType} on a rank-${rank} input is not supported; only 1-D and 2-D`);
  if (!['uint8', 'int8'].includes(ctx.dtype(node.inputs[0]))) return refuse('dtype', `${node.opType} on ${ctx.dtype(node.inputs[0])} is not supported`);
  const g = Number(node.attrs.get('group')?.value ?? 1);
  if (!ctx.isConstant(w) && (rank !== 4 || (g !== 1 && g !== ctx.shape(node.inputs[0])[1]))) {
    return refuse('computed-input', `${node.opType} with computed weights is supported only for 2-D convolutions with group 1 or depthwise; make the weights constant`);
  }
  return undefined;
}

export function checkIntMatMul(node: Node, ctx: ConvertContext): Refusal | undefined {
  if (ctx.rank(node.inputs[0]) < 2 || ctx.rank(node.inputs[node.opType === 'QLinearMatMul' ? 3 : 1]) < 2) {
    return refuse('rank', `${node.opType} with a 1-D operand is not supported; reshape it to 2-D`);
  }
  if (!['uint8', 'int8'].includes(ctx.dtype(node.inputs[0]))) return refuse('dtype', `${node.opType} on ${ctx.dtype(node.inputs[0])} is not supported`);
  return undefined;
}
