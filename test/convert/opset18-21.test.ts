// The opset 18-21 forms newer exporters write (torch.onnx dynamo / onnxscript, onnxruntime's block-wise quantizer),
// each converted and run on LiteRT against onnxruntime-node: Reduce* with axes as an input, Split's num_outputs, Pad's
// axes and wrap mode (19), Resize's antialias and keep_aspect_ratio_policy (18) and half_pixel_symmetric (19), GroupNormalization 18 / 21, LayerNormalization's mean and
// inverse std outputs, ScatterND / ScatterElements reduction max / min / mul (18), Mish, CenterCropPad, Col2Im, AffineGrid, DFT's axis input, Gelu, block-wise DequantizeLinear (int8, int4) of constant weights; and
// BitwiseXor / BitwiseNot; the refusals of what has no TFLite form, in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { ConvertError } from '../../src/convert/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { makeTensor } from '../../src/ir/tensor';
import type { DType, Model, Tensor } from '../../src/ir/types';
import { convertAndMatch, matchBuilt, waveValues } from '../helpers/match';
import { encodeModel } from '../../src/onnx/writer';

const i64 = (n: string, v: number[]) => tensor(n, 'int64', [v.length], v);
const f32 = (n: string, dims: number[], seed: number) => makeTensor(n, 'float32', dims, waveValues(dims.reduce((a, b) => a * b, 1), seed));
type In = [string, DType, number[]];
const one = (op: string, x: In, consts: Tensor[], attrs: Record<string, number | string | number[]>, opset: number, more: string[] = [], outs = ['y']): Model =>
  buildModel({ inputs: [x], outputs: outs, opset, initializers: consts, nodes: [node(op, [x[0], ...more], outs, attrs, 'n')] });

