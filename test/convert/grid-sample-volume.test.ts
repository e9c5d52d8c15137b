// GridSample on 5-D volumes (VoxelMorph's spatial transformer: a 3-D U-Net's flow added to the identity grid,
// F.grid_sample trilinear with align_corners=True; opset 16 as torch exports it) converts as 8 gathered corners and
// matches onnxruntime-node on LiteRT; other ranks are refused in one line. Before: "GridSample is supported on 4-D
// inputs only" for every volume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { matchBuilt } from '../helpers/match';

/** x [N, 2, 4, 5, 6] sampled at grid × 1.3 (some points outside the volume), grid [N, 3, 4, 2, 3]. */
function volumeModel(n: number, attrs: Record<string, string | number>) {
  return buildModel({
    opset: 16,
    inputs: [['x', 'float32', [n, 2, 4, 5, 6]], ['grid', 'float32', [n, 3, 4, 2, 3]]],
    outputs: [['y', 'float32', [n, 2, 3, 4, 2]]],
    nodes: [node('Mul', ['grid', 'scale'], ['g']), node('GridSample', ['x', 'g'], ['y'], attrs)],
    initializers: [tensor('scale', 'float32', [], [1.3])],
  });
}

for (const [mode, padding, align, n] of [['bilinear', 'zeros', 1, 1], ['bilinear', 'zeros', 0, 2], ['bilinear', 'border', 1, 1],
  ['bilinear', 'reflection', 0, 1], ['nearest', 'zeros', 1, 1], ['nearest', 'reflection', 1, 2]] as const) {
  test(`GridSample on a volume (${mode}, ${padding}, align_corners=${align}, batch ${n}) matches onnxruntime`, async () => {
    const m = await matchBuilt(volumeModel(n, { mode, padding_mode: padding, align_corners: align }), `gs3d-${mode}-${padding}`, 5);
    assert.ok(m.outputs[0]!.maxRef > 0.1, 'the output is not all zeros');
    assert.equal(m.result.transposeCount, 0, 'the volume is gathered channel-last');
  });
}

test('GridSample on a 3-D input (no spatial pair) is refused in one line', () => {
  const m = buildModel({
    opset: 16, inputs: [['x', 'float32', [1, 2, 5]], ['grid', 'float32', [1, 4, 1]]], outputs: [['y', 'float32', [1, 2, 4]]],
    nodes: [node('GridSample', ['x', 'grid'], ['y'])], infer: false,
  });
  assert.throws(() => convertModel(m), (e: Error) => /GridSample is supported on 4-D and 5-D inputs only \(this one is 3-D\)/.test(e.message) && !e.message.includes('\n'));
});
