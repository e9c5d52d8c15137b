// torchvision detectors (random weights, exported by scripts/export-torchvision-detector.py at 320×320, kept out of
// the repository: set ONNX2LITE_DETECTORS to their folder; skipped otherwise) convert with only --input-shape and give
// on LiteRT the same boxes, scores and labels as onnxruntime-node on a drawn image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toNumbers } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';

const DIR = process.env.ONNX2LITE_DETECTORS ?? '';
const models = DIR && fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.onnx')).sort() : [];

/** A 320×320 picture of a few coloured shapes (deterministic), CHW in [0, 1]. */
function picture(): Tensor {
  const S = 320;
  const data = new Float32Array(3 * S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      let rgb = [0.53, 0.66, 0.42];
      if (x >= 30 && x < 140 && y >= 40 && y < 200) rgb = [0.82, 0.25, 0.19];
      if ((x - 230) ** 2 + (y - 120) ** 2 < 50 ** 2) rgb = [0.19, 0.31, 0.75];
      if (y > 230 && y < 300 && Math.abs(x - 160) < (y - 230) * 1.4) rgb = [0.94, 0.88, 0.25];
      for (let c = 0; c < 3; c++) data[c * S * S + y * S + x] = rgb[c];
    }
  }
  return { name: 'image', dtype: 'float32', dims: [3, S, S], data };
}

for (const file of models) {
  test(`${file}: same boxes, scores and labels on LiteRT as on onnxruntime`, async () => {
    const onnx = path.join(DIR, file);
    const r = convertModel(readModelFile(onnx), { inputShapes: new Map([['image', [3, 320, 320]]]) });
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const x = picture();
      const ref = await runOnnx(onnx, [x]);
      const got = await lite.run([x]);
      for (const name of ['boxes', 'scores', 'labels']) {
        const a = toNumbers(ref.get(name)!);
        const b = toNumbers(got.get(name)!);
        assert.deepEqual(got.get(name)!.dims, ref.get(name)!.dims, name);
        const maxRef = Math.max(1e-12, ...a.map(Math.abs));
        a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-4 * maxRef, `${name}[${i}]: ${b[i]} vs ${v}`));
      }
    } finally {
      lite.close();
    }
  });
}
