// GridSample mode=bicubic (opset 16; cubic at opset 20) as 16 gathered taps weighted by the cubic convolution
// coefficients (A = -0.75): every padding mode, both align_corners, points inside and outside the image, match
// onnxruntime-node on LiteRT with the image channel-last. Before: "GridSample with mode=bicubic is not supported".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { matchBuilt } from '../helpers/match';

/** x [N, 3, 5, 7] sampled at grid × 1.4 (some points outside the image), grid [N, 4, 6, 2]. */
function cubicModel(opset: number, attrs: Record<string, string | number>) {
  return buildModel({
    opset,
    inputs: [['x', 'float32', [2, 3, 5, 7]], ['grid', 'float32', [2, 4, 6, 2]]],
    outputs: [['y', 'float32', [2, 3, 4, 6]]],
    nodes: [node('Mul', ['grid', 'scale'], ['g']), node('GridSample', ['x', 'g'], ['y'], attrs)],
    initializers: [tensor('scale', 'float32', [], [1.4])],
  });
}

for (const [padding, align] of [['zeros', 0], ['zeros', 1], ['border', 0], ['border', 1], ['reflection', 0], ['reflection', 1]] as const) {
  test(`GridSample bicubic (${padding}, align_corners=${align}) matches onnxruntime`, async () => {
    const m = await matchBuilt(cubicModel(16, { mode: 'bicubic', padding_mode: padding, align_corners: align }), `gs-bicubic-${padding}-${align}`, 3 + align, 1e-5);
    assert.ok(m.outputs[0]!.maxRef > 0.1, 'the output is not all zeros');
    assert.equal(m.result.transposeCount, 0, 'the image is gathered channel-last');
  });
}

test('GridSample cubic at opset 20 matches onnxruntime', async () => {
  const m = await matchBuilt(cubicModel(20, { mode: 'cubic', padding_mode: 'zeros' }), 'gs-cubic-20', 9, 1e-5);
  assert.ok(m.outputs[0]!.maxRef > 0.1);
});

test('GridSample cubic on a volume is refused in one line', () => {
  const m = buildModel({
    opset: 20, inputs: [['x', 'float32', [1, 2, 3, 4, 5]], ['grid', 'float32', [1, 2, 2, 2, 3]]], outputs: [['y', 'float32', [1, 2, 2, 2, 2]]],
    nodes: [node('GridSample', ['x', 'grid'], ['y'], { mode: 'cubic' })], infer: false,
  });
  assert.throws(() => convertModel(m), (e: Error) => /GridSample with mode=cubic is defined on 4-D inputs only/.test(e.message) && !e.message.includes('\n'));
});
