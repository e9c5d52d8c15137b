// Every value of every shared model: the shape inference gives equals what onnxruntime computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inferShapes } from '../../src/ir/shapes/index';
import { makeTensor } from '../../src/ir/tensor';
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

// The same models with symbolic input dims, run at other sizes: no inferred number may be wrong and each
// symbol must stand for one size. (lraspp, shufflenet and the transformer bake their export-time sizes into
// Reshape/Add constants, so onnxruntime cannot run them at other sizes.)
const DYNAMIC = ['gru_small', 'lstm_small', 'mnasnet0_5', 'mobilenet_v2', 'mobilenet_v3_small', 'squeezenet1_1'];
for (const name of DYNAMIC) {
  test(`${name} with symbolic input dims: inferred dims agree with onnxruntime at another size`, async () => {
    const model = readModelFile(path.join(DIR, `${name}.onnx`));
    const input = model.graph.inputs[0];
    const image = input.shape!.length === 4;
    const features = input.shape![2] as number;
    input.shape = image ? ['batch', 3, 'height', 'width'] : ['batch', 'seq', features];
    const concrete = image ? [2, 3, 160, 192] : [3, 9, features];
    for (const o of model.graph.outputs) { o.shape = undefined; model.graph.values.delete(o.name); }
    assert.deepEqual(inferShapes(model).warnings, []);
    const values = allValues(model);
    const count = concrete.reduce((a, b) => a * b, 1);
    const actual = await runAllValues(model, { [input.name]: makeTensor(input.name, 'float32', concrete, new Float32Array(count).fill(0.5)) }, values);
    const bound = new Map<string, number>();
    const wrong: string[] = [];
    let named = 0;
    for (const v of values) {
      const dims = actual.get(v.name)!.dims;
      const bad = !v.shape || v.shape.length !== dims.length || v.shape.some((d, k) => {
        if (typeof d === 'number') return d !== dims[k];
        if (!/^unk_\d+$/.test(d)) named++;
        // Every symbol, made up or not, stands for one size throughout the model.
        if (bound.has(d) && bound.get(d) !== dims[k]) return true;
        bound.set(d, dims[k]);
        return false;
      });
      if (bad) wrong.push(`${v.name}: inferred ${JSON.stringify(v.shape)}, onnxruntime ${JSON.stringify(dims)}`);
    }
    assert.deepEqual(wrong, []);
    assert.equal(bound.get('batch'), concrete[0]);
    assert.ok(named >= 10, `only ${named} named dims`);
  });
}
