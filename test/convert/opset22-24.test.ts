// The opset 22-24 forms newer exporters write (torch 2.x's dynamo exporter at opset 23: nn.RMSNorm as
// RMSNormalization, F.scaled_dot_product_attention as ONNX-domain Attention, RoPE as ONNX-domain RotaryEmbedding;
// opset 24's Swish and TensorScatter; LpNormalization, LpPool, GlobalLpPool), each converted and run on LiteRT against onnxruntime-node 1.30; ops whose only change at
// 22-24 is new element types convert at opset 24 as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { makeTensor } from '../../src/ir/tensor';
import type { DType, Model, Tensor } from '../../src/ir/types';
import { convertAndMatch, matchBuilt, seededInputs, waveValues } from '../helpers/match';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { ConvertError } from '../../src/convert/types';

const i64 = (n: string, v: number[]) => tensor(n, 'int64', [v.length], v);
const f32 = (n: string, dims: number[], seed: number) => makeTensor(n, 'float32', dims, waveValues(dims.reduce((a, b) => a * b, 1), seed));
type In = [string, DType, number[]];
const F = (n: string, dims: number[]): In => [n, 'float32', dims];
const one = (op: string, ins: In[], consts: Tensor[], attrs: Record<string, number | string | number[]>, opset: number, more: string[] = [], outs = ['y']): Model =>
  buildModel({ inputs: ins, outputs: outs, opset, initializers: consts, nodes: [node(op, [...ins.map((i) => i[0]), ...more], outs, attrs, 'n')] });
const qkv = (q: number[], k: number[], v: number[]): In[] => [F('q', q), F('k', k), F('v', v)];
/** One Attention node with named inputs ('' skips one) and outputs. */
const attention = (ins: In[], consts: Tensor[], args: string[], outs: string[], attrs: Record<string, number>, opset = 23): Model =>
  buildModel({ inputs: ins, outputs: outs.filter((o) => o), opset, initializers: consts, nodes: [node('Attention', args, outs, attrs, 'n')] });

/** x [1, dft / 2 + 1] times the mel filterbank MelWeightMatrix makes from constant inputs. */
const melModel = (mel: number, dft: number, sr: number, lo: number, hi: number): Model => buildModel({
  inputs: [F('x', [1, dft / 2 + 1])], outputs: ['y'], opset: 17,
  initializers: [tensor('nm', 'int64', [], [mel]), tensor('dl', 'int64', [], [dft]), tensor('sr', 'int64', [], [sr]), tensor('lo', 'float32', [], [lo]), tensor('hi', 'float32', [], [hi])],
  nodes: [node('MelWeightMatrix', ['nm', 'dl', 'sr', 'lo', 'hi'], ['m'], {}, 'mel'), node('MatMul', ['x', 'm'], ['y'], {}, 'mm')] });

