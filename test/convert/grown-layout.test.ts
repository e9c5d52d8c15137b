// Anomaly Transformer's KL between the series association and the Gaussian prior (nineteenth sequence sweep): σ comes
// out of a Linear [b, l, h], the model moves it to [b, h, l] and repeats it over l (Unsqueeze, Tile) into the prior
// [b, h, l, l]. Tiled in σ's stored order, the prior was [b, l, l, h] and the series (a softmax, ONNX order) was moved
// to it for the KL's log difference and its product (2 TRANSPOSE of [b, h, l, l]); σ moved before the Tile is one
// TRANSPOSE of [b, l, h] (src/convert/grown-layout.ts). Since s29 the Linear making σ, read only by that move, takes its
// weights on the left and writes [b, h, l] as the move has it (ops/_matmul-left.ts `weightsLeftIntoMove`): none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const L = 6, D = 8, H = 2;
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
const dist = Array.from({ length: L * L }, (_, k) => Math.abs(Math.floor(k / L) - (k % L)));

test('a small moved value tiled into a prior that meets an ONNX-order softmax is moved before the Tile (2 -> 1 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, L, D]], ['sc', 'float32', [1, H, L, L]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'ws'], ['s']), node('Transpose', ['s'], ['st'], { perm: [0, 2, 1] }),
      node('Sigmoid', ['st'], ['sg']), node('Add', ['sg', 'half'], ['sigma']),
      node('Unsqueeze', ['sigma', 'axis3'], ['su']), node('Tile', ['su', 'reps'], ['tiled']),
      node('Div', ['negdist', 'tiled'], ['z']), node('Exp', ['z'], ['g']),
      node('ReduceSum', ['g', 'axis3'], ['gs'], { keepdims: 1 }), node('Div', ['g', 'gs'], ['prior']),
      node('Softmax', ['sc'], ['series'], { axis: -1 }),
      node('Log', ['series'], ['ls']), node('Log', ['prior'], ['lp']), node('Sub', ['ls', 'lp'], ['diff']),
      node('Mul', ['series', 'diff'], ['kl']), node('ReduceSum', ['kl', 'axis3'], ['y'], { keepdims: 0 }),
    ],
    initializers: [
      tensor('ws', 'float32', [D, H], waveValues(D * H, 1)), tensor('half', 'float32', [], [0.5]),
      i64('axis3', [3]), i64('reps', [1, 1, 1, L]), tensor('negdist', 'float32', [L, L], dist.map((d) => -d * d / 2)),
    ],
  });
  const m = await matchBuilt(model, 'grown-layout', 23);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
