// Activation ranges clipped to what their readers tell apart (src/calibration/reader-clip.ts): a conv output read
// only by HARD_SWISH needs nothing below -3, one read by RELU nothing below 0, through a PAD too; a graph output or a
// tensor with another reader keeps its range. End to end, the clipped int8 model (real LiteRT) is closer to the
// float one than the unclipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { RangeCollector, tfliteRanges } from '../../src/calibration/ranges';
import { clipToReaders, readerInterval } from '../../src/calibration/reader-clip';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { cloneResult } from '../../src/quantize/mixed-precision';
import { consumersOf, isFloatActivation } from '../../src/quantize/graph';
import { runFirstOutput, rng } from '../quantize/helpers';
import type { Tensor } from '../../src/ir/types';
import { paramsFromRange } from '../../src/quantize/params';

function model(): Uint8Array {
  const r = rng(11);
  // Wide weights: the conv outputs reach far below -3 (as PP-OCRv4 det's stem does, -298..233 into a HARD_SWISH).
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    opset: 14,
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['y', 'float32', [1, 4, 8, 8]], ['z', 'float32', [1, 4, 8, 8]]],
    initializers: [tensor('w1', 'float32', [8, 3, 3, 3], w(216, 30)), tensor('b1', 'float32', [8], w(8, 1)),
      tensor('w2', 'float32', [4, 8, 3, 3], w(288, 1)), tensor('b2', 'float32', [4], w(4, 1)),
      tensor('w3', 'float32', [4, 8, 1, 1], w(32, 1)), tensor('b3', 'float32', [4], w(4, 1))],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }), node('HardSwish', ['c1'], ['h1']),
      node('Conv', ['h1', 'w2', 'b2'], ['c2'], { pads: [1, 1, 1, 1] }), node('Relu', ['c2'], ['y']),
      node('Conv', ['h1', 'w3', 'b3'], ['z']),
    ],
  }));
}

const sample = (seed: number): Tensor[] => {
  const r = rng(seed);
  return [{ name: 'x', dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, () => r() * 2 - 1) }];
};

test('readerInterval: HARD_SWISH reads from -3, RELU from 0, graph outputs and other readers everything', () => {
  const result = convertModel(decodeModel(model()));
  const sg = result.model.subgraphs[0];
  const readers = consumersOf(sg);
  const by = (op: string) => sg.operators.find((o) => o.opcode === op)!;
  const hsIn = by('HARD_SWISH').inputs[0];
  assert.deepEqual(readerInterval(sg, hsIn), [-3, Infinity]);
  // The second conv's output is read by RELU only (or carries it fused: then it is the graph output).
  const relu = sg.operators.find((o) => o.opcode === 'RELU');
  if (relu) assert.deepEqual(readerInterval(sg, relu.inputs[0]), [0, Infinity]);
  // HARD_SWISH's output feeds a padded conv and the 1x1 conv: all of it matters.
  assert.deepEqual(readerInterval(sg, by('HARD_SWISH').outputs[0]), [-Infinity, Infinity]);
  for (const o of sg.outputs) assert.deepEqual(readerInterval(sg, o, readers), [-Infinity, Infinity]);
});

test('clipToReaders narrows only what the readers cannot tell apart, and the int8 model gets closer to float', async () => {
  const result = convertModel(decodeModel(model()));
  const sg = result.model.subgraphs[0];
  const acts = sg.tensors.map((t, i) => i).filter((i) => isFloatActivation(sg.tensors[i]) && !sg.inputs.includes(i));
  const collector = new RangeCollector({ method: 'minmax' });
  const calib = [1, 2, 3, 4].map(sample);
  await tfliteRanges(collector, result, acts, calib);
  for (const s of calib) collector.add(sg.inputs[0], s[0].data as Float32Array);
  const measured = collector.ranges();
  const clipped = clipToReaders(result, collector.ranges());
  const hsIn = sg.operators.find((o) => o.opcode === 'HARD_SWISH')!.inputs[0];
  assert.ok(measured.get(hsIn)!.min < -3, `the HARD_SWISH input reaches ${measured.get(hsIn)!.min}`);
  // One int8 step beyond -3: the lowest value the rounded zero point leaves is still at or below -3.
  const c = clipped.get(hsIn)!;
  assert.ok(c.min < -3 && c.min > -3 - (c.max + 3) / 200, `clipped to ${c.min}`);
  const p = paramsFromRange(c);
  assert.ok((-128 - p.zeroPoint) * p.scale <= -3, `lowest int8 value ${(-128 - p.zeroPoint) * p.scale}`);
  assert.equal(clipped.get(hsIn)!.max, measured.get(hsIn)!.max);
  let changed = 0;
  for (const [t, r] of measured) {
    const c = clipped.get(t)!;
    if (c.min !== r.min || c.max !== r.max) changed++;
    assert.ok(c.min >= r.min && c.max <= r.max && c.min <= 0 && c.max >= 0, `tensor ${t}: ${JSON.stringify(c)} within ${JSON.stringify(r)}`);
  }
  for (const o of sg.outputs) assert.deepEqual(clipped.get(o), measured.get(o));
  assert.ok(changed >= 1);
  // End to end on LiteRT: held-out inputs, both outputs, error against the float model.
  const float = await Promise.all([5, 6, 7].map((s) => runFirstOutput(result.model, sample(s))));
  const err = async (ranges: typeof measured) => {
    const q = quantizeInt8(cloneResult(result), activationParams(result, ranges), {});
    let e = 0;
    for (const [k, s] of [5, 6, 7].entries()) {
      const got = await runFirstOutput(q.model, sample(s));
      for (let i = 0; i < got.length; i++) e += (got[i] - float[k][i]) ** 2;
    }
    return e;
  };
  const [plain, clip] = [await err(measured), await err(clipped)];
  assert.ok(clip < plain * 0.8 && clip > 0, `int8 squared error with clipped ranges ${clip} vs measured ${plain}`);
});
