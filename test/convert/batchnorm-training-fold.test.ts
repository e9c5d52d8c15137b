// BatchNormalization in training mode before opset 14 (more than one output): torch 1.13 exports
// F.batch_norm(training=True, running stats None) so, with the batch's mean and variance computed in the graph as its
// mean / var inputs. timm's ScaledStdConv2d (NFNet, every conv) standardizes its weight that way: on constants it
// folds (src/ir/fold-kernels.ts batchNorm), so the grouped Conv reads a constant weight; on activations it converts
// with the batch's statistics. Before, both were refused ("running mean/var outputs (training mode before opset 14)").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const O = 8, I = 4, G = 2, K = 3, H = 10;
const fanIn = (I / G) * K * K;

/** torch's export of F.batch_norm(src, None, None, gain, training=True) on a [1, C, n] value: 5 outputs. */
const standardize = (src: string, out: string) => [
  node('ReduceMean', [src], ['mean_k'], { axes: [0, 2], keepdims: 1 }),
  node('Sub', [src, 'mean_k'], ['cen']), node('Mul', ['cen', 'cen'], ['sq']),
  node('ReduceMean', ['sq'], ['var_k'], { axes: [0, 2], keepdims: 1 }),
  node('Reshape', ['mean_k', 'cshape'], ['mean']), node('Reshape', ['var_k', 'cshape'], ['var']),
  node('BatchNormalization', [src, 'gain', 'zero', 'mean', 'var'], [out, 'rm', 'rv', 'sm', 'sv'], { epsilon: 1e-6, momentum: 0.5 }),
];

test('ScaledStdConv2d (opset 13 training-mode BatchNormalization on the weight): folds, grouped Conv, matches onnxruntime', async () => {
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [1, I, H, H]]], outputs: ['y'],
    initializers: [
      tensor('w', 'float32', [O, I / G, K, K], waveValues(O * fanIn, 3)),
      tensor('wshape', 'int64', [3], [1, O, -1]), tensor('kshape', 'int64', [4], [O, I / G, K, K]),
      tensor('cshape', 'int64', [1], [O]),
      tensor('gain', 'float32', [O], waveValues(O, 5).map((a) => (a + 1) * fanIn ** -0.5)),
      tensor('zero', 'float32', [O], new Array(O).fill(0)), tensor('b', 'float32', [O], waveValues(O, 9)),
    ],
    nodes: [
      node('Reshape', ['w', 'wshape'], ['wv']), ...standardize('wv', 'ws'), node('Reshape', ['ws', 'kshape'], ['wk']),
      node('Conv', ['x', 'wk', 'b'], ['y'], { group: G, kernel_shape: [K, K], pads: [1, 1, 1, 1] }),
    ],
  });
  const m = await matchBuilt(model, 'scaled-std-conv', 5);
  const h = m.result.opHistogram;
  assert.equal(h.CONV_2D, G, JSON.stringify(h));
  assert.equal((h.MEAN ?? 0) + (h.RSQRT ?? 0) + (h.SUB ?? 0), 0, JSON.stringify(h));
});

test('opset 13 training-mode BatchNormalization on an activation: normalizes with the batch statistics', async () => {
  const model = buildModel({
    opset: 13, inputs: [['x', 'float32', [1, O, 12]]], outputs: ['y'],
    initializers: [
      tensor('cshape', 'int64', [1], [O]),
      tensor('gain', 'float32', [O], waveValues(O, 5).map((a) => a + 1)),
      tensor('zero', 'float32', [O], waveValues(O, 13)),
    ],
    nodes: standardize('x', 'y'),
  });
  await matchBuilt(model, 'bn-train-13', 7);
});
