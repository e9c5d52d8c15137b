// TiSASRec's interval-aware attention (twenty-first sequence sweep): scores = einsum('bihe,bjhe->bhij', q, k) +
// einsum('bihe,bijhe->bhij', q, E) with E [B, N, N, H, D] the embedded time intervals between every two positions.
// As a BATCH_MATMUL the second needed (b, i, h) leading: a TRANSPOSE of all of E, and of the product after. It is
// now a broadcast MUL of q viewed [B, N, 1, H, D] by E as stored and a SUM over D (ops/_einsum-mulsum.ts), its
// [B, N, N, H] result moved once to ONNX order: 4 -> 3 TRANSPOSE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import type { Model } from '../../src/ir/types';
import { matchBuilt, waveValues } from '../helpers/match';

const B = 2, N = 5, H = 2, D = 8;

function intervalAttention(): Model {
  return buildModel({
    inputs: [['x', 'float32', [B, N, H * D]], ['e', 'float32', [B, N, N, H * D]]], outputs: ['p'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q0']), node('Reshape', ['q0', 'heads'], ['q']),
      node('MatMul', ['x', 'wk'], ['k0']), node('Reshape', ['k0', 'heads'], ['k']),
      node('Reshape', ['e', 'pairs'], ['E']),
      node('Einsum', ['q', 'k'], ['s0'], { equation: 'bihe,bjhe->bhij' }),
      node('Einsum', ['q', 'E'], ['s1'], { equation: 'bihe,bijhe->bhij' }),
      node('Add', ['s0', 's1'], ['s']), node('Softmax', ['s'], ['p'], { axis: -1 }),
    ],
    initializers: [
      tensor('wq', 'float32', [H * D, H * D], waveValues(H * D * H * D, 1)), tensor('wk', 'float32', [H * D, H * D], waveValues(H * D * H * D, 2)),
      tensor('heads', 'int64', [4], [B, N, H, D]), tensor('pairs', 'int64', [5], [B, N, N, H, D]),
    ],
  });
}

test("'bihe,bijhe->bhij' reads the pair embeddings as stored: a MUL and a SUM, 4 -> 3 TRANSPOSE", async () => {
  const m = await matchBuilt(intervalAttention(), 'einsum-mulsum', 3);
  const sg = m.result.model.subgraphs[0];
  const moved = sg.operators.filter((op) => op.opcode === 'TRANSPOSE').map((op) => sg.tensors[op.inputs[0]].shape.length);
  assert.equal(m.result.transposeCount, 3, JSON.stringify(m.result.opHistogram));
  assert.ok(moved.every((r) => r < 5), 'no TRANSPOSE of the [B, N, N, H, D] embeddings');
});

// XLNet's relative segment term: ef = einsum('ibnd,snd->ibns', q + r_s_bias, seg_embed) against the constant segment
// embeddings (s = 2), then einsum('ijbs,ibns->bnij', seg_mat, ef) added to the content scores. As a BATCH_MATMUL the
// second moved ef and seg_mat batch-first and its product back; as a MUL and a SUM (twice the terms, two moves fewer)
// only the product moves: 6 -> 4. The first (one move fewer for twice the terms) stays a BATCH_MATMUL.
const [I, BX, NX, DX, S] = [6, 2, 2, 8, 2];

function segmentTerm(): Model {
  return buildModel({
    inputs: [['x', 'float32', [I, BX, NX * DX]], ['seg', 'float32', [I, I, BX, S]]], outputs: ['p'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q0']), node('Reshape', ['q0', 'heads'], ['q']),
      node('MatMul', ['x', 'wk'], ['k0']), node('Reshape', ['k0', 'heads'], ['k']),
      node('Einsum', ['q', 'k'], ['ac'], { equation: 'ibnd,jbnd->bnij' }),
      node('Einsum', ['q', 'segEmbed'], ['ef'], { equation: 'ibnd,snd->ibns' }),
      node('Einsum', ['seg', 'ef'], ['bd'], { equation: 'ijbs,ibns->bnij' }),
      node('Add', ['ac', 'bd'], ['sc']), node('Softmax', ['sc'], ['p'], { axis: -1 }),
    ],
    initializers: [
      tensor('wq', 'float32', [NX * DX, NX * DX], waveValues(NX * DX * NX * DX, 4)), tensor('wk', 'float32', [NX * DX, NX * DX], waveValues(NX * DX * NX * DX, 5)),
      tensor('heads', 'int64', [4], [I, BX, NX, DX]), tensor('segEmbed', 'float32', [S, NX, DX], waveValues(S * NX * DX, 6)),
    ],
  });
}

test("XLNet's segment term 'ijbs,ibns->bnij' is a MUL and a SUM: only its [i, j, b, n] product moves", async () => {
  const m = await matchBuilt(segmentTerm(), 'einsum-mulsum-segment', 4);
  const sg = m.result.model.subgraphs[0];
  const moved = sg.operators.filter((op) => op.opcode === 'TRANSPOSE').map((op) => `[${sg.tensors[op.inputs[0]].shape}]`);
  assert.equal(m.result.transposeCount, 4, moved.join(' '));
});

// Multi-token attention's head mixing (twenty-second sequence sweep): the probabilities [b, g·i, n, k] viewed
// [b, g, i, n, k] and mixed within each group of 2 heads by einsum('bgink,gij->bgjnk', p, W), then viewed back
// [b, 4, n, k] for the product with v. As a BATCH_MATMUL over the groups the probabilities moved to [g, b, n, k, i]
// and the product back (2 a layer). Its six labels were one over the MUL's rank bound: the unit batch is a view, and
// W's own label j is laid out between g and the map, so the SUM writes [b, g, j, n, k] in ONNX order: 2 -> 0.
const [NM, DM] = [6, 4];

function headMixing(): Model {
  return buildModel({
    inputs: [['s', 'float32', [1, 4, NM, NM]], ['v', 'float32', [1, 4, NM, DM]]], outputs: ['o'], opset: 13,
    nodes: [
      node('Softmax', ['s'], ['p'], { axis: -1 }), node('Reshape', ['p', 'groups'], ['pg']),
      node('Einsum', ['pg', 'mix'], ['m'], { equation: 'bgink,gij->bgjnk' }),
      node('Reshape', ['m', 'heads'], ['mh']), node('MatMul', ['mh', 'v'], ['o']),
    ],
    initializers: [
      tensor('groups', 'int64', [5], [1, 2, 2, NM, NM]), tensor('heads', 'int64', [4], [1, 4, NM, NM]),
      tensor('mix', 'float32', [2, 2, 2], waveValues(8, 7).map((x) => x + 0.5)),
    ],
  });
}

test("MTA's head mixing 'bgink,gij->bgjnk' is a MUL and a SUM over the 2-wide i, as stored: 2 -> 0 TRANSPOSE", async () => {
  const m = await matchBuilt(headMixing(), 'einsum-mulsum-mixing', 5);
  assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
});
