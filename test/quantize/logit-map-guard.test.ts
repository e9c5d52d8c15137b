// The int8 guard on logit maps (src/quantize/logit-map-guard.ts): a single-channel map of logits with no Sigmoid in
// the model (LDC's edge maps, read at 0) is judged by the IoU of its positive region against onnxruntime, with or
// without --min-cosine; an ordinary regression map (values on both signs evenly, or none negative) is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantizeModelBytes } from '../../src/quantize/file';
import { LOGIT_BAND, logitMapGuard, logitMapIou, logitMapOutputs, logitShares, readAsLogits } from '../../src/quantize/logit-map-guard';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import type { Tensor } from '../../src/ir/types';

const H = 16;
const W = 16;

/** y = conv1(conv_a(x) + pattern), x [1, 1, 16, 16] in [0, 1) (1x1 convs of weight a and 1: int8 kernels on both
 *  sides). `edges`: a = 20, pattern −14 (logits −14..6, positive where x > 0.7: 30% of the pixels) and −1000 on one
 *  pixel, which stretches the sum's int8 range to a step of ~4: the logits in (0, 2) round to 0 and the positive region
 *  shrinks (IoU ~0.4 at 0) while the cosine, held by the −1000, stays over 0.999. `regression`: a = 10, pattern −5
 *  (both signs evenly) with the same −1000; `relu`: that without the −1000 through a Relu (no negative values). */
function logitModel(kind: 'edges' | 'regression' | 'relu'): Uint8Array {
  const [a, b] = kind === 'edges' ? [20, -14] : [10, -5];
  const pattern = Array.from({ length: H * W }, (_, i) => (i === 0 && kind !== 'relu' ? -1000 : b));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 1, H, W]]], outputs: [['y', 'float32', [1, 1, H, W]]],
    initializers: [tensor('pattern', 'float32', [1, 1, H, W], pattern), tensor('wa', 'float32', [1, 1, 1, 1], [a]), tensor('w1', 'float32', [1, 1, 1, 1], [1])],
    nodes: [node('Conv', ['x', 'wa'], ['ax']), node('Add', ['ax', 'pattern'], ['z']), node('Conv', ['z', 'w1'], [kind === 'relu' ? 'r' : 'y']),
      ...(kind === 'relu' ? [node('Relu', ['r'], ['y'])] : [])],
  }));
}

const map = (name: string, data: number[], dims = [1, 1, 4, data.length / 4]): Map<string, Tensor> =>
  new Map([[name, { name, dtype: 'float32', dims, data: Float32Array.from(data) }]]);

test('logit maps read from the float model\'s values: a minority positive region over a confident background', () => {
  const edges = Array.from({ length: 400 }, (_, i) => (i % 10 === 0 ? 3 : i % 10 === 1 ? 0.5 : -6));
  assert.ok(readAsLogits([edges]), JSON.stringify(logitShares([edges])));
  assert.ok(!readAsLogits([edges.map((x) => 1 / (1 + Math.exp(-x)))]), 'probabilities: inside the band');
  assert.ok(!readAsLogits([edges.map((x) => Math.max(0, x))]), 'ReLU\'d: no background under the band');
  assert.ok(!readAsLogits([Array.from({ length: 400 }, (_, i) => (i % 2 ? 5 : -5))]), 'both signs evenly: a signed field');
  assert.ok(!readAsLogits([Array.from({ length: 400 }, (_, i) => 0.1 * ((i % 7) - 3))]), 'a residual near 0');
  assert.equal(LOGIT_BAND, 1);
  // Single maps only: a 3-channel picture of the same values is not one.
  assert.deepEqual([...logitMapOutputs([map('m', edges)], ['m'])], ['m']);
  assert.deepEqual([...logitMapOutputs([map('m', edges, [1, 4, 10, 10])], ['m'])], []);
  assert.deepEqual([...logitMapOutputs([map('m', edges, [1, 100, 4])], ['m'])], [], 'rows of a table');
  // The IoU at 0, and no verdict on an empty region.
  assert.equal(logitMapIou([1, 1, -1, -1], [1, -1, -1, -1]), 0.5);
  assert.equal(logitMapIou([-1, -1, -1, -1], [1, -1, -1, -1]), undefined);
  const g = logitMapGuard([map('m', edges), map('m', edges)], [map('m', edges), map('m', edges.map((x) => (x === 0.5 ? -0.5 : x)))], new Set(['m']));
  assert.deepEqual([g.maps, +g.iou.toFixed(4), +g.worst.toFixed(4)], [2, 0.75, 0.5], 'the output\'s mean over its samples, and the worst map');
});

test('a logit map whose int8 loses its region while the cosine holds is refused; regressions are not judged as maps', async () => {
  // Plain int8 (--int16 off) and the default: the search stops at the cosine it meets.
  for (const int16 of ['off', undefined] as const) {
    await assert.rejects(quantizeModelBytes(logitModel('edges'), 'edges.onnx', {}, { mode: 'int8', ...(int16 ? { int16 } : {}) }),
      (e: Error) => e.name === 'ModelError' && /output cosine 0\.99\d+ meets --min-cosine 0\.99 but the logit map\(s\) \(y\) read at 0 .*IoU against onnxruntime is 0\.\d+ .*below 0\.95/.test(e.message)
        && /nothing written/.test(e.message), `int16 ${int16}`);
  }
  const r = await quantizeModelBytes(logitModel('edges'), 'edges.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const g = r.summary.guard!;
  assert.equal(g.met, false);
  assert.ok(g.cosine >= 0.99, `the cosine meets the bar: ${g.cosine}`);
  assert.ok(g.logitMaps && g.logitMaps.iou < 0.9 && g.logitMaps.outputs.join() === 'y', JSON.stringify(g.logitMaps));
  for (const kind of ['regression', 'relu'] as const) {
    const w = await quantizeModelBytes(logitModel(kind), `${kind}.onnx`, {}, { mode: 'int8', int16: 'off' });
    assert.equal(w.summary.guard?.met, true, kind);
    assert.equal(w.summary.guard?.logitMaps, undefined, `${kind}: not a logit map`);
  }
});
