// int8's progress line for the LiteRT calibration (src/quantize/full-int8.ts) counts the taps LiteRT reads, not only
// the converter-made tensors asked for: a view / zero PAD is read as its input (src/calibration/tap-roots.ts), so
// RODNet-CDC's line said "68 converter-made tensors" where 27 were read (docs/model-sweep.md, s24-taps3d). Here a
// 3-D ConvTranspose written over its frames (TRANSPOSE_CONV per kernel depth, RESHAPE / PAD to place the frames).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { simplifiedModel } from '../../src/convert/simplify';
import { frameLimits } from '../../src/convert/ops/_conv3d_frames';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { randomSamples } from '../../src/calibration/data';
import { quantizeFullInt8 } from '../../src/quantize/full-int8';
import { Int8Phases } from '../../src/quantize/int8-phases';

test('the LiteRT calibration line counts the taps read beside the tensors asked for', async () => {
  const m = buildModel({ inputs: [['x', 'float32', [1, 2, 3, 4, 4]]], outputs: ['y'], opset: 13,
    initializers: [tensor('w', 'float32', [2, 3, 3, 3, 3], Array.from({ length: 162 }, (_, i) => Math.sin(i * 1.3)))],
    nodes: [node('ConvTranspose', ['x', 'w'], ['y'], { strides: [2, 2, 2] })] });
  const saved = frameLimits.scratchBytes;
  frameLimits.scratchBytes = 0;
  let result;
  try { result = convertModel(m, {}); } finally { frameLimits.scratchBytes = saved; }
  assert.ok((result.opHistogram.TRANSPOSE_CONV ?? 0) >= 2 && (result.opHistogram.PAD ?? 0) > 0, JSON.stringify(result.opHistogram));
  const lines: string[] = [];
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [1, 2, 3, 4, 4] }], 3, 5);
  const { stats } = await quantizeFullInt8(result, simplifiedModel(m), samples, { int16: 'off', phases: new Int8Phases((p) => lines.push(p.message)) });
  const line = lines.find((l) => /converter-made tensors on LiteRT/.test(l)) ?? '';
  const match = /calibrating (\d+) converter-made tensors on LiteRT \((\d+) taps read\)/.exec(line);
  assert.ok(match, `the line: ${lines.join(' | ')}`);
  const [asked, read] = [Number(match[1]), Number(match[2])];
  assert.equal(asked, stats.fromTflite);
  assert.ok(read > 0 && read < asked, `${asked} asked, ${read} read`);
});
