// DFT inverse=1 onesided=1 on a complex half spectrum: the real signal of dft_length values (irfft), as onnxruntime
// reads it — matches onnxruntime-node on LiteRT with and without dft_length, at opset 17 and 20, and an rfft → irfft
// round trip gives the signal back; a half spectrum of another bin count than ⌊L/2⌋ + 1 (where onnxruntime follows
// neither numpy nor the spec) is refused in one line. Before: converted as the first ⌊L/2⌋ + 1 complex values, and
// refused by the self-check ("10 values on LiteRT, 8 in onnxruntime").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { matchBuilt } from '../helpers/match';

function irfft(dims: number[], L: number | undefined, opset = 17, axis = 1) {
  const inputs = ['x', L === undefined ? '' : 'len', ...(opset >= 20 ? ['ax'] : [])];
  return buildModel({
    opset, inputs: [['x', 'float32', dims]], outputs: ['y'],
    initializers: [...(L === undefined ? [] : [tensor('len', 'int64', [], [L])]), ...(opset >= 20 ? [tensor('ax', 'int64', [], [axis])] : [])],
    nodes: [node('DFT', inputs, ['y'], { inverse: 1, onesided: 1, ...(opset < 20 ? { axis } : {}) })],
  });
}

for (const [dims, L, opset, axis] of [[[2, 5, 3, 2], 8, 17, 1], [[1, 5, 2], undefined, 17, 1], [[3, 5, 2], 9, 17, 1], [[2, 4, 7, 2], 12, 20, 2]] as const) {
  test(`DFT irfft of [${dims.join(', ')}] (dft_length ${L ?? 'none'}, opset ${opset}) matches onnxruntime`, async () => {
    const m = await matchBuilt(irfft([...dims], L, opset, axis), `irfft-${dims.join('x')}-${L}`, dims.length, 1e-5);
    assert.ok(m.outputs[0]!.maxRef > 0.05);
  });
}

test('DFT rfft then irfft gives the signal back on LiteRT', async () => {
  const nodes = [node('DFT', ['x', 'len'], ['spec'], { axis: 1, onesided: 1 }), node('DFT', ['spec', 'len'], ['y'], { axis: 1, inverse: 1, onesided: 1 })];
  const model = buildModel({ opset: 17, inputs: [['x', 'float32', [2, 10, 1]]], outputs: ['y'], initializers: [tensor('len', 'int64', [], [10])], nodes });
  const m = await matchBuilt(model, 'rfft-irfft', 5, 1e-5);
  assert.deepEqual(m.result.model.subgraphs[0]!.tensors[m.result.model.subgraphs[0]!.outputs[0]!]!.shape, [2, 10, 1]);
});

test('DFT irfft of a half spectrum with another bin count is refused in one line', () => {
  assert.throws(() => convertModel(irfft([1, 7, 2], 8)), (e: Error) => /needs ⌊dft_length \/ 2⌋ \+ 1 = 5 bins along the axis \(these are 7\)/.test(e.message) && !e.message.includes('\n'));
});