const CASES: [string, () => Model][] = [
  ['Conv at opset 24', () => buildModel({ inputs: [F('x', [1, 3, 5, 5])], outputs: ['y'], opset: 24, initializers: [f32('w', [4, 3, 3, 3], 1)], nodes: [node('Conv', ['x', 'w'], ['y'], {}, 'n')] })],
  ['TopK 24', () => one('TopK', [F('x', [2, 8])], [i64('k', [3])], {}, 24, ['k'], ['y', 'i'])],
  ['Pad 24', () => one('Pad', [F('x', [1, 2, 3])], [i64('p', [0, 0, 1, 0, 0, 2])], {}, 24, ['p'])],
  ['a bfloat16 initializer cast to float32', () => buildModel({ inputs: [F('x', [2, 3])], outputs: ['y'], opset: 22,
    initializers: [tensor('w', 'bfloat16', [3], [0x3f00, 0x3fc0, 0xc000]) /* 0.5, 1.5, -2 as bits */], nodes: [node('Cast', ['w'], ['wf'], { to: 1 }, 'c'), node('Mul', ['x', 'wf'], ['y'], {}, 'm')] })],
  ['MelWeightMatrix 17 of constants (folds), 4 bins of a 16-point DFT', () => melModel(4, 16, 8000, 0, 4000)],
  ['MelWeightMatrix 17 of constants (folds), 8 bins of a 64-point DFT, 20-7600 Hz', () => melModel(8, 64, 16000, 20, 7600)],
  ['RMSNormalization 23, last axis', () => one('RMSNormalization', [F('x', [2, 3, 8])], [f32('sc', [8], 2)], {}, 23, ['sc'])],
  ['RMSNormalization 23, axis -2, scale [3, 8]', () => one('RMSNormalization', [F('x', [2, 3, 8])], [f32('sc', [3, 8], 3)], { axis: -2, epsilon: 1e-6 }, 23, ['sc'])],
  ['Swish 24, alpha 1.5', () => one('Swish', [F('x', [2, 8])], [], { alpha: 1.5 }, 24)],
  ['Swish 24 after a conv (SiLU)', () => buildModel({ inputs: [F('x', [1, 3, 5, 5])], outputs: ['y'], opset: 24, initializers: [f32('w', [4, 3, 3, 3], 1)],
    nodes: [node('Conv', ['x', 'w'], ['c'], {}, 'conv'), node('Swish', ['c'], ['y'], {}, 'n')] })],
  ['Attention 23, 4-D', () => one('Attention', qkv([1, 2, 4, 8], [1, 2, 6, 8], [1, 2, 6, 8]), [], {}, 23)],
  ['Attention 23, 3-D heads, causal', () => one('Attention', qkv([1, 4, 16], [1, 4, 16], [1, 4, 16]), [], { q_num_heads: 2, kv_num_heads: 2, is_causal: 1 }, 23)],
  ['Attention 23, 4-D grouped-query, scale, v head size 6', () => one('Attention', qkv([2, 4, 3, 8], [2, 2, 5, 8], [2, 2, 5, 6]), [], { scale: 0.3 }, 23)],
  ['Attention 23, 3-D grouped-query, causal', () => one('Attention', qkv([1, 4, 24], [1, 4, 12], [1, 4, 12]), [], { q_num_heads: 4, kv_num_heads: 2, is_causal: 1 }, 23)],
  ['Attention 23, bool mask [S, T] (rows all masked)', () => one('Attention', [...qkv([1, 2, 4, 8], [1, 2, 6, 8], [1, 2, 6, 8]), ['m', 'bool', [4, 6]]], [], {}, 23)],
  ['Attention 23, bool mask and causal, a row all masked', () => attention(qkv([1, 2, 4, 8], [1, 2, 4, 8], [1, 2, 4, 8]),
    [tensor('m', 'bool', [1, 1, 4, 4], [1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1])], ['q', 'k', 'v', 'm'], ['y'], { is_causal: 1 })],
  ['Attention 23, float mask, softcap', () => one('Attention', [...qkv([1, 2, 4, 8], [1, 2, 6, 8], [1, 2, 6, 8]), F('m', [1, 2, 4, 6])], [], { softcap: 0.5 }, 23)],
  ['Attention 23, past / present, causal', () => attention([...qkv([1, 2, 3, 8], [1, 2, 3, 8], [1, 2, 3, 8]), F('pk', [1, 2, 5, 8]), F('pv', [1, 2, 5, 8])], [],
    ['q', 'k', 'v', '', 'pk', 'pv'], ['y', 'prk', 'prv'], { is_causal: 1 })],
  ['Attention 23, 3-D, present without past', () => attention(qkv([1, 3, 16], [1, 3, 16], [1, 3, 16]), [], ['q', 'k', 'v'], ['y', 'prk', 'prv'], { q_num_heads: 2, kv_num_heads: 2 })],
  ['Attention 23, qk_matmul_output mode 0', () => attention(qkv([1, 2, 3, 8], [1, 2, 3, 8], [1, 2, 3, 8]), [], ['q', 'k', 'v'], ['y', '', '', 'qk'], { qk_matmul_output_mode: 0, is_causal: 1 })],
  ['Attention 23, qk_matmul_output mode 3', () => attention(qkv([1, 2, 3, 8], [1, 2, 3, 8], [1, 2, 3, 8]), [], ['q', 'k', 'v'], ['y', '', '', 'qk'], { qk_matmul_output_mode: 3, is_causal: 1 })],
  ['Attention 24, 4-D', () => one('Attention', qkv([1, 2, 4, 8], [1, 2, 6, 8], [1, 2, 6, 8]), [], {}, 24)],
  ['Attention 24, nonpad_kv_seqlen, causal (bottom-right)', () => attention(qkv([2, 2, 2, 8], [2, 2, 8, 8], [2, 2, 8, 8]), [tensor('np', 'int64', [2], [5, 3])],
    ['q', 'k', 'v', '', '', '', 'np'], ['y'], { is_causal: 1 }, 24)],
  ['TensorScatter 24, run-time write_indices', () => one('TensorScatter', [F('c', [2, 2, 8, 4]), F('u', [2, 2, 3, 4]), ['wi', 'int64', [2]]], [], {}, 24)],
  ['TensorScatter 24, circular, axis 1', () => one('TensorScatter', [F('c', [2, 6, 3]), F('u', [2, 2, 3])], [tensor('wi', 'int64', [2], [5, 2])], { axis: 1, mode: 'circular' }, 24, ['wi'])],
  ['TensorScatter 24, no write_indices', () => one('TensorScatter', [F('c', [1, 2, 8, 4]), F('u', [1, 2, 2, 4])], [], {}, 24)],
  ['TensorScatter 24 + Attention 24: a decode step on a fixed cache', () => buildModel({
    inputs: [F('q', [1, 1, 8]), F('k', [1, 2, 1, 4]), F('v', [1, 2, 1, 4]), F('kc', [1, 2, 6, 4]), F('vc', [1, 2, 6, 4])], outputs: ['y', 'kc2', 'vc2'], opset: 24,
    initializers: [tensor('wi', 'int64', [1], [3]), tensor('np', 'int64', [1], [4]), i64('qs', [1, 1, 2, 4])],
    nodes: [node('TensorScatter', ['kc', 'k', 'wi'], ['kc2'], {}, 's1'), node('TensorScatter', ['vc', 'v', 'wi'], ['vc2'], {}, 's2'),
      node('Reshape', ['q', 'qs'], ['q4'], {}, 'r'), node('Transpose', ['q4'], ['qt'], { perm: [0, 2, 1, 3] }, 't'),
      node('Attention', ['qt', 'kc2', 'vc2', '', '', '', 'np'], ['y'], { is_causal: 1 }, 'n')] })],
  ['LpNormalization 22, p 2, axis 1', () => one('LpNormalization', [F('x', [2, 3, 4])], [], { axis: 1, p: 2 }, 22)],
  ['LpNormalization 22, p 1, last axis', () => one('LpNormalization', [F('x', [2, 3, 4])], [], { p: 1 }, 22)],
  ['LpNormalization 22 over a conv\'s channels (channel-last)', () => buildModel({ inputs: [F('x', [1, 3, 5, 5])], outputs: ['y'], opset: 22, initializers: [f32('w', [4, 3, 3, 3], 1)],
    nodes: [node('Conv', ['x', 'w'], ['c'], {}, 'conv'), node('LpNormalization', ['c'], ['y'], { axis: 1 }, 'n')] })],
  ['LpPool 22, p 2', () => one('LpPool', [F('x', [1, 2, 6, 6])], [], { kernel_shape: [2, 2], strides: [2, 2], p: 2 }, 22)],
  ['LpPool 22, p 3, pads, strides', () => one('LpPool', [F('x', [1, 2, 7, 6])], [], { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1], p: 3 }, 22)],
  ['LpPool 22, 1-D, p 1', () => one('LpPool', [F('x', [1, 2, 9])], [], { kernel_shape: [3], strides: [2], p: 1 }, 22)],
  ['GlobalLpPool 2, p 2', () => one('GlobalLpPool', [F('x', [1, 2, 6, 6])], [], { p: 2 }, 2)],
  ['GlobalLpPool 2, p 3', () => one('GlobalLpPool', [F('x', [1, 2, 6, 6])], [], { p: 3 }, 2)],
  ['RotaryEmbedding 23, 4-D, rows given', () => one('RotaryEmbedding', [F('x', [1, 2, 4, 8]), F('cos', [1, 4, 4]), F('sin', [1, 4, 4])], [], {}, 23)],
  ['RotaryEmbedding 23, 3-D, interleaved', () => one('RotaryEmbedding', [F('x', [2, 3, 16]), F('cos', [2, 3, 4]), F('sin', [2, 3, 4])], [], { num_heads: 2, interleaved: 1 }, 23)],
  ['RotaryEmbedding 23, tables by position_ids', () => buildModel({ inputs: [F('x', [1, 2, 3, 8]), ['p', 'int64', [1, 3]]], outputs: ['y'], opset: 23,
    initializers: [f32('cos', [10, 4], 3), f32('sin', [10, 4], 4)], nodes: [node('RotaryEmbedding', ['x', 'cos', 'sin', 'p'], ['y'], {}, 'n')] })],
  ['RotaryEmbedding 23, partial, constant positions', () => buildModel({ inputs: [F('x', [1, 3, 16])], outputs: ['y'], opset: 23,
    initializers: [f32('cos', [10, 2], 3), f32('sin', [10, 2], 4), tensor('p', 'int64', [1, 3], [4, 5, 6])],
    nodes: [node('RotaryEmbedding', ['x', 'cos', 'sin', 'p'], ['y'], { rotary_embedding_dim: 4, num_heads: 2 }, 'n')] })],
  ['RotaryEmbedding 23, partial, interleaved', () => buildModel({ inputs: [F('x', [1, 2, 3, 8]), ['p', 'int64', [1, 3]]], outputs: ['y'], opset: 23,
    initializers: [f32('cos', [10, 3], 3), f32('sin', [10, 3], 4)], nodes: [node('RotaryEmbedding', ['x', 'cos', 'sin', 'p'], ['y'], { rotary_embedding_dim: 6, interleaved: 1 }, 'n')] })],
];

