// A grouped Conv whose weights and bias are computed in the graph: CondInst's dynamic mask head applies per-instance
// filters that a controller conv predicts, as F.conv2d(x, w.reshape(K·O, I, 1, 1), b, groups=K) over the K
// instances' inputs stacked on channels. Was refused ("Conv with computed weights is supported only for 2-D
// convolutions with group 1 or depthwise"); now the input, filters and bias are SPLIT per group (src/convert/ops/Conv.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const K = 3, I = 4, O = 2, H = 6, KS = 3;

for (const computedBias of [true, false]) {
  test(`grouped Conv (group ${K}) with weights${computedBias ? ' and bias' : ''} from the graph matches onnxruntime`, async () => {
    const P = K * O * I * KS * KS;
    const model = buildModel({
      opset: 13, inputs: [['x', 'float32', [1, K * I, H, H]], ['params', 'float32', [1, P + K * O]]], outputs: ['y'],
      initializers: [
        tensor('split', 'int64', [2], [P, K * O]), tensor('wshape', 'int64', [4], [K * O, I, KS, KS]), tensor('bshape', 'int64', [1], [K * O]),
        tensor('cb', 'float32', [K * O], Array.from({ length: K * O }, (_, i) => 0.1 * i - 0.2)),
      ],
      nodes: [
        node('Split', ['params', 'split'], ['pw', 'pb'], { axis: 1 }),
        node('Reshape', ['pw', 'wshape'], ['w']), node('Reshape', ['pb', 'bshape'], ['b']),
        node('Conv', ['x', 'w', computedBias ? 'b' : 'cb'], ['y'], { group: K, kernel_shape: [KS, KS], pads: [1, 1, 1, 1] }),
      ],
    });
    const m = await matchBuilt(model, `conv-grouped-computed-${computedBias}`, 3);
    assert.equal(m.result.opHistogram.CONV_2D, K, JSON.stringify(m.result.opHistogram));
  });
}
