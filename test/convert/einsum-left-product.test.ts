// Graph WaveNet's diffusion convolution (eighteenth sweep): x1 = einsum('ncvl,vw->ncwl', x, A), x2 = the same of x1,
// concatenated with x into a 1×1 conv, on the conv maps [N, C, V, L] stored channel-last [n, v, l, c]. A constant
// adjacency along the node axis v, a middle axis as stored, was a FULLY_CONNECTED that moved v last and the product
// back to ONNX order: 12 TRANSPOSE per layer (36 in the sweep's graph_wavenet). As BATCH_MATMUL(Aᵀ, x [n, v, l·c])
// the product stays in x's stored order: none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 2, C = 4, V = 5, L = 6;

test("Graph WaveNet's 'ncvl,vw->ncwl' over channel-last conv maps is a left product, no TRANSPOSE", async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [B, 3, V, L]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w0', 'b0'], ['h'], { kernel_shape: [1, 2], pads: [0, 1, 0, 0] }),
      node('Einsum', ['h', 'A'], ['x1'], { equation: 'ncvl,vw->ncwl' }),
      node('Einsum', ['x1', 'A'], ['x2'], { equation: 'ncvl,vw->ncwl' }),
      node('Concat', ['h', 'x1', 'x2'], ['cat'], { axis: 1 }),
      node('Conv', ['cat', 'w1', 'b1'], ['y'], { kernel_shape: [1, 1] }),
    ],
    initializers: [
      tensor('w0', 'float32', [C, 3, 1, 2], waveValues(C * 6, 1)), tensor('b0', 'float32', [C], waveValues(C, 2)),
      tensor('A', 'float32', [V, V], waveValues(V * V, 3)),
      tensor('w1', 'float32', [C, 3 * C, 1, 1], waveValues(3 * C * C, 4)), tensor('b1', 'float32', [C], waveValues(C, 5)),
    ],
  });
  const m = await matchBuilt(model, 'einsum-left-product', 7);
  assert.equal(m.result.transposeCount, 0);
  assert.equal(m.result.model.subgraphs[0].operators.filter((op) => op.opcode === 'BATCH_MATMUL').length, 2);
});

// Nineteenth sweep: the same product with a matrix computed at run time. MTGNN's mix-hop propagation
// 'ncwl,vw->ncvl' by its learned graph (a normalised adjacency built in the graph), and DCRNN's diffusion step
// 'nm,bmf->bnf' by random-walk supports D⁻¹A of a float adjacency input (the matrix first, x second): the general
// product moved x's node axis and the product back (MTGNN 29 TRANSPOSE, DCRNN 64); read as stored, the matrix on the
// left (with adj_x for its transpose Aᵀ), none.
test("MTGNN's 'ncwl,vw->ncvl' by a run-time graph (and its transpose) is a left product, no TRANSPOSE", async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [B, 3, V, L]], ['adj', 'float32', [V, V]]], outputs: ['y'], opset: 12,
    nodes: [
      node('Conv', ['x', 'w0', 'b0'], ['h'], { kernel_shape: [1, 2], pads: [0, 1, 0, 0] }),
      node('ReduceSum', ['adj'], ['deg'], { axes: [1], keepdims: 1 }),
      node('Add', ['deg', 'one'], ['deg1']),
      node('Div', ['adj', 'deg1'], ['a']),
      node('Transpose', ['a'], ['at'], { perm: [1, 0] }),
      node('Einsum', ['h', 'a'], ['x1'], { equation: 'ncwl,vw->ncvl' }),
      node('Einsum', ['h', 'at'], ['x2'], { equation: 'ncwl,vw->ncvl' }),
      node('Concat', ['h', 'x1', 'x2'], ['cat'], { axis: 1 }),
      node('Conv', ['cat', 'w1', 'b1'], ['y'], { kernel_shape: [1, 1] }),
    ],
    initializers: [
      tensor('w0', 'float32', [C, 3, 1, 2], waveValues(C * 6, 1)), tensor('b0', 'float32', [C], waveValues(C, 2)),
      tensor('one', 'float32', [], [1]),
      tensor('w1', 'float32', [C, 3 * C, 1, 1], waveValues(3 * C * C, 4)), tensor('b1', 'float32', [C], waveValues(C, 5)),
    ],
  });
  const m = await matchBuilt(model, 'einsum-left-product-runtime', 7);
  assert.equal(m.result.transposeCount, 0);
  const bmm = m.result.model.subgraphs[0].operators.filter((op) => op.opcode === 'BATCH_MATMUL');
  assert.equal(bmm.length, 2);
});

test("DCRNN's 'nm,bmf->bnf' by a run-time support matrix is a left product, no TRANSPOSE", async () => {
  const F = 3, N = 5;
  const model = buildModel({
    inputs: [['x', 'float32', [B, N, F]], ['adj', 'float32', [N, N]]], outputs: ['y'], opset: 12,
    nodes: [
      node('ReduceSum', ['adj'], ['deg'], { axes: [1], keepdims: 1 }),
      node('Add', ['deg', 'one'], ['deg1']),
      node('Div', ['adj', 'deg1'], ['s']),
      node('Einsum', ['s', 'x'], ['x1'], { equation: 'nm,bmf->bnf' }),
      node('Einsum', ['s', 'x1'], ['x2'], { equation: 'nm,bmf->bnf' }),
      node('Concat', ['x', 'x1', 'x2'], ['cat'], { axis: 2 }),
      node('MatMul', ['cat', 'w'], ['y']),
    ],
    initializers: [tensor('one', 'float32', [], [1]), tensor('w', 'float32', [3 * F, 4], waveValues(3 * F * 4, 6))],
  });
  const m = await matchBuilt(model, 'einsum-left-product-dcrnn', 7);
  assert.equal(m.result.transposeCount, 0);
});

// BEVFormer's point sampling (nineteenth sweep): 'nij,qzj->nqzi' projects constant pillar points [q, z, 4] by each
// camera's run-time lidar2img [n, 4, 4]. As a FULLY_CONNECTED the product came out [n, i, q, z] and moved to ONNX
// order (1 TRANSPOSE); BATCH_MATMUL(points [1, q·z, 4], lidar2img with adj_y) writes [n, q·z, i] as it is: none.
test("BEVFormer's 'nij,qzj->nqzi' of run-time matrices by constant points is BATCH_MATMUL(points, mᵀ), no TRANSPOSE", async () => {
  const model = buildModel({
    inputs: [['m', 'float32', [3, 4, 4]]], outputs: ['y'], opset: 13,
    nodes: [node('Einsum', ['m', 'pts'], ['y'], { equation: 'nij,qzj->nqzi' })],
    initializers: [tensor('pts', 'float32', [5, 2, 4], waveValues(40, 6))],
  });
  const m = await matchBuilt(model, 'einsum-points', 9);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.opHistogram.BATCH_MATMUL, 1, JSON.stringify(m.result.opHistogram));
});
