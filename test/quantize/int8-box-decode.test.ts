// A detector's box decode stays float32 in int8 with its prior tables stored float16 (src/quantize/int8-box-decode.ts):
// the offsets → picture coordinates arithmetic after the box layer, on int8's one step per tensor, moved small boxes by
// a tenth of their width, and the prior tables stored int8 behind a DEQUANTIZE (1/127 of the picture) as much again.
// Real LiteRT against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeModelBytes } from '../../src/quantize/file';
import { boxDecodeOps } from '../../src/quantize/int8-box-decode';
import { rng } from './helpers';

const [H, W] = [32, 64];
const N = H * W; // 2048 priors: the [1, N, 2] tables hold 4096 elements, what the int8 pass stores int8 when left float

/** x [1, 3, H, W] → conv + relu → per-cell scores (background, face: a few cells stand out) → [1, N, 2] softmax, and
 *  offsets → [1, N, 4] → Ultra-Light's decode against priors 0.02-0.08 wide: centre + off · 0.1 · size,
 *  size · exp(off · 0.2), corners centre ∓ size / 2. With `decode` false the boxes are the offsets themselves. */
function detector(decode = true): Uint8Array {
  const r = rng(5);
  const w1 = Array.from({ length: 8 * 3 * 9 }, () => (r() - 0.5) * 1.5);
  const w2 = [...new Array<number>(8).fill(0), ...Array.from({ length: 8 }, () => (r() - 0.5) * 8)];
  const w3 = Array.from({ length: 4 * 8 }, () => (r() - 0.5) * 2);
  const centres = Array.from({ length: N }, (_, i) => [((i % W) + 0.5) / W, (Math.floor(i / W) + 0.5) / H]).flat();
  const sizes = Array.from({ length: N }, (_, i) => { const s = 0.02 + 0.06 * ((i * 7) % 13) / 12; return [s, s * 1.2]; }).flat();
  const half = (name: string, at: number) => tensor(name, 'int64', [1], [at]);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]]], outputs: ['scores', 'boxes'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c1'], ['feat']),
      node('Conv', ['feat', 'w2', 'b2'], ['c2'], { kernel_shape: [1, 1] }),
      node('Reshape', ['c2', 'sh2'], ['flat']), node('Transpose', ['flat'], ['logits'], { perm: [0, 2, 1] }),
      node('Softmax', ['logits'], ['scores'], { axis: 2 }),
      node('Conv', ['feat', 'w3'], ['loc'], { kernel_shape: [1, 1] }),
      node('Reshape', ['loc', 'sh4'], ['locflat']), node('Transpose', ['locflat'], [decode ? 'off' : 'boxes'], { perm: [0, 2, 1] }),
      ...(decode ? [
        node('Slice', ['off', 'z', 'two', 'ax'], ['oxy']), node('Slice', ['off', 'two', 'four', 'ax'], ['owh']),
        node('Mul', ['oxy', 'v1'], ['a']), node('Mul', ['a', 'sizes'], ['b']), node('Add', ['b', 'centres'], ['xy']),
        node('Mul', ['owh', 'v2'], ['c']), node('Exp', ['c'], ['d']), node('Mul', ['d', 'sizes'], ['wh']),
        node('Mul', ['wh', 'halfc'], ['hw']), node('Sub', ['xy', 'hw'], ['lo']), node('Add', ['xy', 'hw'], ['hi']),
        node('Concat', ['lo', 'hi'], ['boxes'], { axis: 2 }),
      ] : []),
    ],
    initializers: [
      tensor('w1', 'float32', [8, 3, 3, 3], w1), tensor('b1', 'float32', [8], Array.from({ length: 8 }, () => (r() - 0.5) * 0.2)),
      tensor('w2', 'float32', [2, 8, 1, 1], w2), tensor('b2', 'float32', [2], [0, -14.5]), tensor('w3', 'float32', [4, 8, 1, 1], w3),
      tensor('sh2', 'int64', [3], [1, 2, N]), tensor('sh4', 'int64', [3], [1, 4, N]),
      tensor('centres', 'float32', [1, N, 2], centres), tensor('sizes', 'float32', [1, N, 2], sizes),
      tensor('v1', 'float32', [], [0.1]), tensor('v2', 'float32', [], [0.2]), tensor('halfc', 'float32', [], [0.5]),
      half('z', 0), half('two', 2), half('four', 4), half('ax', 2),
    ],
  }));
}

test('boxDecodeOps: the decode from the box layer to the boxes beside the class rows; none when there is nothing to decode', () => {
  const ops = (bytes: Uint8Array) => { const sg = convertModel(decodeModel(bytes)).model.subgraphs[0]; return [...boxDecodeOps(sg)].map((k) => sg.operators[k].opcode); };
  const decode = ops(detector());
  assert.ok(['ADD', 'SUB', 'EXP', 'CONCATENATION'].every((o) => decode.includes(o)) && !decode.includes('CONV_2D'), decode.join(' '));
  assert.deepEqual(ops(detector(false)), [], 'offsets straight from the layer');
});

test('int8 of a detector decoding small boxes: the decode float32 with float16 prior tables keeps its boxes (refused before)', async () => {
  const { result, summary } = await quantizeModelBytes(detector(), 'faces.onnx', {}, { mode: 'int8', int16: 'off' });
  const g = summary.guard!;
  assert.equal(g.met, true, JSON.stringify(g));
  assert.ok(g.boxIou && g.boxIou.rows > 0 && g.boxIou.iou >= 0.97, JSON.stringify(g.boxIou));
  assert.ok(result.warnings.some((w) => /op\(s\) decoding a box table .* stay float32/.test(w)), result.warnings.join('\n'));
  const sg = result.model.subgraphs[0];
  const stored = sg.operators.filter((o) => o.opcode === 'DEQUANTIZE' && sg.tensors[o.inputs[0]].data).map((o) => sg.tensors[o.inputs[0]]);
  assert.ok(stored.some((t) => t.name.startsWith('centres') && t.type === 'FLOAT16') && stored.some((t) => t.name.startsWith('sizes') && t.type === 'FLOAT16'),
    stored.map((t) => `${t.name}:${t.type}`).join(' '));
  const concat = sg.operators.find((o) => o.opcode === 'CONCATENATION' && o.outputs[0] === sg.outputs[1])!;
  assert.ok(concat && concat.inputs.every((i) => sg.tensors[i].type === 'FLOAT32'), 'the corners are float32');
});