CASES.forEach(([name, make], i) => {
  test(`${name} matches onnxruntime`, async () => {
    await matchBuilt(make(), `op24-${i}`, i + 1, 1e-5);
  });
});

test('Attention 24 with run-time nonpad_kv_seqlen (5 and 2 of 8 keys) matches onnxruntime', async () => {
  const model = attention([...qkv([2, 2, 3, 8], [2, 2, 8, 8], [2, 2, 8, 8]), ['np', 'int64', [2]]], [], ['q', 'k', 'v', '', '', '', 'np'], ['y'], { is_causal: 1 }, 24);
  const feeds = seededInputs(model, 7).map((t) => (t.name === 'np' ? makeTensor('np', 'int64', [2], [5, 2]) : t));
  const m = await convertAndMatch(encodeModel(model), model, feeds);
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.ok(m.outputs[0].maxRef > 0.05);
});

const REFUSED: [string, () => Model, RegExp, string][] = [
  ['Attention with a mask shorter than the keys', () => one('Attention', [...qkv([1, 2, 4, 8], [1, 2, 6, 8], [1, 2, 6, 8]), F('m', [4, 5])], [], {}, 23),
    /attn_mask of dims \[4, 5\] is not broadcastable/, 'unsupported'],
  ['Attention with an int32 mask', () => one('Attention', [...qkv([1, 2, 4, 8], [1, 2, 6, 8], [1, 2, 6, 8]), ['m', 'int32', [4, 6]]], [], {}, 23), /attn_mask of int32/, 'dtype'],
  ['TensorScatter along the batch axis', () => one('TensorScatter', [F('c', [4, 3]), F('u', [2, 3])], [], { axis: 0 }, 24), /TensorScatter of update \[2, 3\]/, 'unsupported'],
  ['a node past its converter\'s opset (Attention at 25)', () => one('Attention', qkv([1, 2, 4, 8], [1, 2, 6, 8], [1, 2, 6, 8]), [], {}, 25), /Attention at opset 25 is not supported \(supported opsets: .*23–24/, 'opset'],
];

for (const [name, make, why, code] of REFUSED) {
  test(`${name} is refused in one line (code ${code})`, () => {
    assert.throws(() => convertModel(make()), (e: Error) => e instanceof ConvertError && why.test(e.message) && !e.message.includes('\n') && e.code === code);
  });
}
