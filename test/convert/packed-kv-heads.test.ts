// nn.MultiheadAttention's cross-attention as torch exports it (ABINet's language model, PARSeq's decoder): q is its
// own projection of the queries, k and v one packed projection of the memory [S, B, 2E] sliced in two, each Reshape
// [S, B·H, d] → Transpose (k: [1, 2, 0], kᵀ; v: [1, 0, 2]). k and v had a TRANSPOSE each; now the packed projection
// gets one head split of 2H heads and a Slice per part, k's swap of its last two dims read by BATCH_MATMUL as adj_y
// (src/convert/simplify-attention.ts fusePackedHeads, 2 or 3 chunks). An unrolled decoder's steps repeat the same
// projection of the memory: the copies are not packed together (the weights would be stored and multiplied once per
// step); simplify-cse makes them one, with one head split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const L = 5, S = 7, E = 16, H = 4, D = E / H;

function crossAttention(batch: number, steps = 1): Model {
  const bh = batch * H;
  const model = buildModel({
    inputs: [['tgt', 'float32', [L, batch, E]], ['memory', 'float32', [S, batch, E]]], outputs: ['y'], opset: 14,
    nodes: [
      node('MatMul', ['tgt', 'wq'], ['qm']), node('Add', ['qm', 'bq'], ['qp']), node('Reshape', ['qp', 'qshape'], ['qr']),
      node('Transpose', ['qr'], ['qh'], { perm: [1, 0, 2] }),
      node('MatMul', ['memory', 'wkv'], ['kvm']), node('Add', ['kvm', 'bkv'], ['kv']),
      node('Slice', ['kv', 'k0', 'k1', 'ax'], ['ks']), node('Slice', ['kv', 'k1', 'k2', 'ax'], ['vs']),
      node('Reshape', ['ks', 'kshape'], ['kr']), node('Reshape', ['vs', 'kshape'], ['vr']),
      node('Transpose', ['kr'], ['kt'], { perm: [1, 2, 0] }), node('Transpose', ['vr'], ['vh'], { perm: [1, 0, 2] }),
      node('MatMul', ['qh', 'kt'], ['s']), node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['p'], { axis: -1 }),
      node('MatMul', ['p', 'vh'], ['o']), node('Transpose', ['o'], ['om'], { perm: [1, 0, 2] }),
      node('Reshape', ['om', 'merged'], ['y']),
    ],
    initializers: [
      tensor('wq', 'float32', [E, E], waveValues(E * E, 1)), tensor('bq', 'float32', [E], waveValues(E, 2)),
      tensor('wkv', 'float32', [E, 2 * E], waveValues(2 * E * E, 3)), tensor('bkv', 'float32', [2 * E], waveValues(2 * E, 4)),
      tensor('k0', 'int64', [1], [0]), tensor('k1', 'int64', [1], [E]), tensor('k2', 'int64', [1], [2 * E]),
      tensor('ax', 'int64', [1], [2]), tensor('scale', 'float32', [], [D ** -0.5]),
      tensor('qshape', 'int64', [3], [L, bh, D]), tensor('kshape', 'int64', [3], [S, bh, D]),
      tensor('merged', 'int64', [3], [L, batch, E]),
    ],
  });
  // Each further step reads the last one's output as its queries, with its own copies of the same weights.
  const g = model.graph;
  const first = [...g.nodes];
  for (let s = 1; s < steps; s++) {
    const rename = (v: string) => (v === 'memory' ? v : v === 'tgt' ? (s === 1 ? 'y' : `y_${s - 1}`) : v === 'y' ? `y_${s}` : `${v}_${s}`);
    for (const n of first) g.nodes.push({ ...n, name: `${n.name}_${s}`, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) });
    for (const [name, t] of [...g.initializers]) if (!name.includes('_')) g.initializers.set(`${name}_${s}`, { ...t, name: `${name}_${s}` });
    for (const [name, v] of [...g.values]) if (!['memory', 'tgt'].includes(name) && !name.includes('_')) g.values.set(rename(name), { ...v, name: rename(name) });
  }
  if (steps > 1) g.outputs = [{ ...g.outputs[0], name: `y_${steps - 1}` }];
  return model;
}

for (const batch of [1, 2]) {
  test(`cross-attention's packed k / v take one head split (batch ${batch}): q, k, v, merge 4 TRANSPOSE → 3, equal to onnxruntime`, async () => {
    const m = await matchBuilt(crossAttention(batch), `packed-kv-${batch}`, 11);
    assert.equal(m.result.transposeCount, 3);
  });
}

test('two decoding steps over one memory: their copies of the k / v projection are computed once, one head split', async () => {
  const m = await matchBuilt(crossAttention(1, 2), 'packed-kv-steps', 12);
  // Per step q's split and the merge, one split of k / v for both.
  assert.equal(m.result.transposeCount, 5);
  const tensors = m.result.model.subgraphs[0].tensors;
  assert.ok(!tensors.some((t) => t.data && t.shape.join() === `${4 * E},${E}`), 'k / v weights packed once per step');
});
