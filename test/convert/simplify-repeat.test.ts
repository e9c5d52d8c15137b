// Unsqueeze → Expand → Reshape that repeats a value along an axis becomes a Concat of copies (simplify-repeat.ts):
// tiling a whole axis (new axis merged with the next one) or repeating a size-1 axis (merged with the one before);
// a true repeat_interleave of a longer axis is left as it is. All match onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

async function check(x: number[], axis: number, expand: number[], reshape: number[], wantConcat: boolean): Promise<void> {
  const model = buildModel({
    inputs: [['x', 'float32', x]],
    outputs: ['y'],
    opset: 13,
    initializers: [tensor('axes', 'int64', [1], [axis]), tensor('e', 'int64', [expand.length], expand), tensor('r', 'int64', [reshape.length], reshape)],
    nodes: [node('Unsqueeze', ['x', 'axes'], ['u']), node('Expand', ['u', 'e'], ['ex']), node('Reshape', ['ex', 'r'], ['y'])],
  });
  const n = x.reduce((a, b) => a * b, 1);
  const feed = tensor('x', 'float32', x, Array.from({ length: n }, (_, i) => i - n / 3));
  const want = toNumbers((await runOnnx(encodeModel(model), [feed])).get('y')!);
  const r = convertModel(model);
  assert.equal(r.opHistogram.CONCATENATION === 1, wantConcat, JSON.stringify(r.opHistogram));
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = toNumbers((await lite.run([feed])).get('y')!);
    assert.deepEqual(got, want);
  } finally {
    lite.close();
  }
}

test('tiling a whole axis: [2, 3] → unsqueeze(0), expand 4, reshape [8, 3]', () => check([2, 3], 0, [4, 2, 3], [8, 3], true));
test('repeating a size-1 axis: [2, 1, 3] → unsqueeze(2), expand 5, reshape [2, 5, 3]', () => check([2, 1, 3], 2, [2, 1, 5, 3], [2, 5, 3], true));
test('repeat_interleave of a longer axis stays as it is: [2, 3] → unsqueeze(2), expand 2, reshape [2, 6]', () => check([2, 3], 2, [2, 3, 2], [2, 6], false));
