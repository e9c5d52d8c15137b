// --inputs: .npy and .pb files (input_N only in ONNX test-data folders) and, for one image input, a .png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { spawnSync } from 'node:child_process';
import { compareModels } from '../../src/compare/compare';
import { prepareInputs } from '../../src/compare/inputs';
import { readModelFile, readTensorFile } from '../../src/onnx/reader';
import { parseTflite } from '../../src/tflite/reader';
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
  writePng(path.join(dir, 'cat.png'), 64, 48, 37);
  const r = await compareModels(onnxPath('mobilenet_v3_small'), convertShared('mobilenet_v3_small'), { inputsDir: dir });
  assert.equal(r.inputs.source, 'files');
  assert.equal(r.inputs.tensors[0]!.file, 'cat.png');
  assert.deepEqual(r.inputs.tensors[0]!.dims, [1, 3, 224, 224]);
  assert.ok(r.layers.length > 100);
  for (const l of r.layers) assert.ok(l.rel <= 1e-4, `${l.node}: rel ${l.rel}`);
});

test('--mean / --std normalize an image input per channel; the CLI takes them and refuses a zero std', async () => {
  const dir = path.join(tmp, 'png-inputs-norm');
  fs.mkdirSync(dir, { recursive: true });
  writePng(path.join(dir, 'dog.png'), 224, 224, 53);
  const tfl = parseTflite(fs.readFileSync(convertShared('mobilenet_v3_small')));
  const graph = readModelFile(onnxPath('mobilenet_v3_small')).graph;
  const meta = JSON.parse(new TextDecoder().decode(tfl.metadata.get('onnx2lite')!));
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const plain = prepareInputs(graph, tfl, meta.inputs, dir, 0).tensors[0]!.data as Float32Array;
  const norm = prepareInputs(graph, tfl, meta.inputs, dir, 0, { mean, std }).tensors[0]!.data as Float32Array;
  const hw = 224 * 224;
  for (const i of [0, 1234, hw + 99, 2 * hw + 4321]) {
    const c = Math.floor(i / hw);
    assert.ok(Math.abs(norm[i]! - (plain[i]! - mean[c]!) / std[c]!) < 1e-5, `element ${i}`);
  }
  const r = cli('compare', onnxPath('mobilenet_v3_small'), convertShared('mobilenet_v3_small'), '--inputs', dir, '--mean', mean.join(','), '--std', std.join(','));
  assert.equal(r.status, 0, r.stderr);
  const bad = cli('compare', onnxPath('mobilenet_v3_small'), convertShared('mobilenet_v3_small'), '--inputs', dir, '--std', '0.2,0,0.2');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--std values must not be 0/);
});

test('--channel-order bgr feeds the image\'s blue channel first; the CLI refuses other orders', async () => {
  const dir = path.join(tmp, 'png-inputs-bgr');
  fs.mkdirSync(dir, { recursive: true });
  writePng(path.join(dir, 'dog.png'), 224, 224, 53);
  const tfl = parseTflite(fs.readFileSync(convertShared('mobilenet_v3_small')));
  const graph = readModelFile(onnxPath('mobilenet_v3_small')).graph;
  const meta = JSON.parse(new TextDecoder().decode(tfl.metadata.get('onnx2lite')!));
  const mean = [0.1, 0.2, 0.3];
  const rgb = prepareInputs(graph, tfl, meta.inputs, dir, 0, { mean }).tensors[0]!.data as Float32Array;
  const bgr = prepareInputs(graph, tfl, meta.inputs, dir, 0, { mean, channelOrder: 'bgr' }).tensors[0]!.data as Float32Array;
  const hw = 224 * 224;
  // Channel c of the BGR tensor holds the image's channel 2 - c, and mean[c] is subtracted from it (mean/std are
  // given in the model's channel order).
  for (const i of [0, 777, 5000, hw - 1]) {
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(bgr[c * hw + i]! - (rgb[(2 - c) * hw + i]! + mean[2 - c]! - mean[c]!)) < 1e-5, `element ${i}, channel ${c}`);
  }
  assert.ok(Math.abs(bgr[0]! - rgb[0]!) > 1e-3, 'the orders differ on this image');
  const r = cli('compare', onnxPath('mobilenet_v3_small'), convertShared('mobilenet_v3_small'), '--inputs', dir, '--channel-order', 'bgr');
  assert.equal(r.status, 0, r.stderr);
  const bad = cli('compare', onnxPath('mobilenet_v3_small'), convertShared('mobilenet_v3_small'), '--inputs', dir, '--channel-order', 'brg');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--channel-order takes rgb or bgr, not "brg"/);
});

/** An opaque RGB pattern: channel byte i is (i · step) mod 256. */
function writePng(file: string, width: number, height: number, step: number): void {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * step) % 256;
  fs.writeFileSync(file, PNG.sync.write(png));
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.resolve('bin/onnx2lite.js'), ...args], { encoding: 'utf8' });
}
