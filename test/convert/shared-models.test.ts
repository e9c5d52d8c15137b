// Every shared model converts, runs on real LiteRT and matches onnxruntime-node on its test_data_set_0 input
// within max|diff| ≤ 1e-4 × max|reference|; the CNNs have no TRANSPOSE op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { readModelFile, readTensorFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { toFloat32 } from '../../src/ir/tensor';

const DIR = '../shared/models';
const CNNS = new Set(['squeezenet1_1', 'mnasnet0_5', 'mobilenet_v2', 'mobilenet_v3_small', 'shufflenet_v2_x1_0', 'lraspp_mobilenet_v3_large']);
const models = fs.readdirSync(DIR).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -5)).sort();

for (const name of models) {
  test(`${name}: converts, runs on LiteRT, matches onnxruntime`, async () => {
    const model = readModelFile(`${DIR}/${name}.onnx`);
    const result = convertModel(model);
    if (CNNS.has(name)) assert.equal(result.transposeCount, 0, `${name} has TRANSPOSE ops`);
    const bytes = serializeTflite(result.model);
    const input = readTensorFile(`${DIR}/${name}.test_data_set_0/input_0.pb`);
    const sess = await ort.InferenceSession.create(`${DIR}/${name}.onnx`);
    const ref = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', toFloat32(input), input.dims) });
    const lite = await openConverted(bytes);
    try {
      const outs = await lite.run([{ ...input, name: sess.inputNames[0] }]);
      for (const outName of sess.outputNames) {
        const r = ref[outName].data as Float32Array;
        const got = outs.get(outName);
        assert.ok(got, `output ${outName} missing`);
        assert.deepEqual(got.dims, [...ref[outName].dims]);
        const g = got.data as Float32Array;
        let maxRef = 0;
        let maxDiff = 0;
        for (let i = 0; i < r.length; i++) {
          maxRef = Math.max(maxRef, Math.abs(r[i]));
          maxDiff = Math.max(maxDiff, Math.abs(r[i] - g[i]));
        }
        assert.ok(maxDiff <= 1e-4 * maxRef, `${name}/${outName}: max|diff| ${maxDiff} > 1e-4 × ${maxRef}`);
      }
    } finally {
      lite.close();
    }
  });
}
