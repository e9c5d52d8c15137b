// Sequencer2D's BiLSTM2D block: a bidirectional batch_first LSTM along the rows (vertical) and one along the columns
// (horizontal) of a [B, H, W, C] map, their outputs concatenated. torch exports each LSTM time-major: X moved
// [N, T, C] → [T, N, C], Y [T, 2, N, h] moved [T, N, 2, h], viewed [T, N, 2h] and moved back to [N, T, 2h]. The
// lowering read X and wrote Y in ONNX order, so the horizontal LSTM's input, both outputs and the concat were moved
// (4 TRANSPOSE a block in the sweep). Now Y read only by that [0, 2, 1, 3] move is stored [T, N, 2, h], or
// [N, T, 2, h] with X read batch-major as stored when the model's own batch_first move was left lazy: the steps are
// taken and stacked along axis 1 (src/convert/ops/_recurrent.ts `order`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const H = 4, W = 5, C = 6, h = 3;

function lstm(tag: string, x: string, y: string) {
  return [
    node('Transpose', [x], [`${tag}_tm`], { perm: [1, 0, 2] }),
    node('LSTM', [`${tag}_tm`, `${tag}_W`, `${tag}_R`, `${tag}_B`], [`${tag}_Y`], { hidden_size: h, direction: 'bidirectional' }),
    node('Transpose', [`${tag}_Y`], [`${tag}_Yt`], { perm: [0, 2, 1, 3] }),
    node('Reshape', [`${tag}_Yt`, `${tag}_view`], [`${tag}_Yv`]),
    node('Transpose', [`${tag}_Yv`], [y], { perm: [1, 0, 2] }),
  ];
}

const weights = (tag: string, t: number, n: number, seed: number) => [
  tensor(`${tag}_W`, 'float32', [2, 4 * h, C], waveValues(2 * 4 * h * C, seed)),
  tensor(`${tag}_R`, 'float32', [2, 4 * h, h], waveValues(2 * 4 * h * h, seed + 1)),
  tensor(`${tag}_B`, 'float32', [2, 8 * h], waveValues(2 * 8 * h, seed + 2)),
  tensor(`${tag}_view`, 'int64', [3], [t, n, 2 * h]),
];

test('Sequencer2D BiLSTM2D block: both LSTMs read and write their stored order, 4 TRANSPOSE → 0', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, H, W, C]]], outputs: ['y'], opset: 13,
    nodes: [
      // vertical: along H, one sequence a column
      node('Transpose', ['x'], ['xv'], { perm: [0, 2, 1, 3] }), node('Reshape', ['xv', 'v_rows'], ['v_in']),
      ...lstm('v', 'v_in', 'v_out'),
      node('Reshape', ['v_out', 'v_map'], ['v_m']), node('Transpose', ['v_m'], ['v_back'], { perm: [0, 2, 1, 3] }),
      // horizontal: along W, one sequence a row
      node('Reshape', ['x', 'h_rows'], ['h_in']), ...lstm('h', 'h_in', 'h_out'), node('Reshape', ['h_out', 'h_map'], ['h_back']),
      node('Concat', ['v_back', 'h_back'], ['y'], { axis: -1 }),
    ],
    initializers: [
      ...weights('v', H, W, 1), ...weights('h', W, H, 5),
      tensor('v_rows', 'int64', [3], [W, H, C]), tensor('v_map', 'int64', [4], [1, W, H, 2 * h]),
      tensor('h_rows', 'int64', [3], [H, W, C]), tensor('h_map', 'int64', [4], [1, H, W, 2 * h]),
    ],
  });
  const m = await matchBuilt(model, 'lstm-batch-major', 71);
  assert.equal(m.result.transposeCount, 0);
});

// GRU4Rec (RecBole): a unidirectional batch_first GRU over item embeddings, exported as X moved [N, T, C] → [T, N, C],
// Y [T, 1, N, h] squeezed to [T, N, h] and moved back to [N, T, h] for the dense layer. Y was stored in ONNX order and
// moved for the dense layer (2 TRANSPOSE with X moved too); now a Y whose directions torch squeezes before that move is
// stacked batch-major (`yBatch`), and X, left lazy by the model's move, is read as stored: 0.
test('a batch_first unidirectional GRU squeezed and moved batch first reads X and writes Y batch-major: 2 TRANSPOSE → 0', async () => {
  const N = 3, T = 5, hs = 4;
  const model = buildModel({
    inputs: [['x', 'float32', [N, T, C]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['x'], ['xt'], { perm: [1, 0, 2] }),
      node('GRU', ['xt', 'W', 'R', 'B'], ['Y'], { hidden_size: hs }),
      node('Squeeze', ['Y', 'ax1'], ['Ys']), node('Transpose', ['Ys'], ['Yb'], { perm: [1, 0, 2] }),
      node('MatMul', ['Yb', 'dense'], ['y']),
    ],
    initializers: [
      tensor('W', 'float32', [1, 3 * hs, C], waveValues(3 * hs * C, 11)), tensor('R', 'float32', [1, 3 * hs, hs], waveValues(3 * hs * hs, 12)),
      tensor('B', 'float32', [1, 6 * hs], waveValues(6 * hs, 13)), tensor('ax1', 'int64', [1], [1]),
      tensor('dense', 'float32', [hs, 7], waveValues(hs * 7, 14)),
    ],
  });
  const m = await matchBuilt(model, 'gru-batch-first', 13);
  assert.equal(m.result.transposeCount, 0);
});
