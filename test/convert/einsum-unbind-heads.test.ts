// AlphaFold's gated attention (Evoformer, twenty-sixth vision sweep): q, k, v and a gate unbound from one packed
// projection viewed [b, r, l, 4, h, d], read by Einsums 'brqhd,brkhd->brhqk' and 'brhqk,brkhd->brqhd', the product
// gated by sigmoid(g) and merged back to [b, r, l, h·d]. The Einsum converter moved q, k and v heads-first one by one
// and the gated product back for the gate (4 TRANSPOSE on main); the packed value is now moved once before the
// Split and the gated product once for the merge (`simplify-einsum-unbind.ts`): 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [B, R, L, H, D, C] = [1, 3, 6, 2, 4, 8];

function gatedAttention(withGate: boolean) {
  const parts = withGate ? 4 : 3;
  return buildModel({
    inputs: [['x', 'float32', [B, R, L, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w'], ['p0']),
      node('Add', ['p0', 'bias'], ['p1']),
      node('Reshape', ['p1', 'view'], ['p2']),
      node('Split', ['p2'], withGate ? ['s0', 's1', 's2', 's3'] : ['s0', 's1', 's2'], { axis: 3 }),
      node('Squeeze', ['s0', 'ax'], ['q0']),
      node('Squeeze', ['s1', 'ax'], ['k']),
      node('Squeeze', ['s2', 'ax'], ['v']),
      node('Div', ['q0', 'scale'], ['q']),
      node('Einsum', ['q', 'k'], ['att'], { equation: 'brqhd,brkhd->brhqk' }),
      node('Softmax', ['att'], ['a'], { axis: -1 }),
      node('Einsum', ['a', 'v'], ['o'], { equation: 'brhqk,brkhd->brqhd' }),
      ...(withGate ? [
        node('Squeeze', ['s3', 'ax'], ['g0']),
        node('Sigmoid', ['g0'], ['g']),
        node('Mul', ['o', 'g'], ['og']),
        node('Reshape', ['og', 'merge'], ['y']),
      ] : [node('Reshape', ['o', 'merge'], ['y'])]),
    ],
    initializers: [
      tensor('w', 'float32', [C, parts * H * D], waveValues(C * parts * H * D, 1)),
      tensor('bias', 'float32', [parts * H * D], waveValues(parts * H * D, 2)),
      tensor('view', 'int64', [6], [B, R, L, parts, H, D]),
      tensor('ax', 'int64', [1], [3]),
      tensor('scale', 'float32', [], [Math.sqrt(D)]),
      tensor('merge', 'int64', [4], [B, R, L, H * D]),
    ],
  });
}

test('gated attention unbound from a packed projection: one move in, one merge out', async () => {
  const m = await matchBuilt(gatedAttention(true), 'einsum-unbind-gated', 311);
  assert.equal(m.result.transposeCount, 2, JSON.stringify(m.result.opHistogram));
});

test('q, k, v unbound from a packed projection without a gate: one move in, one merge out', async () => {
  const m = await matchBuilt(gatedAttention(false), 'einsum-unbind-plain', 312);
  assert.equal(m.result.transposeCount, 2, JSON.stringify(m.result.opHistogram));
});
