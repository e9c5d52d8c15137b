// A whole-picture standardization in front of the first convolution (OpenVINO's person re-identification models,
// tf2onnx: x − mean(x) over every axis, divided by sqrt(mean((x − mean)²) + ε)): the centred values and the mean stay
// float32 with the variance path (int8-centered-norm.ts). In int8 their step was sized for the most contrasted
// calibration picture, so a dark, flat picture's centred values were a few steps wide and the division by its small
// deviation spread that rounding over the whole output (re-id 0288 on a dark crop: embedding cosine 0.80).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { encodeNpy } from '../../src/core/npy';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';

/** x [1, 3, 16, 16] (pixels 0-255) → (x − mean) / sqrt(mean((x − mean)²) + ε) → 1×1 conv 3→8 → y. */
function standardized(): Uint8Array {
  const r = rng(3);
  const all = { axes: [0, 1, 2, 3], keepdims: 1 };
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['y'], opset: 13,
    nodes: [
      node('ReduceMean', ['x'], ['m'], all), node('Sub', ['x', 'm'], ['d']), node('Mul', ['d', 'd'], ['d2']),
      node('ReduceMean', ['d2'], ['v'], all), node('Add', ['v', 'eps'], ['ve']), node('Sqrt', ['ve'], ['s']), node('Div', ['d', 's'], ['n']),
      node('Conv', ['n', 'w', 'b'], ['y'], { kernel_shape: [1, 1] }),
    ],
    initializers: [tensor('eps', 'float32', [], [1e-3]), tensor('w', 'float32', [8, 3, 1, 1], Array.from({ length: 24 }, () => r() - 0.5)),
      tensor('b', 'float32', [8], Array.from({ length: 8 }, () => r() * 0.2))],
  }));
}

test('a whole-picture standardization keeps its mean and centred values float32: a dark, flat picture survives int8', async () => {
  const bytes = standardized();
  const r = rng(8);
  const picture = (lo: number, hi: number) => tensor('x', 'float32', [1, 3, 16, 16], Array.from({ length: 768 }, () => Math.round(lo + r() * (hi - lo))));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-centred-'));
  // Calibration: night pictures with a few lights and day pictures with a few shadows (0-255: the input's int8 step
  // is one grey level; their centred values span about ±240, a step of ~1.9).
  for (let k = 0; k < 8; k++) {
    const p = picture(k % 2 ? 0 : 225, k % 2 ? 30 : 255), d = p.data as Float32Array;
    for (let i = 0; i < d.length; i += 37) d[i] = k % 2 ? 255 : 0;
    fs.writeFileSync(path.join(dir, `s${k}.npy`), encodeNpy(p));
  }
  const { result } = await quantizeModelBytes(bytes, 'std.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  const sub = sg.operators.find((o) => o.opcode === 'SUB')!;
  assert.equal(sg.tensors[sub.outputs[0]].type, 'FLOAT32', 'the centred values are float32');
  let worst = 1;
  for (let k = 0; k < 4; k++) {
    const x = picture(20, 24); // a dark, flat crop: 4 grey levels of contrast
    const want = floats((await runOnnx(bytes, [x])).get('y')!);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, [x]), want));
  }
  // int8 centred values (a step of ~1.9 grey levels, the mean rounded to it too) gave cosine 0.944 here.
  assert.ok(worst > 0.999, `dark picture: output cosine ${worst}`);
});
