// XLNet's relative attention (seventeenth sequence sweep): q [i, b, n, d] (sequence-first) plus r_w_bias is read by
// the content term einsum('ibnd,jbnd->bnij', q + r_w, k) and q plus r_r_bias by the position term
// einsum('ibnd,jbnd->bnij', q + r_r, k_r) against the constant relative keys. Each sum was computed in q's ONNX order
// and moved heads-first [b, n, i, d] for its product (2 moves of q's sums, 1 of k). The content term's Transpose and the
// position term's Einsum take their sums in one order: q moves once and both sums run in that order
// (elementwise-layout.ts `hoistedPerm`, the Einsum's operand order from einsum-reader.ts): 3 -> 2 TRANSPOSE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [I, B, N, D] = [6, 2, 2, 8];
const E = N * D;

test("q's two biased sums read by a Transpose and an Einsum in one order: q moves once (3 -> 2 TRANSPOSE)", async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [I, B, E]]], outputs: ['p'], opset: 13,
    nodes: [
      node('Einsum', ['x', 'wq'], ['q'], { equation: 'ibh,hnd->ibnd' }), node('Einsum', ['x', 'wk'], ['k'], { equation: 'ibh,hnd->ibnd' }),
      node('Add', ['q', 'rw'], ['qw']), node('Add', ['q', 'rr'], ['qr']),
      node('Einsum', ['qw', 'k'], ['ac'], { equation: 'ibnd,jbnd->bnij' }),
      node('Einsum', ['qr', 'kr'], ['bd'], { equation: 'ibnd,jbnd->bnij' }),
      node('Add', ['ac', 'bd'], ['s']), node('Softmax', ['s'], ['p'], { axis: -1 }),
    ],
    initializers: [
      tensor('wq', 'float32', [E, N, D], waveValues(E * E, 1)), tensor('wk', 'float32', [E, N, D], waveValues(E * E, 2)),
      tensor('rw', 'float32', [N, D], waveValues(E, 3)), tensor('rr', 'float32', [N, D], waveValues(E, 4)),
      tensor('kr', 'float32', [I, B, N, D], waveValues(I * B * E, 5)),
    ],
  });
  const m = await matchBuilt(model, 'hoisted-bias-einsum', 41);
  const sg = m.result.model.subgraphs[0];
  const moves = sg.operators.filter((op) => op.opcode === 'TRANSPOSE').map((op) => `${op.onnxNode} [${sg.tensors[op.inputs[0]].shape}]`);
  assert.equal(m.result.transposeCount, 2, moves.join(' '));
});
