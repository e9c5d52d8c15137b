// Per-channel scaling through hard-swish chains (src/quantize/equalize-hardswish.ts): PP-LCNetV3's stem shape, conv →
// hard-swish → 1×1 conv → hard-swish → scalar affine → depthwise, with each tensor's channels spanning 600× in range,
// quantized to int8 with and without it. Real LiteRT against onnxruntime-node on samples calibration never saw.
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
import { equalizeHardSwish } from '../../src/quantize/equalize-hardswish';
import { convertModel } from '../../src/convert/convert';
import { simplifiedModel } from '../../src/convert/simplify';
import { decodeModel } from '../../src/onnx/reader';
import { scaledHardSwishOps } from '../../src/quantize/int8-scaled-hardswish';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { floats, onOffSnr, relMaxDiff, rng } from './helpers';

const [I, C, H] = [3, 8, 16];
const GAINS = [0.02, 0.05, 0.1, 0.3, 1, 3, 6, 12];

/** x → conv 3×3 (row c · GAINS[c]) → HardSwish → 1×1 conv (column c / GAINS[c], row c · GAINS[7 - c]) → HardSwish
 *  → · a + b → depthwise 3×3 → y. */
function chain(relu6 = false): Uint8Array {
  const r = rng(11);
  const w = Array.from({ length: C * I * 9 }, (_, i) => GAINS[Math.floor(i / (I * 9))] * (r() * 2 - 1));
  const b = GAINS.map((g, c) => g * 0.2 * (c % 3 - 1));
  const w2 = Array.from({ length: C * C }, (_, i) => GAINS[C - 1 - Math.floor(i / C)] * (r() * 2 - 1) / Math.sqrt(GAINS[i % C]));
  const b2 = GAINS.map((g, c) => GAINS[C - 1 - c] * 0.1 * (c % 2 ? 1 : -1));
  const dw = Array.from({ length: C * 9 }, (_, i) => (r() * 2 - 1) / GAINS[C - 1 - Math.floor(i / 9)]);
  return encodeModel(buildModel({
    opset: 14,
    inputs: [['x', 'float32', [1, I, H, H]]], outputs: [['y', 'float32', [1, C, H / 2, H / 2]]],
    initializers: [tensor('w', 'float32', [C, I, 3, 3], w), tensor('b', 'float32', [C], b), tensor('w2', 'float32', [C, C, 1, 1], w2),
      tensor('b2', 'float32', [C], b2), tensor('a', 'float32', [1], [0.8]), tensor('s', 'float32', [1], [0.05]),
      tensor('dw', 'float32', [C, 1, 3, 3], dw), tensor('lo', 'float32', [], [0]), tensor('hi', 'float32', [], [6])],
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['z'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
      relu6 ? node('Clip', ['z', 'lo', 'hi'], ['h']) : node('HardSwish', ['z'], ['h']),
      node('Conv', ['h', 'w2', 'b2'], ['z2'], { kernel_shape: [1, 1] }),
      node('HardSwish', ['z2'], ['h2']),
      node('Mul', ['h2', 'a'], ['m']),
      node('Add', ['m', 's'], ['m2']),
      node('Conv', ['m2', 'dw'], ['y'], { group: C, strides: [2, 2], pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
    ],
  }));
}

function sample(seed: number): Tensor[] {
  const r = rng(seed);
  return [makeTensor('x', 'float32', [1, I, H, H], Float32Array.from({ length: I * H * H }, () => r() * 4 - 2))];
}

const dir = mkdtempSync(join(tmpdir(), 'int8-equalize-hsw-'));
const cal = join(dir, 'cal');
mkdirSync(cal, { recursive: true });
for (let i = 0; i < 8; i++) writeFileSync(join(cal, `${i}.npy`), encodeNpy(sample(100 + i)[0]));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const q = { mode: 'int8' as const, calibration: cal, int16: 'off' as const, allowDegraded: true, weightRounding: 'nearest' as const };

test('int8 scales hard-swish chains per channel when asked: float MUL → HARD_SWISH → MUL islands, a better int8 output', async (t) => {
  const bytes = chain();
  const on = await quantizeModelBytes(bytes, join(dir, 'h.onnx'), {}, { ...q, equalizeHardSwish: true });
  const off = await quantizeModelBytes(bytes, join(dir, 'h.onnx'), {}, q);
  assert.equal(on.summary.equalizedHardSwish, 2);
  assert.equal(off.summary.equalizedHardSwish, undefined, 'off by default');
  const sg = on.result.model.subgraphs[0];
  const island = scaledHardSwishOps(sg);
  assert.equal(island.length, 6, 'two MUL → HARD_SWISH → MUL islands');
  for (const k of island) assert.equal(sg.tensors[sg.operators[k].outputs[0]].type, 'FLOAT32', `${sg.operators[k].opcode} computes in float`);
  assert.equal(scaledHardSwishOps(off.result.model.subgraphs[0]).length, 0);
  for (const name of ['z', 'z2', 'm', 'm2']) assert.ok(!on.result.metadata.tensors.some((m) => m.onnx === name), `${name} (scaled) is no longer paired with the ONNX value`);
  assert.ok(on.result.warnings.some((w) => /equalized hard-swish/.test(w)));
  const snr = await onOffSnr(bytes, on.result.model, off.result.model, sample);
  const worst = (v: number[]) => Math.min(...v);
  t.diagnostic(`SNR equalized ${snr.on.map((v) => v.toFixed(1))} dB, without ${snr.off.map((v) => v.toFixed(1))} dB`);
  assert.ok(worst(snr.on) > worst(snr.off) + 6, `SNR equalized ${snr.on.map((v) => v.toFixed(1))} vs ${snr.off.map((v) => v.toFixed(1))} dB`);
});

test('the equalized float models compute the same: the converted model on LiteRT and the ONNX model on onnxruntime', async () => {
  const bytes = chain();
  const result = convertModel(decodeModel(bytes), {});
  const onnx = simplifiedModel(decodeModel(bytes));
  const { chains, names } = await equalizeHardSwish(result, onnx, [0, 1, 2, 3].map((i) => sample(100 + i)));
  assert.equal(chains, 2);
  assert.deepEqual([...names].sort(), ['h/scaled', 'h2/scaled', 'm', 'm2', 'z', 'z/unscaled', 'z2', 'z2/unscaled']);
  const s = await openConverted(serializeTflite(result.model));
  try {
    for (const seed of [900, 901]) {
      const x = sample(seed);
      const ref = floats((await runOnnx(bytes, x)).get('y')!);
      assert.ok(relMaxDiff(floats((await s.run(x)).get('y')!), ref) < 1e-5, 'LiteRT, equalized');
      assert.ok(relMaxDiff(floats((await runOnnx(encodeModel(onnx), x)).get('y')!), ref) < 1e-5, 'onnxruntime, equalized');
    }
  } finally {
    s.close();
  }
});

test('a chain through a ReLU6 (not a hard-swish) is left alone', async () => {
  const { summary } = await quantizeModelBytes(chain(true), join(dir, 'c.onnx'), {}, { ...q, equalizeHardSwish: true });
  assert.equal(summary.equalizedHardSwish, 1, 'only the second (hard-swish) chain');
  assert.equal((await quantizeModelBytes(chain(), join(dir, 'c.onnx'), {}, { ...q, equalizeHardSwish: 1 })).summary.equalizedHardSwish, 1, 'the first chain only');
});
