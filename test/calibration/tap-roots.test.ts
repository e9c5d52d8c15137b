// Calibration on LiteRT reads a view / TRANSPOSE / zero PAD's input instead of the view (src/calibration/tap-roots.ts):
// the ranges of every method come out the same as reading each tensor itself, on real LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { randomSamples } from '../../src/calibration/data';
import { readFloatValues } from '../../src/calibration/float-values';
import { RANGE_METHODS, RangeCollector, tfliteRanges } from '../../src/calibration/ranges';
import { tapRoots } from '../../src/calibration/tap-roots';

test('views, transposes and zero pads of a computed tensor are calibrated from it, with the same ranges', async () => {
  const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
  const m = buildModel({ inputs: [['x', 'float32', [2, 12]]], outputs: ['p', 'm'], opset: 13,
    initializers: [i64('shape', [4, 6]), i64('pads', [1, 0, 2, 3]), tensor('w', 'float32', [12, 12], Array.from({ length: 144 }, (_, i) => Math.sin(i * 1.3)))],
    nodes: [node('MatMul', ['x', 'w'], ['a']), node('Reshape', ['a', 'shape'], ['r']), node('Transpose', ['r'], ['t'], { perm: [1, 0] }),
      node('Pad', ['t', 'pads'], ['p']), node('Mul', ['a', 'a'], ['m'])] });
  const result = convertModel(m, {});
  const sg = result.model.subgraphs[0];
  const at = (n: string) => sg.tensors.findIndex((t) => t.name === n);
  // The converter pads before the transpose: r = RESHAPE(a), p__stored = PAD(r), p = TRANSPOSE(p__stored).
  const taps = ['r', 'p__stored', 'p'].map(at);
  assert.deepEqual(taps.map((i) => sg.operators.find((op) => op.outputs[0] === i)?.opcode), ['RESHAPE', 'PAD', 'TRANSPOSE']);
  assert.ok(taps.every((i) => i >= 0), sg.tensors.map((t) => t.name).join());
  const roots = tapRoots(sg, taps);
  // [4, 6] padded to [7, 9] (as stored): 63 - 24 = 39 zeros.
  assert.deepEqual(taps.map((i) => roots.get(i)), [{ root: at('a'), zeros: 0 }, { root: at('a'), zeros: 39 }, { root: at('a'), zeros: 39 }]);
  const samples = randomSamples([{ name: 'x', dtype: 'float32', dims: [2, 12] }], 3, 5);
  const viaRoots = new RangeCollector({ percentile: 99 }, RANGE_METHODS);
  await tfliteRanges(viaRoots, result, taps, samples);
  const direct = new RangeCollector({ percentile: 99 }, RANGE_METHODS);
  await readFloatValues(result, taps, samples, (values) => { for (const [i, x] of values) direct.add(i, x); });
  for (const method of RANGE_METHODS) {
    const [a, b] = [viaRoots.rangesFor(method), direct.rangesFor(method)];
    for (const i of taps) assert.deepEqual(a.get(i), b.get(i), `${method} of ${sg.tensors[i].name}`);
  }
  assert.ok(viaRoots.minmaxRanges().get(at('p'))!.min <= 0);
});
