import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readTensorFile } from '../../src/onnx/reader';
import { ModelError, type Tensor } from '../../src/ir/types';
import { openOnnx, runOnnx } from '../../src/runtime/ort';

const models = '../shared/models';

function maxAbsDiff(a: Tensor, b: Tensor): { diff: number; ref: number } {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  assert.equal(x.length, y.length);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    ref = Math.max(ref, Math.abs(y[i]!));
  }
  return { diff, ref };
}

test('squeezenet on onnxruntime-node matches its test_data_set_0 (path and bytes)', async () => {
  const dir = `${models}/squeezenet1_1.test_data_set_0`;
  const input = readTensorFile(`${dir}/input_0.pb`);
  const expected = readTensorFile(`${dir}/output_0.pb`);
  for (const model of [`${models}/squeezenet1_1.onnx`, new Uint8Array(readFileSync(`${models}/squeezenet1_1.onnx`))]) {
    const session = await openOnnx(model);
    assert.equal(session.inputNames.length, 1);
    const feed = { ...input, name: session.inputNames[0]! };
    const out = await session.run([feed]);
    const got = out.get(session.outputNames[0]!)!;
    await session.close();
    assert.equal(got.dtype, 'float32');
    assert.deepEqual(got.dims, expected.dims);
    const { diff, ref } = maxAbsDiff(got, expected);
    assert.ok(diff <= 1e-4 * ref, `max|diff| ${diff} vs max|ref| ${ref}`);
  }
});

test('runOnnx returns only the requested outputs', async () => {
  const dir = `${models}/squeezenet1_1.test_data_set_0`;
  const s = await openOnnx(`${models}/squeezenet1_1.onnx`);
  const inputName = s.inputNames[0]!;
  const outputName = s.outputNames[0]!;
  await s.close();
  const out = await runOnnx(`${models}/squeezenet1_1.onnx`, [{ ...readTensorFile(`${dir}/input_0.pb`), name: inputName }], [outputName]);
  assert.deepEqual([...out.keys()], [outputName]);
});

test('bad ONNX input gives a ModelError', async () => {
  await assert.rejects(runOnnx(new Uint8Array([1, 2, 3, 4, 5]), []), ModelError);
  const dir = `${models}/squeezenet1_1.test_data_set_0`;
  const input = readTensorFile(`${dir}/input_0.pb`);
  const s = await openOnnx(`${models}/squeezenet1_1.onnx`);
  // Wrong shape for the input.
  await assert.rejects(s.run([{ ...input, name: s.inputNames[0]!, dims: [1, 3, 7, 7], data: new Float32Array(147) }]), ModelError);
  await s.close();
});

// int64, bool and float16 tensors in and out, with ONNX's own backend tests (apt-get install libonnx-testdata).
const nodeTests = '/usr/share/libonnx-testdata/data/node';
for (const name of ['test_argmax_default_axis_example', 'test_and2d', 'test_cast_FLOAT_to_FLOAT16', 'test_cast_FLOAT16_to_FLOAT']) {
  const dir = `${nodeTests}/${name}`;
  test(`ONNX backend test ${name} (int64/bool/float16 conversion)`, { skip: !existsSync(dir) && 'libonnx-testdata is not installed' }, async () => {
    const s = await openOnnx(`${dir}/model.onnx`);
    const feeds = s.inputNames.map((n, i) => ({ ...readTensorFile(`${dir}/test_data_set_0/input_${i}.pb`), name: n }));
    const out = await s.run(feeds);
    await s.close();
    s.outputNames.forEach((n, i) => {
      const expected = readTensorFile(`${dir}/test_data_set_0/output_${i}.pb`);
      const got = out.get(n)!;
      assert.equal(got.dtype, expected.dtype);
      assert.deepEqual(got.dims, expected.dims);
      assert.equal(got.data.constructor, expected.data.constructor);
      assert.deepEqual(Array.from(got.data as ArrayLike<number>), Array.from(expected.data as ArrayLike<number>));
    });
  });
}
