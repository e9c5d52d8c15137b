// A Linear over the time axis of [B, T, d], as TSMixer / TimeMixer write it: `linear(x.permute(0, 2, 1))`, an
// activation, another Linear, then `.permute(0, 2, 1)` back (or added to another permuted value). The first
// MatMul read the permuted value as it is stored (adj_x) but wrote its product in ONNX order [B, d, T'], so the
// permute back (or the partner's layout) took a TRANSPOSE each mixing block. The product is now computed with the
// constant on the left, Wᵀ · x as stored, which is that product stored swapped: the permute back is free
// (src/convert/ops/MatMul.ts `swappedChainEnds`): TSMixer 2 → 0, TimeMixer 15 → 7 in the sweeps (each test: 1 before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const B = 2, T = 12, D = 5;

function timeMixing(back: 'transpose' | 'partner'): Model {
  // TSMixer's residual keeps the length (T2 = T); TimeMixer's down-mixing to the next scale halves it.
  const T2 = back === 'transpose' ? T : T / 2;
  const tail = back === 'transpose'
    ? [node('Transpose', ['h2b'], ['h2t'], { perm: [0, 2, 1] }), node('Add', ['xr', 'h2t'], ['y'])]
    : [node('Transpose', ['z'], ['zt'], { perm: [0, 2, 1] }), node('Add', ['h2b', 'zt'], ['s']), node('Transpose', ['s'], ['y'], { perm: [0, 2, 1] })];
  return buildModel({
    inputs: [['x', 'float32', [B, T, D]], ...(back === 'partner' ? [['z', 'float32', [B, T2, D]] as [string, 'float32', number[]]] : [])],
    outputs: ['y'], opset: 14,
    nodes: [
      node('Relu', ['x'], ['xr']), node('Transpose', ['xr'], ['xt'], { perm: [0, 2, 1] }),
      node('MatMul', ['xt', 'w1'], ['h1']), node('Add', ['h1', 'b1'], ['h1b']), node('Relu', ['h1b'], ['a']),
      node('MatMul', ['a', 'w2'], ['h2']), node('Add', ['h2', 'b2'], ['h2b']), ...tail,
    ],
    initializers: [
      tensor('w1', 'float32', [T, T2], seq(T * T2, (i) => 0.4 * Math.sin(i * 0.61))), tensor('b1', 'float32', [T2], seq(T2, (i) => 0.1 * i)),
      tensor('w2', 'float32', [T2, T2], seq(T2 * T2, (i) => 0.5 * Math.cos(i * 0.83))), tensor('b2', 'float32', [T2], seq(T2, (i) => -0.05 * i)),
    ],
  });
}

test("TSMixer's time mixing (permute, Linear, ReLU, Linear, permute back, residual): no TRANSPOSE", async () => {
  const m = await matchBuilt(timeMixing('transpose'), 'time-axis-linear', 3);
  assert.equal(m.result.transposeCount, 0);
});

test('the same block added to another permuted value, then moved back: no TRANSPOSE', async () => {
  const m = await matchBuilt(timeMixing('partner'), 'time-axis-linear-partner', 4);
  assert.equal(m.result.transposeCount, 0);
});
