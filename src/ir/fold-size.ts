/** How big a constant fold may get: ops that never grow their largest input, and ops whose output size is an input value. */
import { norm } from './fold-kernels';
import { Node, Tensor, elementCount } from './types';
import type { V } from './fold-kernels';

/** A numeric attribute (int or float), or `def`. */
export function numAttr(n: Node, name: string, def: number): number {
  const a = n.attrs.get(name);
  return a && (a.type === 'int' || a.type === 'float') ? a.value : def;
}

/** Ops whose outputs are never bigger than their largest input. */
const SIZE_KEEPING = new Set(['Identity', 'Cast', 'CastLike', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Slice', 'Split',
  'DequantizeLinear', 'QuantizeLinear', 'Clip', 'Trilu', 'ReduceProd', 'ReduceSum', 'ReduceMin', 'ReduceMax', 'ReduceL1', 'ReduceL2',
  'ReduceSumSquare', 'ReduceMean', 'ReduceLogSum', 'ReduceLogSumExp']);
/** Elementwise ops: never bigger than their largest input when broadcasting adds no element. */
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Mod', 'Pow', 'Neg', 'Abs', 'Relu', 'Floor', 'Ceil', 'Sqrt', 'Sin', 'Cos', 'Atan',
  'Exp', 'Log', 'Tanh', 'Sigmoid', 'Reciprocal', 'Not', 'Sign', 'Softplus', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual',
  'And', 'Or', 'Where', 'Min', 'Max', 'Sum']);

export function neverGrows(node: Node, inputs: (Tensor | undefined)[]): boolean {
  if (SIZE_KEEPING.has(node.opType)) return true;
  if (!ELEMENTWISE.has(node.opType)) return false;
  const ts = inputs.filter((t): t is Tensor => !!t);
  const rank = Math.max(0, ...ts.map((t) => t.dims.length));
  let out = 1;
  for (let i = 0; i < rank; i++) out *= Math.max(...ts.map((t) => t.dims[t.dims.length - rank + i] ?? 1));
  return out <= Math.max(0, ...ts.map((t) => elementCount(t.dims)));
}

/** Refuses ops whose output size is set by an input value (ConstantOfShape, Expand, Tile, Range) when too big. */
export function wouldFit(node: Node, ins: (V | undefined)[], max: number): boolean {
  const shapeIn = node.opType === 'ConstantOfShape' ? ins[0] : node.opType === 'Expand' ? ins[1] : undefined;
  if (shapeIn && shapeIn.v.reduce((a, b) => a * Math.max(b, 1), 1) > max) return false;
  if (node.opType === 'Tile' && ins[0] && ins[1] && elementCount(ins[0].dims) * ins[1].v.reduce((a, b) => a * b, 1) > max) return false;
  if (node.opType === 'Range' && ins[0] && ins[1] && ins[2] && Math.abs((ins[1].v[0] - ins[0].v[0]) / ins[2].v[0]) > max) return false;
  if (node.opType === 'Gather' && ins[0] && ins[1]) {
    const d = ins[0].dims[norm(numAttr(node, 'axis', 0), ins[0].dims.length)] || 1;
    if ((ins[0].v.length / d) * ins[1].v.length > max) return false;
  }
  return ins.reduce((n, v) => n + (v ? v.v.length : 0), 0) <= max * 4;
}
