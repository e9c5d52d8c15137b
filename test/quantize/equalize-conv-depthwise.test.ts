// Exact cross-layer equalization of a conv and the depthwise conv reading it (src/quantize/equalize-conv-depthwise.ts):
// PP-LCNetV3's stem (a conv + BatchNorm straight into a depthwise), here with output channels spanning 600× in range,
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
import { MAX_GAIN, channelGains } from '../../src/quantize/equalize-conv-depthwise';
import { onOffSnr, rng } from './helpers';

const [I, C, H] = [3, 8, 16];
const GAINS = [0.05, 0.1, 0.3, 1, 2, 5, 10, 30];

/** x → conv 3×3 stride 2 (row c scaled by GAINS[c]) → [ReLU / ReLU6] → depthwise 3×3 (channel c scaled back) → y. */
function stem(between: 'none' | 'relu' | 'relu6' = 'none'): Uint8Array {
  const r = rng(7);
  const w = Array.from({ length: C * I * 9 }, (_, i) => GAINS[Math.floor(i / (I * 9))] * (r() * 2 - 1));
  const b = GAINS.map((g, c) => g * 0.1 * (c % 3 - 1));
  const dw = Array.from({ length: C * 9 }, (_, i) => (r() * 2 - 1) / GAINS[Math.floor(i / 9)]);
  const d = between === 'none' ? 'z' : 'c';
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, I, H, H]]], outputs: [['y', 'float32', [1, C, H / 2, H / 2]]],
    initializers: [tensor('w', 'float32', [C, I, 3, 3], w), tensor('b', 'float32', [C], b), tensor('dw', 'float32', [C, 1, 3, 3], dw),
      tensor('lo', 'float32', [], [0]), tensor('hi', 'float32', [], [6])],
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['z'], { strides: [2, 2], pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
      ...(between === 'relu6' ? [node('Clip', ['z', 'lo', 'hi'], ['c'])] : between === 'relu' ? [node('Relu', ['z'], ['c'])] : []),
      node('Conv', [d, 'dw'], ['y'], { group: C, pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
    ],
  }));
}

function sample(seed: number): Tensor[] {
  const r = rng(seed);
  return [makeTensor('x', 'float32', [1, I, H, H], Float32Array.from({ length: I * H * H }, () => r() * 2 - 1))];
}

const dir = mkdtempSync(join(tmpdir(), 'int8-equalize-cdw-'));
const cal = join(dir, 'cal');
mkdirSync(cal, { recursive: true });
for (let i = 0; i < 8; i++) writeFileSync(join(cal, `${i}.npy`), encodeNpy(sample(100 + i)[0]));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const q = { mode: 'int8' as const, calibration: cal, int16: 'off' as const, allowDegraded: true, weightRounding: 'nearest' as const };

test('channel gains bring every channel to the widest one, within MAX_GAIN, and leave dead channels alone', () => {
  assert.deepEqual([...channelGains([4, 1, 2, 0])], [1, 4, 2, 1]);
  assert.equal(channelGains([1, 1e-4])[1], MAX_GAIN);
});

test('int8 equalizes a conv → depthwise pair by default: a better int8 output than without, the conv output unpaired', async (t) => {
  const bytes = stem();
  const on = await quantizeModelBytes(bytes, join(dir, 's.onnx'), {}, q);
  const off = await quantizeModelBytes(bytes, join(dir, 's.onnx'), {}, { ...q, equalizeConvDepthwise: false });
  assert.equal(on.summary.equalizedConvDepthwise, 1);
  assert.equal(off.summary.equalizedConvDepthwise, undefined);
  assert.ok(!on.result.metadata.tensors.some((m) => m.onnx === 'z'), 'the equalized conv output is no longer paired with the ONNX value');
  assert.ok(off.result.metadata.tensors.some((m) => m.onnx === 'z'));
  const snr = await onOffSnr(bytes, on.result.model, off.result.model, sample);
  const worst = (v: number[]) => Math.min(...v);
  t.diagnostic(`SNR equalized ${snr.on.map((v) => v.toFixed(1))} dB, without ${snr.off.map((v) => v.toFixed(1))} dB`);
  assert.ok(worst(snr.on) > worst(snr.off) + 6, `SNR equalized ${snr.on.map((v) => v.toFixed(1))} vs ${snr.off.map((v) => v.toFixed(1))} dB`);
});

test('a ReLU6 between the conv and the depthwise is not equalized (the clamp does not commute with the scaling)', async () => {
  const { summary } = await quantizeModelBytes(stem('relu6'), join(dir, 'c.onnx'), {}, q);
  assert.equal(summary.equalizedConvDepthwise, undefined);
});

test('a ReLU node between them (fused into the conv) is equalized through when asked: FastestDet / ShuffleNet branches', async () => {
  assert.equal((await quantizeModelBytes(stem('relu'), join(dir, 'r.onnx'), {}, q)).summary.equalizedConvDepthwise, undefined, 'not by default');
  const { summary, result } = await quantizeModelBytes(stem('relu'), join(dir, 'r.onnx'), {}, { ...q, equalizeConvDepthwise: 'relu' as const });
  assert.equal(summary.equalizedConvDepthwise, 1);
  assert.ok(!result.metadata.tensors.some((m) => m.onnx === 'c'), 'the equalized ReLU output is no longer paired with the ONNX value');
});
