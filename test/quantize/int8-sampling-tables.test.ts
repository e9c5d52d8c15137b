// A GridSample's coordinate tables in int8 (src/quantize/int8.ts, int8-sampling.ts, int8-box-decode.ts decodeTables):
// the sampling coordinates stay float32 (int8-sampling.ts), but the int8 pass stored their large constants int8 behind
// a DEQUANTIZE (weights.ts storedInt8) — DEKR's adaptive convs' base grid, pixel positions 0..64 plus the kernel's
// offsets, one step of 0.504 px: every sampling point moved by up to a quarter pixel, its adaptive convs' outputs fell
// 28.5 → 10.4 dB and no search step could mend it (s24-blame). They are stored float16 now, as a box decode's prior
// tables. Real LiteRT against onnxruntime-node (the guard's cosine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { rng } from './helpers';

const [C, H, W] = [4, 64, 64];

/** DEKR-style sampling: grid (pixels) = base table (x, y of each pixel) + offsets from a 1×1 conv (about ±1.5 px),
 *  normalized to [-1, 1] by Mul / Sub, GridSample of a feature map (a conv of the image) there. */
function pixelWarp(): Uint8Array {
  const r = rng(11);
  const base: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) base.push(x, y);
  return encodeModel(buildModel({
    opset: 16,
    inputs: [['img', 'float32', [1, C, H, W]]], outputs: [['out', 'float32', [1, C, H, W]]],
    initializers: [
      tensor('wm', 'float32', [C, C, 3, 3], Array.from({ length: C * C * 9 }, () => (r() - 0.5) * 0.8)),
      tensor('wf', 'float32', [2, C, 1, 1], Array.from({ length: 2 * C }, () => (r() - 0.5) * 3)), tensor('bf', 'float32', [2], [0.3, -0.2]),
      tensor('base', 'float32', [1, H, W, 2], base), tensor('scale', 'float32', [2], [2 / (W - 1), 2 / (H - 1)]), tensor('one', 'float32', [], [1]),
    ],
    nodes: [
      node('Conv', ['img', 'wm'], ['feat'], { pads: [1, 1, 1, 1] }),
      node('Conv', ['feat', 'wf', 'bf'], ['flow']), node('Transpose', ['flow'], ['flowT'], { perm: [0, 2, 3, 1] }),
      node('Add', ['base', 'flowT'], ['px']), node('Mul', ['px', 'scale'], ['scaled']), node('Sub', ['scaled', 'one'], ['grid']),
      node('GridSample', ['feat', 'grid'], ['out'], { mode: 'bilinear', padding_mode: 'zeros', align_corners: 1 }),
    ],
  }));
}

test('a GridSample\'s coordinate table is stored float16, not int8: plain int8 keeps the warp', async (t) => {
  const { summary, result } = await quantizeModelBytes(pixelWarp(), 'warp.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, count: 4 });
  const sg = result.model.subgraphs[0];
  // The table of pixel positions (8,192 values): float16 behind a DEQUANTIZE (int8 before: a step of 63/127 px).
  const tables = sg.tensors.filter((t) => t.data && t.shape.reduce((a, b) => a * b, 1) === H * W * 2);
  assert.ok(tables.length === 1 && tables[0].type === 'FLOAT16', tables.map((t) => `${t.name} ${t.type}`).join(', '));
  // 0.99993 with the table float16 and the corner weighting float32 (int8-sampling.ts); 0.99984 with the corner
  // products and sums int8 (s25); 0.99527 with the table int8 (its error over the samples' points: 30 times larger).
  t.diagnostic(`plain int8 cosine ${summary.int8Cosine}`);
  assert.ok(summary.int8Cosine! >= 0.9999, `plain int8 cosine ${summary.int8Cosine}`);
});
