// Plain int8 when the search's choice misses the held-out samples (src/quantize/search-held-out.ts, int8-stage.ts):
// plain int8 is judged as the guard judges a file, on the guard samples (its cosine, or the probability maps where
// the map judge decides) and on the held-out samples, with real LiteRT and onnxruntime runs; it stands in for the
// searched file only when it meets both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { heldOutMeasure, plainOnHeldOut, plainOnHeldOutText } from '../../src/quantize/search-held-out';
import { makeTensor } from '../../src/ir/tensor';
import type { HeadOptions } from '../../src/quantize/int8-classifier-head';
import { rng } from './helpers';

function plainModel() {
  const r = rng(11);
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 16]]], outputs: [['y', 'float32', [1, 8]]],
    initializers: [tensor('w', 'float32', [16, 8], Array.from({ length: 128 }, () => r() - 0.5))],
    nodes: [node('MatMul', ['x', 'w'], ['y'])], opset: 13,
  }));
  const onnx = decodeModel(bytes);
  const result = convertModel(decodeModel(bytes));
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -4, max: 4 }); });
  // int8 throughout: the one MatMul into the output would be a classifier head, run 16x8 (int8-classifier-head.ts).
  const opts: HeadOptions = { int16Ops: new Set(), splitOps: new Set(), classifierHead: false };
  const plain = quantizeInt8(result, activationParams(result, ranges), opts);
  /** Samples of amplitude `a`. */
  const samples = (n: number, a: number) => Array.from({ length: n }, () => [makeTensor('x', 'float32', [1, 16], Array.from({ length: 16 }, () => a * (2 * r() - 1)))]);
  return { onnx, plain, samples };
}

test('plain int8 stands in when it meets the guard and the held-out samples, not when it misses either', async () => {
  const { onnx, plain, samples } = plainModel();
  const guardSamples = samples(8, 1);
  // Held-out samples like the guard's: plain int8 meets the held-out bar there.
  const met = await plainOnHeldOut(onnx, plain, guardSamples, { samples: samples(4, 1), from: 8 }, 0.995, 0.99, new Set(), false);
  assert.ok(met, 'plain int8 met');
  assert.ok(met.heldOut.met && met.heldOut.cosine >= 0.98 && met.heldOut.first === 9 && met.heldOut.last === 12, JSON.stringify(met.heldOut));
  assert.equal(met.maskIou, undefined, 'judged by the cosine');
  // Quiet held-out samples (a hundredth of the range) read by int8 at a step of 1/32: missed there.
  assert.equal(await plainOnHeldOut(onnx, plain, guardSamples, { samples: samples(4, 0.01), from: 8 }, 0.995, 0.99, new Set(), false), undefined);
  // Plain int8 under --min-cosine on the guard samples with no map judge: not judged further.
  assert.equal(await plainOnHeldOut(onnx, plain, guardSamples, { samples: samples(4, 1), from: 8 }, 0.985, 0.99, new Set(), false), undefined);
  const line = plainOnHeldOutText({ searched: { floatOps: 18, int16Ops: 0, guard: 0.9734, heldOut: 0.8923 }, plain: { guard: 0.9857, heldOut: heldOutMeasure(met.heldOut) } }, met.heldOut, false);
  assert.match(line, /the search's choice \(18 op\(s\) float32, 0 in 16x8\) read output cosine 0\.9734 .* but 0\.8923 on calibration samples 9-12.*plain int8 written/);
});
