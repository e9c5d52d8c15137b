// keras2onnx / tf2onnx / OnnxMLTools write small int64 initializers in TensorProto's int64_data field (varints),
// not raw_data, and a Keras Cropping2D after a Conv2DTranspose becomes a Slice whose ends are INT64_MAX ("to the
// end"). Read through a double, INT64_MAX rounds up to 2^63, which BigInt64Array wraps to INT64_MIN: the Slice came
// out empty and convert stopped at "tensor ... has shape [0, 0, 0, 0] with no elements" (onnxconverter-common's
// test_model_0_no_opt.onnx). Each int64_data / uint64_data entry is now read as the exact 64-bit integer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from '../../src/generated/onnx/onnx.js';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { decodeModel } from '../../src/onnx/reader';
import { readTensor } from '../../src/onnx/tensor-reader';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';

// 64-bit values as protobufjs takes them for encoding: { low, high } 32-bit halves.
const MAX = { low: -1, high: 0x7fffffff };
const MIN = { low: 0, high: -0x80000000 };
const MINUS_ONE = { low: -1, high: -1 };
const TWO_53_PLUS_1 = { low: 1, high: 0x200000 };

/** A TensorProto as the reader meets it: encoded, then decoded (int64 fields come back as Long objects). */
function roundTrip(t: onnx.ITensorProto): onnx.TensorProto {
  return onnx.TensorProto.decode(onnx.TensorProto.encode(t).finish());
}

const dir = mkdtempSync(join(tmpdir(), 'int64-data-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('int64_data and uint64_data keep INT64_MAX, INT64_MIN and UINT64_MAX exactly', () => {
  const i64 = readTensor(roundTrip({ name: 'e', dataType: 7, dims: [5], int64Data: [MAX, MIN, MINUS_ONE, 5, TWO_53_PLUS_1] as never }));
  assert.deepEqual([...(i64.data as BigInt64Array)], [2n ** 63n - 1n, -(2n ** 63n), -1n, 5n, 9007199254740993n]);
  const u64 = readTensor(roundTrip({ name: 'u', dataType: 13, dims: [2], uint64Data: [MINUS_ONE, 7] as never }));
  assert.deepEqual([...(u64.data as BigUint64Array)], [2n ** 64n - 1n, 7n]);
});

/** A Keras Conv2DTranspose + Cropping2D((0, 0), (1, 0)) as keras2onnx writes it: NHWC, Transposes around the op. */
function croppedDeconv(): Uint8Array {
  const w = Array.from({ length: 4 * 3 * 2 * 3 }, (_, i) => Math.sin(i * 0.7) * 0.3);
  const model = buildModel({
    opset: 11, producer: 'keras2onnx', infer: false,
    inputs: [['x', 'float32', [1, 5, 6, 4]]], outputs: [['y', 'float32', [1, 6, 10, 3]]],
    initializers: [
      tensor('w', 'float32', [4, 3, 2, 3], w),
      tensor('starts', 'int64', [4], [0, 0, 1, 0]), tensor('ends', 'int64', [4], [0, 0, 0, 0]),
      tensor('axes', 'int64', [4], [0, 1, 2, 3]), tensor('steps', 'int64', [4], [1, 1, 1, 1]),
    ],
    nodes: [
      node('Transpose', ['x'], ['xt'], { perm: [0, 3, 1, 2] }),
      node('ConvTranspose', ['xt', 'w'], ['c'], { kernel_shape: [2, 3], strides: [1, 2], auto_pad: 'VALID' }),
      node('Transpose', ['c'], ['ct'], { perm: [0, 2, 3, 1] }),
      node('Slice', ['ct', 'starts', 'ends', 'axes', 'steps'], ['s']),
      node('Tanh', ['s'], ['y']),
    ],
  });
  // The ends go into int64_data (varints) as keras2onnx writes them; the builder's writer uses raw_data.
  const proto = onnx.ModelProto.decode(encodeModel(model, { valueInfo: false }));
  const ends = proto.graph!.initializer!.find((t) => t.name === 'ends')!;
  delete (ends as { rawData?: Uint8Array }).rawData;
  ends.int64Data = [MAX, MAX, MAX, MAX] as never;
  return onnx.ModelProto.encode(proto).finish();
}

test('a keras2onnx Cropping2D (Slice to INT64_MAX in int64_data) converts and matches onnxruntime on LiteRT', async () => {
  const bytes = croppedDeconv();
  const file = join(dir, 'cropped_deconv.onnx');
  writeFileSync(file, bytes);
  const model = decodeModel(bytes);
  const m = await convertAndMatch(file, model, seededInputs(model, 1, -1, 1));
  assert.ok(m.outputs[0].maxRef > 0.1);
  assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
});
