// --inputs: .npy and .pb files (input_N only in ONNX test-data folders) and, for one image input, a .png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { compareModels } from '../../src/compare/compare';
import { readTensorFile } from '../../src/onnx/reader';
import { encodeNpy } from '../../src/core/npy';
import { convertShared, inputsDir, onnxPath, tmp } from './helpers';

test('--inputs with a .npy file gives the same numbers as the .pb it was made from', async () => {
  const dir = path.join(tmp, 'npy-inputs');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'input_0.npy'), encodeNpy(readTensorFile(path.join(inputsDir('squeezenet1_1'), 'input_0.pb'))));
  const tfl = convertShared('squeezenet1_1');
  const a = await compareModels(onnxPath('squeezenet1_1'), tfl, { inputsDir: dir });
  const b = await compareModels(onnxPath('squeezenet1_1'), tfl, { inputsDir: inputsDir('squeezenet1_1') });
  assert.equal(a.inputs.tensors[0]!.file, 'input_0.npy');
  assert.equal(b.inputs.tensors[0]!.file, 'input_0.pb', 'output_0.pb of a test_data_set folder is not an input');
  assert.deepEqual(a.layers, b.layers);
});

test('--inputs with a .png for an image model: resized, scaled to [0, 1], compared within 1e-4', async () => {
  const dir = path.join(tmp, 'png-inputs');
  fs.mkdirSync(dir, { recursive: true });
  const png = new PNG({ width: 64, height: 48 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * 37) % 256;
  fs.writeFileSync(path.join(dir, 'cat.png'), PNG.sync.write(png));
  const r = await compareModels(onnxPath('mobilenet_v3_small'), convertShared('mobilenet_v3_small'), { inputsDir: dir });
  assert.equal(r.inputs.source, 'files');
  assert.equal(r.inputs.tensors[0]!.file, 'cat.png');
  assert.deepEqual(r.inputs.tensors[0]!.dims, [1, 3, 224, 224]);
  assert.ok(r.layers.length > 100);
  for (const l of r.layers) assert.ok(l.rel <= 1e-4, `${l.node}: rel ${l.rel}`);
});
