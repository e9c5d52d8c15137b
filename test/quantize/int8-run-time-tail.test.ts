// A detector with NonMaxSuppression in its graph is int8 up to the boxes and scores entering NMS, and its
// run-time-sized tail (NMS, the kept rows' gathers) runs float32 (int8-run-time-tail.ts). Full int8 refused such a
// model whole ("tensors sized at run time ... use --quantize fp16 or dynamic": DDQ-DETR, torchvision's SSDlite /
// RetinaNet). Here in small: two convolutions over an image, 16 anchors on a 4×4 grid moved by a box head, a sigmoid
// score head, NMS, and the kept boxes gathered; judged by the detections as sets against onnxruntime's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runTimeTailOps, runTimeOnly, selectionInputOps } from '../../src/quantize/int8-run-time-tail';
import { pairDetections, boxIou } from '../../src/compare/detection-sets';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { floats, rng } from './helpers';

const A = 16; // anchors
const r = rng(7);
const w = (n: number, s: number) => Array.from({ length: n }, () => (2 * r() - 1) * s);
// Anchors [y1, x1, y2, x2]: 6-pixel boxes every 4 pixels (neighbours overlap: IoU 0.2, diagonal 0.06).
const anchors = Array.from({ length: A }, (_, a) => { const y = 4 * Math.floor(a / 4), x = 4 * (a % 4); return [y, x, y + 6, x + 6]; }).flat();

function detector(): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['image', 'float32', [1, 3, 16, 16]]], outputs: ['boxes', 'scores'], opset: 13,
    nodes: [
      node('Conv', ['image', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }), node('Relu', ['c2'], ['r2']),
      // Box head: 4 offsets per cell, [1, 4, 4, 4] → [1, 16, 4], added to the anchors.
      node('Conv', ['r2', 'wb', 'bb'], ['off'], { kernel_shape: [1, 1] }), node('Reshape', ['off', 'shape_b'], ['off_r']),
      node('Transpose', ['off_r'], ['off_t'], { perm: [0, 2, 1] }), node('Add', ['off_t', 'anchors'], ['all_boxes']),
      // Score head: one class, [1, 1, 16].
      node('Conv', ['r2', 'ws', 'bs'], ['logit'], { kernel_shape: [1, 1] }), node('Sigmoid', ['logit'], ['prob']),
      node('Reshape', ['prob', 'shape_s'], ['all_scores']),
      node('NonMaxSuppression', ['all_boxes', 'all_scores', 'max_out', 'iou', 'score_thr'], ['sel']),
      node('Gather', ['sel', 'col'], ['idx'], { axis: 1 }),
      node('Squeeze', ['all_boxes', 'axis0'], ['boxes_2d']), node('Gather', ['boxes_2d', 'idx'], ['boxes'], { axis: 0 }),
      node('Squeeze', ['all_scores', 'axes01'], ['scores_1d']), node('Gather', ['scores_1d', 'idx'], ['scores'], { axis: 0 }),
    ],
    initializers: [
      tensor('w1', 'float32', [8, 3, 3, 3], w(8 * 27, 0.5)), tensor('b1', 'float32', [8], w(8, 0.1)),
      tensor('w2', 'float32', [8, 8, 3, 3], w(8 * 72, 0.3)), tensor('b2', 'float32', [8], w(8, 0.1)),
      tensor('wb', 'float32', [4, 8, 1, 1], w(32, 0.5)), tensor('bb', 'float32', [4], [0, 0, 0, 0]),
      tensor('ws', 'float32', [1, 8, 1, 1], w(8, 3)), tensor('bs', 'float32', [1], [0]),
      tensor('shape_b', 'int64', [3], [1, 4, A]), tensor('shape_s', 'int64', [3], [1, 1, A]),
      tensor('anchors', 'float32', [1, A, 4], anchors),
      tensor('max_out', 'int64', [1], [10]), tensor('iou', 'float32', [1], [0.15]), tensor('score_thr', 'float32', [1], [0.05]),
      tensor('col', 'int64', [], [2]), tensor('axis0', 'int64', [1], [0]), tensor('axes01', 'int64', [2], [0, 1]),
    ],
  }));
}

