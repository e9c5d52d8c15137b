// int8 calibration of a model whose image input is uint8 (@idscan/idvc2's general-type YOLO takes the camera frame as
// [1, 224, 320, 3] uint8 and casts it to float itself): the samples reach onnxruntime in the input's own type. They
// were float32 for a .png and int32 for a .npy of uint8, and onnxruntime refused both ("Unexpected input data type.
// Actual: (tensor(float)), expected: (tensor(uint8))"): such a model could not be quantized with real pictures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { loadCalibrationSamples } from '../../src/calibration/data';
import { runOnnx } from '../../src/runtime/ort';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';

const H = 6;
const W = 8;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-int-input-'));

function model(): Uint8Array {
  const w = Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.sin(i * 1.7) * 0.3);
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['image_input', 'uint8', [1, H, W, 3]]], outputs: [['y', 'float32', [1, 4, H, W]]],
    initializers: [tensor('scale', 'float32', [], [1 / 255]), tensor('w', 'float32', [4, 3, 3, 3], w),
      tensor('b', 'float32', [4], [0.1, -0.2, 0.05, 0])],
    nodes: [node('Cast', ['image_input'], ['f'], { to: 1 }), node('Mul', ['f', 'scale'], ['s']),
      node('Transpose', ['s'], ['nchw'], { perm: [0, 3, 1, 2] }),
      node('Conv', ['nchw', 'w', 'b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c'], ['y'])],
  }));
}

function pictures(): { dir: string; npyDir: string } {
  const dir = path.join(tmp, 'png');
  const npyDir = path.join(tmp, 'npy');
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(npyDir, { recursive: true });
  for (let k = 0; k < 4; k++) {
    const png = new PNG({ width: W, height: H });
    for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * (31 + k) + 7 * k) % 256;
    fs.writeFileSync(path.join(dir, `p${k}.png`), PNG.sync.write(png));
    // The same pixels as a uint8 .npy [1, H, W, 3].
    const px = Uint8Array.from({ length: H * W * 3 }, (_, j) => png.data[Math.floor(j / 3) * 4 + (j % 3)]);
    const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (1, ${H}, ${W}, 3), }`;
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = Buffer.from(`${header}${' '.repeat(pad)}\n`, 'latin1');
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
    fs.writeFileSync(path.join(npyDir, `p${k}.npy`), Buffer.concat([pre, h, Buffer.from(px)]));
  }
  return { dir, npyDir };
}

test('calibration samples of a uint8 input are uint8 (images: raw pixels with --std 1/255; .npy as stored)', () => {
  const { dir, npyDir } = pictures();
  const input = { name: 'image_input', dtype: 'uint8' as const, dims: [1, H, W, 3] };
  const png = loadCalibrationSamples(dir, [input], { std: [1 / 255] });
  const npy = loadCalibrationSamples(npyDir, [input]);
  assert.equal(png.length, 4);
  for (const [k, s] of png.entries()) {
    assert.equal(s[0].dtype, 'uint8');
    assert.ok(s[0].data instanceof Uint8Array);
    assert.deepEqual([...(s[0].data as Uint8Array)], [...(npy[k][0].data as Uint8Array)], 'the .png and the .npy give the same pixels');
    assert.equal(npy[k][0].dtype, 'uint8');
  }
});

test('int8 of a uint8-image model calibrates on .png and .npy folders and stays close to onnxruntime', async () => {
  const bytes = model();
  const { dir, npyDir } = pictures();
  for (const [calibration, extra] of [[dir, { std: [1 / 255] }], [npyDir, {}]] as [string, { std?: number[] }][]) {
    const { result, summary } = await quantizeModelBytes(bytes, 'u8.onnx', {}, { mode: 'int8', calibration, int16: 'off', ...extra });
    assert.equal(summary.calibrationSamples, 4);
    const s = await openConverted(serializeTflite(result.model));
    const feed = loadCalibrationSamples(npyDir, [{ name: 'image_input', dtype: 'uint8', dims: [1, H, W, 3] }])[2][0];
    const ref = (await runOnnx(bytes, [feed])).get('y')!.data as Float32Array;
    const got = [...(await s.run([feed])).values()][0].data as Float32Array;
    const peak = Math.max(...ref);
    const err = Math.max(...ref.map((v, i) => Math.abs(v - got[i])));
    assert.ok(err < 0.05 * peak, `${calibration}: max err ${err} of ${peak}`);
    s.close();
  }
});
