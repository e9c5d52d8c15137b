// Convert's self-check on label-map outputs (ARG_MAX / ARG_MIN: BiSeNetV2's and PaddleSeg's exports end in an
// arg-max over classes): compared as labels, the share of pixels that differ, not by relative max error — a tie broken
// the other way read as a whole-class error (BiSeNetV2-style 512×1024: "NOT verified, max rel 4.4e-1" for 6 of
// 524,288 pixels, onnxruntime against itself 1). Beyond LABELS_OFF_SHARE differing, the check fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verificationJson, verificationLine, verifyOnLiteRt, type Verification } from '../../src/core/verify';
import { labelsAgree, labelsDiffering, LABELS_OFF_SHARE } from '../../src/compare/metrics';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

test('label maps: differing elements counted, a few ties allowed, more fail the check', () => {
  assert.equal(labelsDiffering([0, 1, 2, 3], [0, 2, 2, 1]), 2);
  assert.equal(labelsDiffering([4, 4, 1], [4, 4, 1]), 0);
  assert.ok(labelsAgree(6, 524288));
  assert.ok(labelsAgree(524, 524288) && !labelsAgree(525, 524288), `share ${LABELS_OFF_SHARE}`);
  assert.ok(!labelsAgree(1, 1), 'a classifier\'s single index must match');
  const v = (differ: number): Verification => ({ maxRel: 1e-6, cosine: 1, ms: 1, labels: { outputs: ['labels'], count: 524288, differ } });
  assert.ok(!isDegraded(v(6)));
  assert.match(verificationLine(v(6)), /^verified on LiteRT: .*label maps compared as labels \(6 of 524288 differ\)/);
  assert.ok(isDegraded(v(6000)));
  assert.match(verificationLine(v(6000)), /^NOT verified on LiteRT: .*\(6000 of 524288 differ\)/);
  assert.deepEqual(verificationJson(v(6)).labels, { outputs: ['labels'], count: 524288, differ: 6 });
});

test('a segmentation head ending in ArgMax: its labels compared as labels, its logits by max rel', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: ['logits', 'labels', 'labels_int'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w'], ['c']),
      node('Resize', ['c', 'roi', 'scales'], ['logits'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }),
      node('ArgMax', ['logits'], ['labels'], { axis: 1, keepdims: 0 }),
      node('ArgMax', ['logits'], ['am'], { axis: 1, keepdims: 1 }), node('Cast', ['am'], ['labels_int'], { to: 6 }),
    ],
    initializers: [tensor('w', 'float32', [5, 3, 1, 1], seq(15, (i) => Math.sin(i * 2.1))), tensor('roi', 'float32', [0], []),
      tensor('scales', 'float32', [4], [1, 1, 4, 4])],
  });
  const tflite = serializeTflite(convertModel(model).model);
  const v = await verifyOnLiteRt(encodeModel(model), tflite);
  assert.deepEqual(v.labels?.outputs, ['labels', 'labels_int'], 'an arg-max cast to int32 (PaddleSeg\'s export) is a label map too');
  assert.equal(v.labels?.count, 2 * 32 * 32);
  assert.ok(v.labels!.differ <= 1, `${v.labels!.differ} labels differ`);
  assert.ok(v.maxRel < 1e-5, `logits max rel ${v.maxRel}`);
  assert.ok(!isDegraded(v));
  assert.match(verificationLine(v), /compared as labels \(\d of 2048 differ\)/);
});
