// A channel-last map viewed [B, G, C/G, H, W] and multiplied with other views of the same dims (CREStereo's group
// correlation: the left features against each sampled right map, then the mean over C/G into a convolution) keeps the
// view's free stored order [B, H, W, G, C/G]: moving it once to 5-D channel-last for its readers made each of them move
// its other operand instead (CREStereo: 56 → 19 TRANSPOSE). The product's mean leaves [B, H, W, G]: channel-last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

test('group correlation of reshaped views: no TRANSPOSE, equal to onnxruntime on LiteRT', async () => {
  const views = [0, 1, 2];
  const m = buildModel({
    opset: 13, inputs: [['x', 'float32', [1, 3, 8, 12]]], outputs: ['y'],
    nodes: [
      node('Conv', ['x', 'wf'], ['f']), node('Reshape', ['f', 'vshape'], ['fv']),
      ...views.flatMap((i) => [
        node('Conv', ['x', `w${i}`], [`s${i}`]), node('Reshape', [`s${i}`, 'vshape'], [`sv${i}`]),
        node('Mul', ['fv', `sv${i}`], [`p${i}`]), node('ReduceMean', [`p${i}`], [`c${i}`], { axes: [2], keepdims: 0 }),
      ]),
      node('Concat', views.map((i) => `c${i}`), ['cat'], { axis: 1 }), node('Conv', ['cat', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wf', 'float32', [8, 3, 1, 1], seq(24, (k) => Math.sin(k * 1.1))),
      ...views.map((i) => tensor(`w${i}`, 'float32', [8, 3, 1, 1], seq(24, (k) => Math.cos(k * 0.9 + i)))),
      tensor('wo', 'float32', [2, 12, 1, 1], seq(24, (k) => Math.sin(k * 0.5))),
      tensor('vshape', 'int64', [5], [1, 4, 2, 8, 12]),
    ],
  });
  const r = await matchBuilt(m, 'group-corr', 6);
  assert.ok(r.outputs[0]!.maxRef > 0.1);
  assert.equal(r.result.transposeCount, 0);
});
