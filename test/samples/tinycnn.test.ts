// The bundled sample: small, the ops the README promises, onnxruntime reproduces its stored output, and its
// batch norms keep activations alive (neither dead nor exploding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { inferShapes } from '../../src/ir/shapes/index';
import { readModelFile, readTensorFile } from '../../src/onnx/reader';
import * as ort from 'onnxruntime-node';
import { allValues, runAllValues, runOutputs, toOrt } from '../helpers/ort';

const FILE = 'samples/tinycnn.onnx';
const DATA = 'samples/tinycnn.test_data_set_0';

test('tinycnn is small, opset 13, with conv, batch norm, relu, max pool, global average pool, flatten and gemm', () => {
  assert.ok(fs.statSync(FILE).size < 5 * 1024 * 1024);
  const m = readModelFile(FILE);
  assert.equal(m.opsets.get(''), 13);
  const ops = new Set(m.graph.nodes.map((n) => n.opType));
  for (const op of ['Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'GlobalAveragePool', 'Flatten', 'Gemm']) assert.ok(ops.has(op), op);
});

test('onnxruntime reproduces output_0.pb, and every inferred shape matches', async () => {
  const m = readModelFile(FILE);
  assert.deepEqual(inferShapes(m).warnings, []);
  const input = readTensorFile(`${DATA}/input_0.pb`);
  const want = readTensorFile(`${DATA}/output_0.pb`);
  const s = await ort.InferenceSession.create(FILE);
  const r = await s.run({ input: toOrt(input) });
  await s.release();
  const got = r.logits.data as Float32Array;
  assert.deepEqual([...r.logits.dims], want.dims);
  (want.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-4, `logit ${i}`));
  const values = allValues(m);
  const actual = await runAllValues(m, { input }, values);
  for (const v of values) assert.deepEqual(actual.get(v.name)?.dims, v.shape, v.name);
});

test('batch norm statistics are realistic: each relu keeps 20–80% of its activations', async () => {
  const m = readModelFile(FILE);
  inferShapes(m);
  const relus = m.graph.nodes.filter((n) => n.opType === 'Relu').map((n) => m.graph.values.get(n.outputs[0])!);
  const out = await runOutputs(m, { input: readTensorFile(`${DATA}/input_0.pb`) }, relus);
  for (const [name, t] of Object.entries(out)) {
    const data = t.data as Float32Array;
    const alive = data.filter((x) => x > 0).length / data.length;
    assert.ok(alive > 0.2 && alive < 0.8, `${name}: ${(alive * 100).toFixed(0)}% alive`);
  }
});
