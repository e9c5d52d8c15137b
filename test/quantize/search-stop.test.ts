// The int8 search's stop bar (src/quantize/search-stop.ts): where the guard judges probability maps by their IoU
// (no --min-cosine, float I/O), the search stops at the first candidate the guard accepts, not at the search's cosine
// target (0.995) beyond it; with --min-cosine the cosine target stays. The guard's verdict itself is unchanged.
// Off by default (ONNX2LITE_MASK_STOP=on; search-stop.ts: PaddleOCR det's evaluation pages lost mask IoU with it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeModelBytes } from '../../src/quantize/file';
import { GUARD_COSINE } from '../../src/quantize/mixed-precision';
import { MIN_COSINE } from '../../src/quantize/guard';
import { guardAccepts, maskJudge } from '../../src/quantize/search-stop';
import { worstOutputCosine } from '../../src/quantize/output-cosine';
import { rng } from './helpers';

/** Conv → +big → −big → Sigmoid: the shifted tensor's int8 step (~big / 128) moves the logits; its map is a mask. */
function shiftedMap(big: number, scale: number): Uint8Array {
  const r = rng(5);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 32, 32]]], outputs: [['y', 'float32', [1, 1, 32, 32]]],
    initializers: [tensor('w1', 'float32', [1, 3, 3, 3], w(27, scale)), tensor('b1', 'float32', [1], [0.1]), tensor('big', 'float32', [1], [big])],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }, 'conv'),
      node('Add', ['c', 'big'], ['shifted'], {}, 'shift_up'), node('Sub', ['shifted', 'big'], ['logit'], {}, 'shift_down'),
      node('Sigmoid', ['logit'], ['y'], {}, 'prob'),
    ],
  }));
}

test('a probability map plain int8 leaves between the guard\'s cosine and the search\'s target: the search stops at plain int8', async () => {
  const bytes = shiftedMap(700, 40);
  const plain = await quantizeModelBytes(bytes, 'map.onnx', {}, { mode: 'int8', int16: 'off' });
  const cos = plain.summary.cosine ?? NaN;
  assert.ok(cos >= MIN_COSINE && cos < GUARD_COSINE, `plain int8 cosine ${cos} between ${MIN_COSINE} and ${GUARD_COSINE}`);
  assert.equal(plain.summary.guard?.met, true, 'the guard accepts plain int8');
  // By default the search goes on to its cosine target.
  const cosineStop = await quantizeModelBytes(bytes, 'map.onnx', {}, { mode: 'int8' });
  assert.ok((cosineStop.summary.floatOps ?? 0) > 0 && (cosineStop.summary.cosine ?? 0) >= GUARD_COSINE, `default: ${cosineStop.summary.floatOps} ops float32`);
  // ONNX2LITE_MASK_STOP=on: the guard judges the map; the search stops at the first candidate it accepts (plain int8).
  process.env.ONNX2LITE_MASK_STOP = 'on';
  const auto = await quantizeModelBytes(bytes, 'map.onnx', {}, { mode: 'int8' }).finally(() => { delete process.env.ONNX2LITE_MASK_STOP; });
  assert.equal(auto.summary.floatOps, 0, `${auto.summary.floatOps} ops float32 (cosine ${auto.summary.cosine})`);
  assert.equal(auto.summary.int16Ops, 0);
  assert.equal(auto.summary.searchCandidates, 1, 'plain int8 measured once, nothing more');
  assert.equal(auto.summary.guard?.met, true);
  assert.equal(auto.summary.cosine, cos);
  // --min-cosine: the guard judges by the cosine alone, and the search goes on to its cosine target.
  process.env.ONNX2LITE_MASK_STOP = 'on';
  const strict = await quantizeModelBytes(bytes, 'map.onnx', {}, { mode: 'int8', minCosine: MIN_COSINE }).finally(() => { delete process.env.ONNX2LITE_MASK_STOP; });
  assert.ok((strict.summary.floatOps ?? 0) > 0 && (strict.summary.cosine ?? 0) >= GUARD_COSINE,
    `${strict.summary.floatOps} ops float32, cosine ${strict.summary.cosine}`);
});

const SIDE = 64;
const map = (f: (y: number, x: number) => number): Map<string, Tensor> => {
  const data = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) data[y * SIDE + x] = f(y, x);
  return new Map([['y', { name: 'y', dtype: 'float32', dims: [1, 1, SIDE, SIDE], data }]]);
};
const band = (y: number, x: number) => (x < 4 || x > 60 ? 0.01 : 1 / (1 + Math.exp(-2 * Math.min(y - 20, 44 - y))));

test('guardAccepts: a map under the cosine whose thresholded IoU meets the bar is accepted; a collapsed one is not', () => {
  const judge = { masks: new Set(['y']), minCosine: MIN_COSINE, probabilities: new Set<string>() };
  const refs = [map(band)];
  // The edges moved (mask-guard.test.ts): cosine under 0.99, the thresholded regions kept.
  const moved = [map((y, x) => Math.min(1, Math.max(0, band(y, x) + (Math.abs(y - 20) < 2 || Math.abs(y - 44) < 2 ? 0.25 * Math.sin(x * 1.7) : 0)
    + 0.16 * Math.sin(3 * x + 5 * y))))];
  const cos = worstOutputCosine(refs, moved);
  assert.ok(cos < MIN_COSINE, `cosine ${cos}`);
  assert.equal(guardAccepts(judge, refs, moved, cos), true);
  const collapsed = [map(() => 0.5)];
  assert.equal(guardAccepts(judge, refs, collapsed, worstOutputCosine(refs, collapsed)), false);
});

test('maskJudge: only with ONNX2LITE_MASK_STOP=on, without --min-cosine and int8 I/O, for a model with map outputs', () => {
  const maps = convertModel(decodeModel(shiftedMap(700, 40)));
  assert.equal(maskJudge(maps, undefined, false), undefined, 'off by default');
  process.env.ONNX2LITE_MASK_STOP = 'on';
  assert.deepEqual([...(maskJudge(maps, undefined, false)?.masks ?? [])], ['y']);
  assert.equal(maskJudge(maps, 0.99, false), undefined, '--min-cosine: the cosine decides');
  assert.equal(maskJudge(maps, undefined, true), undefined, 'int8 I/O: the guard keeps the cosine');
  delete process.env.ONNX2LITE_MASK_STOP;
});
