// XMem's readout (twenty-third vision sweep): the affinity [1, M, HW] keeps its top k along the memory axis, softmaxed
// and scattered back into zeros (`torch.zeros_like(a).scatter_(1, idx, softmax(vals))`), then the memory values read
// it. TopK takes its axis last, so its outputs are stored [1, HW, k]; the plain scatter ran in ONNX order (a plain
// scatter keeps each element's last writer, so order matters in general) and moved both back. TopK's indices never
// repeat along its axis: no element has two writers, and the scatter runs as TopK left them (`ScatterElements.ts`
// `distinctIndices`: XMem 4 -> 1 TRANSPOSE, the TopK's own move).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const [M, h, w, C, K] = [20, 4, 5, 6, 4];

function readout(scatterAxis: number) {
  return buildModel({
    inputs: [['a', 'float32', [1, M, h * w]]], outputs: ['y'], opset: 13,
    nodes: [
      node('TopK', ['a', 'k'], ['vals', 'idx'], { axis: 1 }),
      node('Softmax', ['vals'], ['p'], { axis: 1 }),
      // Along the other axis (M = h·w, so the indices fit it) they may repeat: each element's last writer counts.
      node('ScatterElements', ['zeros', 'idx', 'p'], ['s'], { axis: scatterAxis }),
      node('MatMul', ['mem', 's'], ['r']),
      node('Reshape', ['r', 'map'], ['r4']),
      node('Conv', ['r4', 'wc', 'bc'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [
      tensor('k', 'int64', [1], [K]),
      tensor('zeros', 'float32', [1, M, h * w], new Array(M * h * w).fill(0)),
      tensor('mem', 'float32', [1, C, M], waveValues(C * M, 1)),
      tensor('map', 'int64', [4], [1, C, h, w]),
      tensor('wc', 'float32', [3, C, 3, 3], waveValues(3 * C * 9, 2)), tensor('bc', 'float32', [3], waveValues(3, 3)),
    ],
  });
}

test('top-k affinities scattered back along TopK\'s axis run as TopK stored them: only its move', async () => {
  const m = await matchBuilt(readout(1), 'scatter-topk-order', 100);
  assert.equal(m.result.transposeCount, 1);
});

test('indices scattered along another axis than TopK\'s keep ONNX order, with their values', async () => {
  await matchBuilt(readout(2), 'scatter-topk-other-axis', 101);
});