test('a detector with NMS in the graph: the fixed-size part int8, NMS and after float32, the same detections as onnxruntime', async () => {
  const bytes = detector();
  // main refused it: "full-integer int8 of a model with tensors sized at run time ("...": NonZero, NonMaxSuppression...)".
  const { result } = await quantizeModelBytes(bytes, 'nms.onnx', {}, { mode: 'int8', int16: 'off', weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  // The backbone runs int8; the two heads making the boxes and scores NMS ranks compute in float from int8 weights.
  const convs = sg.operators.filter((op) => op.opcode === 'CONV_2D');
  assert.equal(convs.length, 4);
  assert.deepEqual(convs.map((op) => sg.tensors[op.outputs[0]].type), ['INT8', 'INT8', 'FLOAT32', 'FLOAT32']);
  const int8Weights = (w: number) => sg.tensors[w].type === 'INT8'
    || sg.operators.some((op) => op.opcode === 'DEQUANTIZE' && op.outputs[0] === w && sg.tensors[op.inputs[0]].type === 'INT8');
  assert.ok(convs.every((op) => int8Weights(op.inputs[1])), 'int8 weights everywhere');
  const nms = sg.operators.find((op) => op.opcode.startsWith('NON_MAX_SUPPRESSION'))!;
  assert.ok(nms.inputs.slice(0, 2).every((i) => sg.tensors[i].type === 'FLOAT32'), 'NMS reads float boxes and scores');
  assert.ok(result.warnings.some((x) => x.includes('sized at run time')), result.warnings.join('\n'));
  assert.ok(result.warnings.some((x) => x.includes('NMS or a TopK')), result.warnings.join('\n'));
  const m = await openConverted(serializeTflite(result.model));
  const x = rng(11);
  let paired = 0, total = 0, iou = 0;
  for (let s = 0; s < 6; s++) {
    const image = tensor('image', 'float32', [1, 3, 16, 16], Array.from({ length: 768 }, () => x()));
    const want = await runOnnx(bytes, [image]);
    const got = await m.run([image]);
    const ref = { boxes: floats(want.get('boxes')!), scores: floats(want.get('scores')!) };
    const p = pairDetections(ref, { boxes: floats(got.get('boxes')!), scores: floats(got.get('scores')!) });
    total += ref.scores.length;
    paired += p.pairs.length;
    for (const [i, j] of p.pairs) iou += boxIou(ref.boxes, i, floats(got.get('boxes')!), j);
  }
  m.close();
  assert.ok(total > 12, `onnxruntime kept ${total} boxes`);
  assert.ok(paired >= total - 1, `${paired} / ${total} detections paired`);
  assert.ok(iou / paired > 0.95, `mean IoU ${iou / paired}`);
});

test('the run-time tail: what reads or follows a tensor sized at run time; a model sized at run time from its first op is refused', () => {
  const f = (name: string, shape: number[], sig?: number[]) => ({ name, shape, type: 'FLOAT32', ...(sig ? { shapeSignature: sig } : {}) });
  const sg = {
    tensors: [f('x', [1, 8]), f('h', [1, 8]), f('sel', [1, 1], [-1, 1]), f('y', [1, 1], [-1, 1]), f('z', [1, 1], [-1, 1]), f('side', [1, 8])],
    operators: [
      { opcode: 'FULLY_CONNECTED', inputs: [0], outputs: [1] }, { opcode: 'WHERE', inputs: [1], outputs: [2] },
      { opcode: 'RELU', inputs: [2], outputs: [3] }, { opcode: 'ADD', inputs: [3, 3], outputs: [4] }, { opcode: 'TANH', inputs: [1], outputs: [5] },
    ],
    inputs: [0], outputs: [4, 5],
  };
  assert.deepEqual([...runTimeTailOps(sg as never)].sort(), [1, 2, 3]);
  // What the tail reads (h, into the WHERE), back to its layer; not the TANH beside it.
  assert.deepEqual([...selectionInputOps(sg as never)], [0]);
  assert.equal(runTimeOnly(sg as never), false);
  // Without the layer before the WHERE, nothing fixed-size is left to quantize.
  assert.equal(runTimeOnly({ ...sg, operators: sg.operators.slice(1, 4), inputs: [1] } as never), true);
});
