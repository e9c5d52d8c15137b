// The int8 search aims at the logit maps' IoU (src/quantize/search-logit-maps.ts, sensitivity.ts makeScorer,
// mixed-precision.ts): a map of logits with no Sigmoid, which the guard judges by its positive region's IoU
// (logit-map-guard.ts), is what the search ranks and stops by, whatever the cosine. Before, a plain int8 file over the
// cosine target ran no search and the guard refused it on its edges (LDC, s27-guard5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantizeModelBytes } from '../../src/quantize/file';
import { logitMapTarget, signMapAgreement } from '../../src/quantize/search-logit-maps';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';

const H = 16;
const W = 16;
const C = 32;

/** x [1, 32, 16, 16] → a 3x3 conv near the identity (weights that make the float32 model ~40 KB, so the search's
 *  size budget has room) → a 1x1 conv reading channel 0 × 20 → + pattern (−14, and −1000 on one pixel) → a 1x1 conv
 *  → y. The logits run −14..6 (positive on ~30%), and the −1000 stretches the sum's int8 step to ~4: plain int8
 *  rounds the logits in (0, 2) to 0 (IoU ~0.4 at 0) at cosine 0.9995, over the search's cosine target. */
function edgesModel(): Uint8Array {
  const wh = Array.from({ length: C * C * 9 }, (_, i) => {
    const o = Math.floor(i / (C * 9)), c = Math.floor(i / 9) % C, k = i % 9;
    return o === c && k === 4 ? 1 : 1e-3 * Math.sin(i * 12.9898);
  });
  const wa = Array.from({ length: C }, (_, c) => (c === 0 ? 20 : 0));
  const pattern = Array.from({ length: H * W }, (_, i) => (i === 0 ? -1000 : -14));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, C, H, W]]], outputs: [['y', 'float32', [1, 1, H, W]]],
    initializers: [tensor('wh', 'float32', [C, C, 3, 3], wh), tensor('wa', 'float32', [1, C, 1, 1], wa), tensor('pattern', 'float32', [1, 1, H, W], pattern),
      tensor('w1', 'float32', [1, 1, 1, 1], [1])],
    nodes: [node('Conv', ['x', 'wh'], ['h'], { pads: [1, 1, 1, 1] }), node('Conv', ['h', 'wa'], ['ax']), node('Add', ['ax', 'pattern'], ['z']),
      node('Conv', ['z', 'w1'], ['y'])],
  }));
}

test('the sign maps\' IoU and its smooth version; the search\'s bar keeps the cosine target\'s margin', () => {
  assert.deepEqual(signMapAgreement([3, 3, -3, -3], [3, -3, -3, -3]).iou, 0.5);
  const near = signMapAgreement([3, 0.1, -3], [3, -0.1, -3]);
  const far = signMapAgreement([3, 0.1, -3], [3, -2, -3]);
  assert.equal(near.iou, far.iou, 'both lose the pixel at 0');
  assert.ok(near.soft > far.soft, `the smooth measure sees how far: ${near.soft} > ${far.soft}`);
  assert.equal(logitMapTarget(0.99), 0.95, 'the guard\'s bar at --min-cosine 0.99');
  assert.ok(Math.abs(logitMapTarget(0.995) - 0.975) < 1e-9, 'the default target keeps half the margin');
});

test('a logit map plain int8 loses at a cosine over the target: the search keeps it, and the file is written', async () => {
  const model = edgesModel();
  const r = await quantizeModelBytes(model, 'edges.onnx', {}, { mode: 'int8' });
  const q = r.summary;
  assert.ok(q.int8Cosine! >= 0.995, `plain int8's cosine meets the search's cosine target: ${q.int8Cosine}`);
  assert.ok((q.floatOps ?? 0) + (q.int16Ops ?? 0) > 0, 'the search ran and moved ops out of int8');
  assert.equal(q.guard?.met, true, JSON.stringify(q.guard?.logitMaps));
  assert.ok(q.guard!.logitMaps!.iou >= 0.95, `the edges held: ${q.guard!.logitMaps!.iou}`);
  // Plain int8 still loses them, and is refused.
  await assert.rejects(quantizeModelBytes(model, 'edges.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => /logit map\(s\) \(y\) read at 0 .*below 0\.95/.test(e.message));
});
