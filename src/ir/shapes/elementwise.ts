// Elementwise ops: unary (same shape and dtype), broadcasting binary/variadic, comparisons, casts, activations.
import { ONNX_DTYPES } from '../tensor';
import { DType } from '../types';
import { OutInfo, ShapeCtx, attrInt, attrInts, like, register } from './context';
import { broadcastShapes } from './dims';

const UNARY = [
  'Abs', 'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'Ceil', 'Celu', 'Cos', 'Cosh', 'Elu', 'Erf', 'Exp',
  'Floor', 'HardSigmoid', 'HardSwish', 'Hardmax', 'Identity', 'LeakyRelu', 'Log', 'LogSoftmax', 'Neg', 'Reciprocal',
  'Relu', 'Round', 'Selu', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Softmax', 'Softplus', 'Softsign', 'Sqrt',
  'Tan', 'Tanh', 'ThresholdedRelu', 'Not', 'Clip', 'LRN', 'MeanVarianceNormalization', 'InstanceNormalization',
  'CumSum', 'Trilu', 'ReverseSequence', 'Mish', 'Gelu', 'Scatter', 'ScatterElements', 'ScatterND', 'Erf',
  'BitwiseNot', 'LpNormalization', 'Swish', 'GroupNormalization', 'RMSNormalization', 'ImageScaler', 'RotaryEmbedding', 'TensorScatter',
];
register(UNARY, (c) => [like(c)]);
register(['IsInf', 'IsNaN', 'RegexFullMatch'], (c) => [like(c, 0, 'bool')]);
// Common onnxruntime contrib ops (com.microsoft) that keep their input's shape.
register(['Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'SimplifiedLayerNormalization', 'BiasAdd', 'RotaryEmbedding', 'Trilu', 'Inverse'], (c) => [like(c)],
  'com.microsoft');
// onnxruntime's RMSNorm in the default domain (what its optimizer writes): Y, then inv_std_var (kept dims).
register('SimplifiedLayerNormalization', (c) => {
  const x = like(c);
  const axis = attrInt(c, 'axis', -1);
  const r = x.shape?.length ?? 0;
  const a = axis < 0 ? axis + r : axis;
  return [x, { dtype: 'float32', shape: x.shape ? x.shape.map((d, i) => (i >= a ? 1 : d)) : undefined }];
});
// Skip(Simplified)LayerNormalization: output, mean and inv_std_var (the last axis kept as 1), the residual sum.
register(['SkipLayerNormalization', 'SkipSimplifiedLayerNormalization'], (c) => {
  const x = like(c);
  const stat = { dtype: 'float32' as DType, shape: x.shape ? [...x.shape.slice(0, -1), 1] : undefined };
  return [x, stat, stat, like(c)];
}, 'com.microsoft');

/** Output dtype and broadcast shape of inputs `idx` (every given input by default). */
export function broadcastOf(c: ShapeCtx, dtype: DType | undefined, idx?: number[]): OutInfo {
  const ids = idx ?? [...Array(c.count).keys()].filter((i) => c.has(i));
  const shapes = ids.map((i) => c.shape(i));
  if (shapes.some((s) => !s)) return { dtype };
  return { dtype, shape: broadcastShapes(shapes as NonNullable<(typeof shapes)[number]>[], c.namer) };
}

/** Opsets < 7: `broadcast = 1` broadcasts B onto A (B's dims at A's `axis`), and PRelu's slope onto X: A's shape. */
function legacy(c: ShapeCtx): boolean {
  return c.opset < 7 && (attrInt(c, 'broadcast', 0) === 1 || c.node.opType === 'PRelu');
}

register(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'PRelu', 'BitShift', 'Max', 'Min', 'Mean', 'Sum',
  'BitwiseAnd', 'BitwiseOr', 'BitwiseXor'], (c) => [legacy(c) ? like(c) : broadcastOf(c, c.dtype(0))]);
register('StringConcat', (c) => [broadcastOf(c, 'string')]);
register(['And', 'Or', 'Xor', 'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual'],
  (c) => [legacy(c) ? like(c, 0, 'bool') : broadcastOf(c, 'bool')]);
register('Where', (c) => [broadcastOf(c, c.dtype(1) ?? c.dtype(2))]);

export function castType(c: ShapeCtx, name = 'to', def?: DType): DType | undefined {
  const code = attrInt(c, name);
  return code === undefined ? def : ONNX_DTYPES[code];
}

register('Cast', (c) => [like(c, 0, castType(c))]);
register('CastLike', (c) => [like(c, 0, c.dtype(1))]);
register('Dropout', (c) => [like(c), like(c, 0, 'bool')]);
register('BatchNormalization', (c) => {
  const mean = like(c, 3);
  return [like(c), mean, like(c, 4), mean, like(c, 4)];
});
register('LayerNormalization', (c) => {
  const s = c.shape(0);
  const axis = attrInt(c, 'axis', -1);
  const statType = castType(c, 'stash_type', 'float32');
  if (!s) return [like(c), { dtype: statType }, { dtype: statType }];
  const a = axis < 0 ? axis + s.length : axis;
  const stat = s.map((d, i) => (i < a ? d : 1));
  return [like(c), { dtype: statType, shape: stat }, { dtype: statType, shape: stat }];
});
register(['RandomUniformLike', 'RandomNormalLike', 'Bernoulli'], (c) => [like(c, 0, castType(c, 'dtype') ?? c.dtype(0))]);
register(['RandomNormal', 'RandomUniform'], (c) => [{ dtype: castType(c, 'dtype', 'float32'), shape: attrInts(c, 'shape') }]);
register('EyeLike', (c) => [like(c, 0, castType(c, 'dtype') ?? c.dtype(0))]);
for (const domain of ['', 'com.microsoft']) {
  register('DequantizeLinear', (c) => [like(c, 0, c.dtype(1) ?? 'float32')], domain);
  register('QuantizeLinear', (c) => [like(c, 0, c.has(2) ? c.dtype(2) : 'uint8')], domain);
}
register('DynamicQuantizeLinear', (c) => [like(c, 0, 'uint8'), { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }]);

// Training ops (ai.onnx.preview.training): each output has the shape of the input it updates.
const training = (per: number) => (c: ShapeCtx) => {
  const n = (c.count - 2) / per;
  const outs: OutInfo[] = [];
  for (let j = 0; j < (per - 1) * n; j++) outs.push(like(c, j < n ? 2 + j : 2 + n + j));
  return outs;
};
register(['Adagrad', 'Momentum'], training(3), 'ai.onnx.preview.training');
register('Adam', training(4), 'ai.onnx.preview.training');
