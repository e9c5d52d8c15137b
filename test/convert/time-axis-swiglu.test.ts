// A SwiGLU over the time (token) axis of [B, T, d], as the Tiny Recursive Model's token-mixing MLP writes it:
// `w2(silu(w1 xᵀ) · w3 xᵀ)ᵀ` added to x. The two projections of the permuted x met at the gate's Mul, a join the
// time-axis rule (src/convert/ops/MatMul.ts `swappedChainEnds`) did not follow (the SiLU has two readers, the
// partner was not made yet), so w1 / w3 wrote their products in ONNX order and w2's product took a TRANSPOSE
// back. The chain now passes the SiLU and a join with a sibling projection of the same input: TRM 16 → 0 TRANSPOSE
// in the twenty-third sweep (each test: 1 before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const B = 2, T = 10, D = 6, H = 14;

function tokenSwiGLU(gateFirst: boolean): Model {
  const gate = [node('Sigmoid', ['g'], ['sg']), node('Mul', ['g', 'sg'], ['silu'])];
  const up = [node('MatMul', ['xt', 'w3'], ['u'])];
  return buildModel({
    inputs: [['x', 'float32', [B, T, D]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Relu', ['x'], ['xr']), node('Transpose', ['xr'], ['xt'], { perm: [0, 2, 1] }),
      node('MatMul', ['xt', 'w1'], ['g']), ...(gateFirst ? [...gate, ...up] : [...up, ...gate]),
      node('Mul', gateFirst ? ['silu', 'u'] : ['u', 'silu'], ['h']), node('MatMul', ['h', 'w2'], ['o']),
      node('Transpose', ['o'], ['ot'], { perm: [0, 2, 1] }), node('Add', ['xr', 'ot'], ['y']),
    ],
    initializers: [
      tensor('w1', 'float32', [T, H], seq(T * H, (i) => 0.4 * Math.sin(i * 0.61))),
      tensor('w3', 'float32', [T, H], seq(T * H, (i) => 0.3 * Math.cos(i * 0.37))),
      tensor('w2', 'float32', [H, T], seq(H * T, (i) => 0.5 * Math.cos(i * 0.83))),
    ],
  });
}

test("TRM's token-mixing SwiGLU (permute, w1 / w3, SiLU gate, w2, permute back, residual): no TRANSPOSE", async () => {
  const m = await matchBuilt(tokenSwiGLU(true), 'time-axis-swiglu', 3);
  assert.equal(m.result.transposeCount, 0);
});

test('the same with the up projection made before the gate: no TRANSPOSE', async () => {
  const m = await matchBuilt(tokenSwiGLU(false), 'time-axis-swiglu-up-first', 3);
  assert.equal(m.result.transposeCount, 0);
});
