// Every value of every shared model: the shape inference gives equals what onnxruntime computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inferShapes } from '../../src/ir/shapes/index';
import { readModelFile, readTensorFile } from '../../src/onnx/reader';
import { allValues, runAllValues } from '../helpers/ort';

const DIR = '../shared/models';
const models = fs.readdirSync(DIR).filter((f) => f.endsWith('.onnx')).sort();

test('there are shared models to check', () => assert.ok(models.length >= 9));

for (const file of models) {
  test(`shapes of every value of ${file} agree with onnxruntime`, async () => {
    const model = readModelFile(path.join(DIR, file));
    const { warnings } = inferShapes(model);
    assert.deepEqual(warnings, []);
    const values = allValues(model);
    const count = model.graph.nodes.reduce((n, node) => n + node.outputs.filter(Boolean).length, 0);
    assert.equal(values.length, count, 'every node output has a dtype');
    const input = readTensorFile(path.join(DIR, file.replace('.onnx', '.test_data_set_0'), 'input_0.pb'));
    const actual = await runAllValues(model, { [model.graph.inputs[0].name]: input }, values);
    const wrong: string[] = [];
    for (const v of values) {
      const got = actual.get(v.name);
      const mine = { dtype: v.dtype, dims: v.shape };
      if (JSON.stringify(got) !== JSON.stringify(mine)) wrong.push(`${v.name}: inferred ${JSON.stringify(mine)}, onnxruntime ${JSON.stringify(got)}`);
    }
    assert.deepEqual(wrong, []);
  });
}
