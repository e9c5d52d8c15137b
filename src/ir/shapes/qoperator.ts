// onnxruntime's quantized operators (com.microsoft: what `quantize_static(..., QOperator)` and the optimizer on a
// dynamically quantized model write): each one's shape is its float op's over the quantized operands, with the
// output's element type from its zero point (uint8 when absent) or float32 where the op dequantizes.
import type { DType } from '../types';
import { OutInfo, ShapeCtx, attrInt, register, shapeFn } from './context';

/** `c` seen through a list of its inputs (input i of the view is input idx[i] of the node). */
function view(c: ShapeCtx, idx: number[]): ShapeCtx {
  const at = (i: number) => (i < idx.length ? idx[i] : -1);
  return {
    node: c.node, opset: c.opset, namer: c.namer, count: idx.length,
    has: (i) => at(i) >= 0 && c.has(at(i)),
    dtype: (i) => (at(i) >= 0 ? c.dtype(at(i)) : undefined),
    shape: (i) => (at(i) >= 0 ? c.shape(at(i)) : undefined),
    value: (i) => (at(i) >= 0 ? c.value(at(i)) : undefined),
    dims: (i) => (at(i) >= 0 ? c.dims(at(i)) : undefined),
    attr: (name) => c.attr(name),
    subgraph: (g, ins) => c.subgraph(g, ins),
    warn: (m) => c.warn(m),
  };
}

/** The float op's shape over inputs `idx`, with element type `dtype`. */
function asFloatOp(op: string, idx: number[], dtype: (c: ShapeCtx) => DType | undefined) {
  return (c: ShapeCtx): OutInfo[] => {
    const [out] = shapeFn('', op)!(view(c, idx));
    return [{ shape: out?.shape, dtype: dtype(c) }];
  };
}
const zpType = (i: number) => (c: ShapeCtx): DType => (c.has(i) ? c.dtype(i) ?? 'uint8' : 'uint8');
const float = (): DType => 'float32';

register(['QLinearAdd', 'QLinearMul'], asFloatOp('Add', [0, 3], zpType(7)), 'com.microsoft');
register(['QLinearSigmoid', 'QLinearLeakyRelu', 'QLinearSoftmax'], asFloatOp('Relu', [0], zpType(4)), 'com.microsoft');
register('QLinearAveragePool', asFloatOp('AveragePool', [0], zpType(4)), 'com.microsoft');
register('QLinearWhere', asFloatOp('Where', [0, 1, 4], zpType(8)), 'com.microsoft');
// channels_last = 1: an NHWC input [N, H, W, C] averaged to [N, 1, 1, C].
register('QLinearGlobalAveragePool', (c) => (attrInt(c, 'channels_last', 0) === 1
  ? [{ shape: c.shape(0)?.map((d, i, a) => (i === 0 || i === a.length - 1 ? d : 1)), dtype: zpType(4)(c) }]
  : asFloatOp('GlobalAveragePool', [0], zpType(4))(c)), 'com.microsoft');
register('QLinearConcat', (c) => asFloatOp('Concat', [...Array(Math.floor((c.count - 2) / 3)).keys()].map((k) => 2 + 3 * k), zpType(1))(c),
  'com.microsoft');
register('QGemm', (c) => asFloatOp('Gemm', [0, 3], (cc) => (cc.has(7) ? zpType(8)(cc) : 'float32'))(c), 'com.microsoft');
register('DynamicQuantizeMatMul', asFloatOp('MatMul', [0, 1], float), 'com.microsoft');
register('MatMulIntegerToFloat', asFloatOp('MatMul', [0, 1], float), 'com.microsoft');
register('QAttention', (c) => shapeFn('com.microsoft', 'Attention')!(view(c, [0, 1, 2, 5, 8])).map((o) => ({ ...o, dtype: 'float32' as DType })),
  'com.microsoft');
// onnxruntime's block-quantized weights: A [..., K] × W [K, N] (N an attribute).
register('MatMulNBits', (c) => [{ shape: c.shape(0) && [...c.shape(0)!.slice(0, -1), attrInt(c, 'N') ?? c.namer.make()], dtype: c.dtype(0) }], 'com.microsoft');
// GatherBlockQuantized: rows of the (unpacked) table along axis 0, float32 (the scales' type).
register('GatherBlockQuantized', (c) => {
  const d = c.shape(0);
  const i = c.shape(1);
  const packed = c.dtype(0) === 'uint8';
  const cols = d?.[d.length - 1];
  const rows = d && i ? [...i, ...d.slice(1, -1), packed && typeof cols === 'number' ? cols * 2 : cols!] : undefined;
  return [{ shape: rows, dtype: c.dtype(2) }];
}, 'com.microsoft');
