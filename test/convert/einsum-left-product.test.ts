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
