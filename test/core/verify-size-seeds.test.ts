// An image detector's size input (RT-DETR / D-FINE / DEIMv2's `orig_target_sizes`, PaddleDetection's `im_shape`) is
// fed the image input's size by the self-check (src/core/verify-size-seeds.ts), not the generator's zeros, which made
// every box [0, 0, 0, 0] on both runtimes (DEIMv2: its boxes checked as all 0); `--json` verification.seeds says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { verifyOnLiteRt } from '../../src/core/verify';
import { seedPlan } from '../../src/core/verify-seeds';
import { modelIo } from '../../src/deploy/tensors';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import type { DType } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** images [1, 3, 8, 12] → 4 normalized boxes (sigmoid of a 1x1 conv's means, [1, 4, 4]) times the size input repeated twice. */
function detector(sizeName: string, sizeType: DType = 'int64') {
  return buildModel({
    inputs: [['images', 'float32', [1, 3, 8, 12]], [sizeName, sizeType, [1, 2]]], outputs: ['boxes'], opset: 13,
    nodes: [
      node('Conv', ['images', 'w'], ['c']), node('ReduceMean', ['c'], ['m'], { axes: [2, 3], keepdims: 0 }),
      node('Sigmoid', ['m'], ['p']), node('Reshape', ['p', 'shape'], ['norm']),
      ...(sizeType === 'float32' ? [node('Identity', [sizeName], ['sf'])] : [node('Cast', [sizeName], ['sf'], { to: 1 })]),
      node('Concat', ['sf', 'sf'], ['s4'], { axis: 1 }), node('Unsqueeze', ['s4', 'ax'], ['s3']),
      node('Mul', ['norm', 's3'], ['boxes']),
    ],
    initializers: [tensor('w', 'float32', [16, 3, 1, 1], seq(48, (i) => Math.sin(i * 1.3))), tensor('shape', 'int64', [3], [1, 4, 4]),
      tensor('ax', 'int64', [1], [1])],
  });
}

test('a size input beside an image is seeded with the image\'s size: (W, H) for a size, (H, W) for a shape', () => {
  for (const [name, type, want] of [['orig_target_sizes', 'int64', [12, 8]], ['im_shape', 'float32', [8, 12]], ['image_size', 'int32', [12, 8]]] as const) {
    const tfl = convertModel(detector(name, type)).model;
    const plan = seedPlan(tfl, modelIo(tfl).inputs, 1);
    assert.deepEqual(plan.values.get(name), want, name);
    assert.equal(plan.kinds[name], 'image size');
    assert.equal(plan.kinds.images, 'uniform [0, 1)');
  }
  // Not named for a size: the generator's zeros.
  const other = convertModel(detector('offsets')).model;
  assert.equal(seedPlan(other, modelIo(other).inputs, 1).kinds.offsets, 'zeros');
});

test('the self-check compares the boxes at the image\'s size, not all 0', async () => {
  const m = detector('orig_target_sizes');
  const notes: string[] = [];
  const v = await verifyOnLiteRt(encodeModel(m), serializeTflite(convertModel(m).model), notes);
  assert.equal(v.seeds?.orig_target_sizes, 'image size');
  assert.ok(v.maxRel < 1e-5 && v.cosine > 0.99999, JSON.stringify(v));
  assert.deepEqual(notes.filter((n) => /give 0 at every output|one value repeated/.test(n)), []);
});