const X4: In = ['x', 'float32', [1, 2, 10, 13]];
const CASES: [string, () => Model][] = [
  ['ReduceMean 18, axes input', () => one('ReduceMean', ['x', 'float32', [2, 3, 4]], [i64('ax', [-1, 1])], { keepdims: 0 }, 18, ['ax'])],
  ['ReduceL2 18, no axes', () => one('ReduceL2', ['x', 'float32', [2, 3, 4]], [], {}, 18)],
  ['Split 18, num_outputs uneven', () => one('Split', ['x', 'float32', [2, 7]], [], { axis: 1, num_outputs: 3 }, 18, [], ['a', 'b', 'c'])],
  ['Pad 19, axes, reflect', () => one('Pad', ['x', 'float32', [1, 3, 4, 5]], [i64('p', [1, 2, 2, 1]), i64('ax', [2, -1])], { mode: 'reflect' }, 19, ['p', '', 'ax'])],
  ['Pad 19, wrap, after a conv (channel-last)', () => buildModel({ inputs: [['x', 'float32', [1, 3, 5, 6]]], outputs: ['y'], opset: 19,
    initializers: [f32('w', [4, 3, 3, 3], 2), i64('p', [0, 0, 1, 2, 0, 0, 2, 1])],
    nodes: [node('Conv', ['x', 'w'], ['c'], {}, 'conv'), node('Pad', ['c', 'p'], ['y'], { mode: 'wrap' }, 'n')] })],
  ['Resize 18, antialias linear, shrink by sizes', () => one('Resize', X4, [i64('sz', [1, 2, 3, 4])], { mode: 'linear', antialias: 1 }, 18, ['', '', 'sz'])],
  ['Resize 18, antialias cubic (torch antialias=True)', () => one('Resize', X4, [i64('sz', [1, 2, 4, 5])],
    { mode: 'cubic', antialias: 1, cubic_coeff_a: -0.5, coordinate_transformation_mode: 'pytorch_half_pixel' }, 18, ['', '', 'sz'])],
  ['Resize 18, antialias linear, enlarge', () => one('Resize', ['x', 'float32', [1, 2, 4, 4]], [tensor('s', 'float32', [4], [1, 1, 2.5, 1.5])], { mode: 'linear', antialias: 1 }, 18, ['', 's'])],
  ['Resize 18, keep_aspect_ratio_policy not_larger', () => one('Resize', ['x', 'float32', [1, 2, 5, 7]], [i64('sz', [8, 8])],
    { mode: 'linear', keep_aspect_ratio_policy: 'not_larger', axes: [2, 3] }, 18, ['', '', 'sz'])],
  ['Resize 18, keep_aspect_ratio_policy not_smaller', () => one('Resize', ['x', 'float32', [1, 2, 4, 6]], [i64('sz', [8, 8])],
    { mode: 'nearest', keep_aspect_ratio_policy: 'not_smaller', axes: [2, 3] }, 18, ['', '', 'sz'])],
  ['Resize 19, half_pixel_symmetric, linear, scales rounding the size down', () => one('Resize', ['x', 'float32', [1, 2, 5, 7]], [tensor('s', 'float32', [4], [1, 1, 1.7, 0.6])],
    { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' }, 19, ['', 's'])],
  ['Resize 19, half_pixel_symmetric, nearest', () => one('Resize', ['x', 'float32', [1, 2, 5, 7]], [tensor('s', 'float32', [4], [1, 1, 1.7, 2.3])],
    { mode: 'nearest', coordinate_transformation_mode: 'half_pixel_symmetric' }, 19, ['', 's'])],
  ['Resize 19, half_pixel_symmetric, cubic', () => one('Resize', ['x', 'float32', [1, 2, 5, 7]], [tensor('s', 'float32', [4], [1, 1, 1.7, 0.6])],
    { mode: 'cubic', coordinate_transformation_mode: 'half_pixel_symmetric' }, 19, ['', 's'])],
  ['ScatterND 18, reduction max', () => one('ScatterND', ['x', 'float32', [4, 3]], [tensor('ix', 'int64', [2, 1], [1, 3]), f32('u', [2, 3], 6)], { reduction: 'max' }, 18, ['ix', 'u'])],
  ['ScatterND 18, reduction min, slices, a negative index', () => one('ScatterND', ['x', 'float32', [4, 3, 2]], [tensor('ix', 'int64', [2, 1], [-1, 0]), f32('u', [2, 3, 2], 6)], { reduction: 'min' }, 18, ['ix', 'u'])],
  ['ScatterElements 18, reduction min', () => one('ScatterElements', ['x', 'float32', [4, 3]], [tensor('ix', 'int64', [1, 3], [1, 3, 0]), f32('u', [1, 3], 6)], { reduction: 'min', axis: 0 }, 18, ['ix', 'u'])],
  ['ScatterElements 18, reduction mul, axis 1', () => one('ScatterElements', ['x', 'float32', [3, 4]], [tensor('ix', 'int64', [3, 2], [0, 3, 1, 2, -1, 0]), f32('u', [3, 2], 6)], { reduction: 'mul', axis: 1 }, 18, ['ix', 'u'])],
  ['GroupNormalization 18 (per group)', () => one('GroupNormalization', ['x', 'float32', [1, 4, 3, 3]], [f32('sc', [2], 5), f32('b', [2], 6)], { num_groups: 2 }, 18, ['sc', 'b'])],
  ['GroupNormalization 21 (per channel)', () => one('GroupNormalization', ['x', 'float32', [1, 4, 3, 3]], [f32('sc', [4], 5), f32('b', [4], 6)], { num_groups: 2 }, 21, ['sc', 'b'])],
  ['LayerNormalization, mean and inv std outputs', () => one('LayerNormalization', ['x', 'float32', [2, 3, 4]], [f32('sc', [4], 5), f32('b', [4], 6)], {}, 18, ['sc', 'b'], ['y', 'mean', 'istd'])],
  ['Mish 18', () => one('Mish', ['x', 'float32', [2, 8]], [], {}, 18)],
  ['CenterCropPad 18, crop and pad', () => one('CenterCropPad', ['x', 'float32', [1, 3, 7, 4]], [i64('s', [1, 3, 4, 9])], {}, 18, ['s'])],
  ['CenterCropPad 18 after a conv (channel-last)', () => buildModel({ inputs: [['x', 'float32', [1, 3, 7, 6]]], outputs: ['y'], opset: 18,
    initializers: [f32('w', [4, 3, 3, 3], 2), i64('s', [5, 9])],
    nodes: [node('Conv', ['x', 'w'], ['c'], {}, 'conv'), node('CenterCropPad', ['c', 's'], ['y'], { axes: [2, 3] }, 'n')] })],
  ['Col2Im 18 (nn.Fold)', () => one('Col2Im', ['x', 'float32', [1, 8, 9]], [i64('is', [4, 4]), i64('bs', [2, 2])], {}, 18, ['is', 'bs'])],
  ['Col2Im 18, strides, dilations, pads', () => one('Col2Im', ['x', 'float32', [2, 12, 18]], [i64('is', [6, 7]), i64('bs', [2, 3])],
    { strides: [2, 1], dilations: [2, 1], pads: [0, 1, 1, 0] }, 18, ['is', 'bs'])],
  ['Col2Im 18, rows no block reaches', () => one('Col2Im', ['x', 'float32', [1, 8, 6]], [i64('is', [7, 5]), i64('bs', [2, 2])], { strides: [2, 2] }, 18, ['is', 'bs'])],
  ['AffineGrid 20, 2-D, align_corners', () => one('AffineGrid', ['th', 'float32', [2, 2, 3]], [i64('sz', [2, 3, 4, 5])], { align_corners: 1 }, 20, ['sz'])],
  ['AffineGrid 20, 3-D', () => one('AffineGrid', ['th', 'float32', [2, 3, 4]], [i64('sz', [2, 3, 2, 4, 5])], {}, 20, ['sz'])],
  ['DFT 20, axis and dft_length inputs', () => one('DFT', ['x', 'float32', [1, 8, 1]], [tensor('len', 'int64', [], [10]), tensor('ax', 'int64', [], [1])], { onesided: 1 }, 20, ['len', 'ax'])],
  ['Gelu 20, tanh', () => one('Gelu', ['x', 'float32', [2, 8]], [], { approximate: 'tanh' }, 20)],
  ['DequantizeLinear 21, int8 blocks of a weight', () => blockWeight('int8', 0)],
  ['DequantizeLinear 21, int4 blocks of a weight', () => blockWeight('int4', 1)],
];

/** x · W with W = DequantizeLinear(q, scale, zero point) in blocks of 2 along `axis` (onnxruntime's 4-bit QDQ format). */
function blockWeight(dtype: 'int8' | 'int4', axis: number): Model {
  const q = makeTensor('q', dtype, [4, 6], Array.from({ length: 24 }, (_, i) => ((i * 7) % 16) - 8));
  const sDims = axis === 0 ? [2, 6] : [4, 3];
  const s = makeTensor('s', 'float32', sDims, waveValues(12, 4).map((v) => Math.abs(v) * 0.1 + 0.01));
  const z = makeTensor('z', dtype, sDims, Array.from({ length: 12 }, (_, i) => (i % 3) - 1));
  return buildModel({
    inputs: [['x', 'float32', [3, 4]]], outputs: ['y'], opset: 21, initializers: [q, s, z],
    nodes: [node('DequantizeLinear', ['q', 's', 'z'], ['w'], { axis, block_size: 2 }, 'dq'), node('MatMul', ['x', 'w'], ['y'], {}, 'mm')],
  });
}

CASES.forEach(([name, make], i) => {
  test(`${name} matches onnxruntime`, async () => {
    await matchBuilt(make(), `op18-${i}`, i + 1, 1e-5);
  });
});

for (const [op, dtype] of [['BitwiseXor', 'uint8'], ['BitwiseXor', 'int32'], ['BitwiseNot', 'uint8'], ['BitwiseNot', 'int32']] as const) {
  test(`${op} 18 on ${dtype} matches onnxruntime bit for bit`, async () => {
    const names = op === 'BitwiseNot' ? ['a'] : ['a', 'b'];
    const model = buildModel({ inputs: names.map((n) => [n, dtype, [2, 5]] as In), outputs: ['y'], opset: 18, nodes: [node(op, names, ['y'], {}, 'n')] });
    const feeds = names.map((n, k) => makeTensor(n, dtype, [2, 5], Array.from({ length: 10 }, (_, j) => ((j * 53 + k * 29) % 256) - (dtype === 'int32' ? 128 : 0))));
    const m = await convertAndMatch(encodeModel(model), model, feeds);
    assert.equal(m.worst, 0);
  });
}

const REFUSED: [string, () => Model, RegExp][] = [
  ['BitwiseAnd (no TFLite builtin)', () => buildModel({ inputs: [['a', 'int32', [3]], ['b', 'int32', [3]]], outputs: ['y'], opset: 18,
    nodes: [node('BitwiseAnd', ['a', 'b'], ['y'], {}, 'n')] }), /BitwiseAnd has no TFLite builtin/],
  ['ImageDecoder (20)', () => buildModel({ inputs: [['x', 'uint8', [100]]], outputs: ['y'], opset: 20, nodes: [node('ImageDecoder', ['x'], ['y'], {}, 'n')] }),
    /ImageDecoder has no TFLite builtin/],
  ['RegexFullMatch (20)', () => buildModel({ inputs: [['x', 'string', [2]]], outputs: ['y'], opset: 20, nodes: [node('RegexFullMatch', ['x'], ['y'], { pattern: 'a.*' }, 'n')] }),
    /RegexFullMatch/],
  ['StringSplit (20)', () => buildModel({ inputs: [['x', 'string', [2]]], outputs: ['y', 'n'], opset: 20, nodes: [node('StringSplit', ['x'], ['y', 'n'], {}, 'n')] }),
    /StringSplit/],
  ['Pad wrap by more than the axis', () => one('Pad', ['x', 'float32', [1, 3, 2, 3]], [i64('p', [3, 1, 0, 0]), i64('ax', [2, 3])], { mode: 'wrap' }, 19, ['p', '', 'ax']),
    /wrap by more than an axis/],
  ['ScatterElements max at a repeated index', () => one('ScatterElements', ['x', 'float32', [4, 3]], [tensor('ix', 'int64', [2, 3], [1, 3, 0, 1, 2, 2]), f32('u', [2, 3], 6)],
    { reduction: 'max', axis: 0 }, 18, ['ix', 'u']), /reduction=max is supported for constant indices that never repeat/],
  ['Cast to float8', () => buildModel({ inputs: [['x', 'float32', [6]]], outputs: ['y'], opset: 21,
    nodes: [node('Cast', ['x'], ['b'], { to: 17 }, 'c1'), node('Cast', ['b'], ['y'], { to: 1 }, 'c2')] }), /Cast to float8e4m3fn is not supported/],
  ['block-wise QuantizeLinear of an activation', () => buildModel({ inputs: [['x', 'float32', [4, 4]]], outputs: ['y'], opset: 21,
    initializers: [makeTensor('s', 'float32', [2, 4], new Array(8).fill(0.1))],
    nodes: [node('QuantizeLinear', ['x', 's'], ['q'], { axis: 0, block_size: 2 }, 'q'), node('DequantizeLinear', ['q', 's'], ['y'], { axis: 0, block_size: 2 }, 'dq')] }), /blocked quantization/],
];

for (const [name, make, why] of REFUSED) {
  test(`${name} is refused in one line`, () => {
    assert.throws(() => convertModel(make()), (e: Error) => e instanceof ConvertError && why.test(e.message) && !e.message.includes('\n'));
  });
}
