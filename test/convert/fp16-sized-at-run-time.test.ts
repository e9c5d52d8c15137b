// Float16 models (onnxconverter-common's keep_io_types: a Cast to float16 after the input, to float32 before the
// output) whose tensors are sized at run time, as torchvision's Faster R-CNN converted to float16 (the RoIs after
// NonZero, a zero batch column from ConstantOfShape concatenated to them, a Cast to float32 before
// NonMaxSuppression / RoiAlign). Compute is float32 here, so two things went wrong (the model was refused by the
// self-check, "gather index out of bounds" in RoiAlign's WHILE body, or "XNNPack delegate failed to reshape"):
// - a Cast whose both sides are float32 here was written as a RESHAPE to the output's placeholder shape, 1 for the
//   run-time dim ([1, 1, 5] for [1, K, 5]); now the output is another name for the input (ops/Cast.ts);
// - ConstantOfShape's float16 value gave a FILL of FLOAT16 read as float32 bits by the CONCATENATION after it (the
//   batch column held box coordinates); now the value is float32 (simplify-fp16.ts). The test fills 1.5: a zero
//   fill has the same bits in both types and hid the bug.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { makeTensor } from '../../src/ir/tensor';
import { convertAndMatch } from '../helpers/match';

test('float16 RoIs sized at run time: a batch column (ConstantOfShape) and Casts to float32 convert and match onnxruntime', async () => {
  const model = buildModel({
    opset: 17, inputs: [['x', 'float32', [6, 4]]], outputs: ['y'],
    initializers: [tensor('zero', 'float16', [], [0]), tensor('col0', 'int64', [1], [0]), tensor('col1', 'int64', [1], [1]),
      tensor('ax1', 'int64', [1], [1]), tensor('ax0', 'int64', [1], [0]), tensor('sq', 'int64', [1], [0])],
    nodes: [
      node('Cast', ['x'], ['xh'], { to: 10 }),
      node('Slice', ['xh', 'col0', 'col1', 'ax1'], ['s']), node('Squeeze', ['s', 'ax1'], ['score']),
      node('Greater', ['score', 'zero'], ['keep']), node('NonZero', ['keep'], ['nz']), node('Squeeze', ['nz', 'sq'], ['idx']),
      node('Gather', ['xh', 'idx'], ['boxes'], { axis: 0 }),
      node('Slice', ['boxes', 'col0', 'col1', 'ax1'], ['b0']), node('Shape', ['b0'], ['bs']),
      node('ConstantOfShape', ['bs'], ['ids'], { value: tensor('v', 'float16', [1], [1.5]) }),
      node('Concat', ['ids', 'boxes'], ['rois'], { axis: 1 }), node('Unsqueeze', ['rois', 'ax0'], ['r3']),
      node('Cast', ['r3'], ['y'], { to: 1 }),
    ],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'fp16-rois-')), 'm.onnx');
  writeFileSync(file, encodeModel(model));
  // Values float16 holds exactly (eighths): onnxruntime's float16 compute and LiteRT's float32 agree bit for bit.
  // Column 0 (the score) keeps rows 0, 2, 3 and 5: K = 4 RoIs.
  const score = [1, -1, 2, 3, -2, 0.5];
  const x = makeTensor('x', 'float32', [6, 4], Array.from({ length: 24 }, (_, i) => (i % 4 ? ((i * 37) % 29 - 14) / 8 : score[i / 4])));
  const m = await convertAndMatch(file, model, [x]);
  assert.equal(m.worst, 0, JSON.stringify(m.outputs));
});

test('a Cast int64 → int32 (one TFLite type) of a tensor sized at run time keeps its run-time dim', async () => {
  const model = buildModel({
    opset: 17, inputs: [['x', 'float32', [6]]], outputs: ['y'], initializers: [tensor('zero', 'float32', [], [0])],
    nodes: [node('Greater', ['x', 'zero'], ['keep']), node('NonZero', ['keep'], ['nz']), node('Cast', ['nz'], ['y'], { to: 6 })],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'cast-i32-')), 'm.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, [makeTensor('x', 'float32', [6], [1, -1, 2, 3, -2, 0.5])]);
  assert.equal(m.worst, 0, JSON.stringify(m.outputs));
});
