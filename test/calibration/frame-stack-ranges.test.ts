// A 3-D conv written over its frames (src/convert/ops/_conv3d_frames.ts) stacks kD STRIDED_SLICEs of its input in
// channels; the CONCATENATION asks for each part's own range. Those parts now take their source's range
// (src/calibration/stack-ranges.ts) instead of being tapped on LiteRT: r2plus1d_18 at 16 × 112² tapped 51 slices
// (454 MB, held to the end of the run and packed into one output) and LiteRT failed to make the output's buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { simplifiedModel } from '../../src/convert/simplify';
import { frameLimits } from '../../src/convert/ops/_conv3d_frames';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { randomSamples } from '../../src/calibration/data';
import { deriveStackRanges } from '../../src/calibration/stack-ranges';
import { quantizeFullInt8 } from '../../src/quantize/full-int8';
import { producersOf } from '../../src/quantize/graph';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Two 3×3×3 Conv3d layers with a Relu between, over [1, 4, 6, 8, 8]. */
function twoLayers() {
  const w = (o: number, c: number, s: number) => tensor(`w${s}`, 'float32', [o, c, 3, 3, 3], seq(o * c * 27, (i) => Math.sin(i * 0.77 + s) * 0.3));
  return buildModel({ inputs: [['x', 'float32', [1, 4, 6, 8, 8]]], outputs: ['y'], opset: 13,
    initializers: [w(6, 4, 1), w(5, 6, 2), tensor('b1', 'float32', [6], seq(6, (i) => i / 10 - 0.2)), tensor('b2', 'float32', [5], seq(5, (i) => 0.1 - i / 20))],
    nodes: [node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1, 1, 1] }), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'w2', 'b2'], ['y'], { pads: [1, 1, 1, 1, 1, 1] })] });
}

test('int8 of 3-D convs over their frames: the stacked frame slices take their source\'s range, none is tapped on LiteRT', async () => {
  const m = twoLayers();
  const saved = frameLimits.scratchBytes;
  frameLimits.scratchBytes = 0;
  let result;
  try { result = convertModel(m, {}); } finally { frameLimits.scratchBytes = saved; }
  assert.equal(result.opHistogram.CONV_3D ?? 0, 0);
  assert.ok((result.opHistogram.STRIDED_SLICE ?? 0) >= 4, JSON.stringify(result.opHistogram));
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [1, 4, 6, 8, 8] }], 6, 3);
  const { stats } = await quantizeFullInt8(result, simplifiedModel(m), samples, { int16: 'off' });
  console.log(`from onnxruntime ${stats.fromOnnx}, from LiteRT ${stats.fromTflite}, cosine ${stats.cosine.toFixed(5)}`);
  assert.equal(stats.fromTflite, 0);
  assert.ok(stats.guardMet && stats.cosine >= 0.99, `cosine ${stats.cosine}`);
});

test('a stack\'s parts take their one source\'s range (with 0 through a PAD); parts of two sources are left to calibration', () => {
  // Concat(Slice(a), Slice(Pad(a))) and Concat(Slice(a), Slice(b)).
  const c = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
  const m = buildModel({ inputs: [['x', 'float32', [1, 4, 6]]], outputs: ['one', 'two'], opset: 13,
    initializers: [c('s0', [0]), c('e0', [3]), c('s1', [1]), c('e1', [4]), c('ax', [2]), c('pads', [0, 0, 1, 0, 0, 1])],
    nodes: [node('Relu', ['x'], ['a']), node('Sigmoid', ['x'], ['b']), node('Pad', ['a', 'pads'], ['ap']),
      node('Slice', ['a', 's0', 'e0', 'ax'], ['a0']), node('Slice', ['ap', 's1', 'e1', 'ax'], ['a1']),
      node('Slice', ['b', 's1', 'e1', 'ax'], ['b1']),
      node('Concat', ['a0', 'a1'], ['one'], { axis: 1 }), node('Concat', ['a0', 'b1'], ['two'], { axis: 1 })] });
  const sg = convertModel(m, {}).model.subgraphs[0];
  const byName = (n: string) => sg.tensors.findIndex((t) => t.name === n);
  const producer = producersOf(sg);
  const [a, b] = [byName('a'), byName('b')];
  const join = (out: string) => sg.operators.find((op) => op.opcode === 'CONCATENATION' && op.outputs[0] === byName(out))!.inputs;
  const [one, two] = [join('one'), join('two')];
  assert.deepEqual([...one, ...two].map((i) => sg.tensors[i].name), ['a0', 'a1', 'a0', 'b1']);
  assert.ok(one.every((i) => producer.has(i)) && two.every((i) => producer.has(i)));
  const ranges = new Map([[a, { min: 0.5, max: 3 }], [b, { min: 0.1, max: 0.9 }]]);
  const left = deriveStackRanges(sg, ranges, [...new Set([...one, ...two])]);
  // one: a0 and a1 from a (a1 through the zero PAD, so it reaches 0).
  assert.deepEqual(ranges.get(one[0]), { min: 0.5, max: 3 });
  assert.deepEqual(ranges.get(one[1]), { min: 0, max: 3 });
  // two: a's slice and b's slice: two sources, b1 stays to be calibrated (a0 already has its range from `one`).
  assert.deepEqual(left, [two[1]]);
  assert.equal(ranges.has(two[1]), false);
});
