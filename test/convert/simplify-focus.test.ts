// YOLOv5's / YOLOX's Focus stem (Slices with step 2 on H and W, joined on the channels) is one SPACE_TO_DEPTH
// (simplify-focus.ts): no stride-2 STRIDED_SLICE (TFLite's own kernel; XNNPack takes none) is left. A Conv reading it
// takes the block order in its weights; SpaceToDepth's own order needs no reader at all; another order read by
// something else than a Conv stays as exported. All match onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import type { Model } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

const END = 1 << 30;

/** x [1, 3, 8, 12] → Focus with the block positions (row, column offset) in `order` → `then` ('conv': a 3×3 Conv to
 *  5 channels; 'out': the joined value is the output). YOLOX exports each position as an H slice (shared by the two
 *  positions of one row offset) then a W slice. */
function focus(order: [number, number][], then: 'conv' | 'out'): Model {
  const nodes = [];
  const init = [tensor('two', 'int64', [1], [2]), tensor('end', 'int64', [1], [END]), tensor('ax2', 'int64', [1], [2]), tensor('ax3', 'int64', [1], [3]),
    tensor('s0', 'int64', [1], [0]), tensor('s1', 'int64', [1], [1])];
  for (const i of [0, 1]) nodes.push(node('Slice', ['x', `s${i}`, 'end', 'ax2', 'two'], [`h${i}`]));
  const parts = order.map(([i, j]) => {
    nodes.push(node('Slice', [`h${i}`, `s${j}`, 'end', 'ax3', 'two'], [`p${i}${j}`]));
    return `p${i}${j}`;
  });
  nodes.push(node('Concat', parts, [then === 'conv' ? 'cat' : 'y'], { axis: 1 }));
  if (then === 'conv') {
    init.push(tensor('w', 'float32', [5, 12, 3, 3], Array.from({ length: 5 * 12 * 9 }, (_, k) => Math.sin(k * 0.37))), tensor('b', 'float32', [5], [0.1, -0.2, 0.3, 0, 0.5]));
    nodes.push(node('Conv', ['cat', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1] }));
  }
  return buildModel({ inputs: [['x', 'float32', [1, 3, 8, 12]]], outputs: ['y'], opset: 13, initializers: init, nodes });
}

async function check(m: Model): Promise<Record<string, number>> {
  const feed = tensor('x', 'float32', [1, 3, 8, 12], Array.from({ length: 288 }, (_, i) => Math.cos(i * 1.7) * (i % 7)));
  const want = toNumbers((await runOnnx(encodeModel(m), [feed])).get('y')!);
  const r = convertModel(m);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = toNumbers((await lite.run([feed])).get('y')!);
    assert.equal(got.length, want.length);
    got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) <= 1e-5 * (1 + Math.abs(want[k])), `y[${k}] ${v} vs ${want[k]}`));
  } finally {
    lite.close();
  }
  return r.opHistogram;
}

const YOLOX: [number, number][] = [[0, 0], [1, 0], [0, 1], [1, 1]];

test('Focus read by a Conv (YOLOX order) is one SPACE_TO_DEPTH, the Conv taking its block order', async () => {
  const h = await check(focus(YOLOX, 'conv'));
  assert.deepEqual([h.SPACE_TO_DEPTH, h.STRIDED_SLICE, h.CONCATENATION, h.GATHER, h.CONV_2D], [1, undefined, undefined, undefined, 1], JSON.stringify(h));
});

test("Focus in SpaceToDepth's own order needs no Conv: the output is SPACE_TO_DEPTH", async () => {
  const h = await check(focus([[0, 0], [0, 1], [1, 0], [1, 1]], 'out'));
  assert.deepEqual([h.SPACE_TO_DEPTH, h.STRIDED_SLICE, h.CONCATENATION], [1, undefined, undefined], JSON.stringify(h));
});

test('Focus in another order read by no Conv stays as exported', async () => {
  const h = await check(focus(YOLOX, 'out'));
  assert.equal(h.SPACE_TO_DEPTH, undefined, JSON.stringify(h));
  assert.equal(h.CONCATENATION, 1);
});
