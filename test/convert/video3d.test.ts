// 3-D (video) convolutions and pooling: test/fixtures/video3d/tiny_video3d.onnx (made by scripts/export-3d-models.py
// fixture: Conv3d plain / grouped / dilated / strided, BatchNorm3d, MaxPool3d with ceil_mode, a padded AvgPool3d
// with count_include_pad=0, ConvTranspose3d, global 3-D pooling, a dilated MaxPool2d) converts with no TRANSPOSE
// (NCDHW → NDHWC by the layout pass), runs on LiteRT and matches onnxruntime and PyTorch within 1e-4 of max|ref|;
// its fp16, dynamic and int8 versions load and run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { convertModel, type ConvertResult } from '../../src/convert/convert';
import { readModelFile, readTensorFile } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { quantizeDynamic, quantizeFp16 } from '../../src/quantize/weights';

const DIR = path.resolve('test/fixtures/video3d');
const MODEL = path.join(DIR, 'tiny_video3d.onnx');
const input = { ...readTensorFile(path.join(DIR, 'tiny_video3d.test_data_set_0', 'input_0.pb')), name: 'input' };
const torchOut = [0, 1].map((i) => readTensorFile(path.join(DIR, 'tiny_video3d.test_data_set_0', `output_${i}.pb`)));

async function runLite(bytes: Uint8Array): Promise<Map<string, Tensor>> {
  const lite = await openConverted(bytes);
  try {
    return await lite.run([input]);
  } finally {
    lite.close();
  }
}

/** max |got - want| / max |want|. */
function relErr(got: Tensor, want: Tensor): number {
  assert.deepEqual(got.dims, want.dims);
  const g = toNumbers(got);
  const w = toNumbers(want);
  let d = 0;
  let m = 0;
  w.forEach((v, i) => { d = Math.max(d, Math.abs(g[i] - v)); m = Math.max(m, Math.abs(v)); });
  return d / m;
}

function convert(): ConvertResult {
  return convertModel(readModelFile(MODEL));
}

test('tiny 3-D net: CONV_3D / CONV_3D_TRANSPOSE, no TRANSPOSE, channel-last input and output', () => {
  const r = convert();
  assert.equal(r.transposeCount, 0);
  assert.equal(r.opHistogram.CONV_3D, 7);
  assert.equal(r.opHistogram.CONV_3D_TRANSPOSE, 1);
  assert.equal(r.metadata.inputs[0].perm.join(), '0,2,3,4,1');
  assert.equal(r.metadata.outputs[1].perm.join(), '0,2,3,4,1');
});

test('tiny 3-D net on LiteRT matches onnxruntime and PyTorch within 1e-4 of max|ref|', async () => {
  const got = await runLite(serializeTflite(convert().model));
  const ort = await runOnnx(fs.readFileSync(MODEL), [input]);
  for (const [k, name] of ['output', 'output_1'].entries()) {
    assert.ok(relErr(got.get(name)!, ort.get(name)!) <= 1e-4, `${name} vs onnxruntime: ${relErr(got.get(name)!, ort.get(name)!)}`);
    assert.ok(relErr(got.get(name)!, torchOut[k]) <= 1e-4, `${name} vs PyTorch: ${relErr(got.get(name)!, torchOut[k])}`);
  }
});

for (const mode of ['fp16', 'dynamic'] as const) {
  test(`tiny 3-D net, ${mode}: loads and runs on LiteRT close to onnxruntime`, async () => {
    const r = mode === 'fp16' ? quantizeFp16(convert()) : quantizeDynamic(convert());
    const got = await runLite(serializeTflite(r.model));
    assert.ok(relErr(got.get('output_1')!, torchOut[1]) <= 1e-2);
  });
}

test('tiny 3-D net, int8 through the CLI: CONV_3D stays float32 with a warning, the model loads and runs', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-3d-')), 'tiny_int8.tflite');
  const r = spawnSync(process.execPath, [path.resolve('bin/onnx2lite.js'), 'convert', MODEL, '--quantize', 'int8', '--calibration-count', '8',
    '-o', out], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /CONV_3D op\(s\) stay float32/);
  const got = await runLite(fs.readFileSync(out));
  assert.ok(relErr(got.get('output_1')!, torchOut[1]) <= 0.1, `int8 error ${relErr(got.get('output_1')!, torchOut[1])}`);
});
