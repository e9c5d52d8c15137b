// 3-D Conv / ConvTranspose whose TFLite scratch (CONV_3D's im2col, CONV_3D_TRANSPOSE's col2im) would be a whole
// layer's worth are written as 2-D convs over the frames (src/convert/ops/_conv3d_frames.ts). At full size (RODNet-CDC's
// 0.94 GB layer) only the conversion is checked; the 2-D forms are run against onnxruntime-node on LiteRT on small
// graphs with the limit lowered to 0 bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { frameLimits } from '../../src/convert/ops/_conv3d_frames';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

function model(op: 'Conv' | 'ConvTranspose', x: number[], w: number[], attrs: Record<string, number | number[] | string>, relu = false) {
  const group = Number(attrs.group ?? 1);
  const cout = op === 'Conv' ? w[0] : w[1] * group;
  const nodes = [node(op, ['x', 'w', 'b'], [relu ? 'c' : 'y'], attrs)];
  if (relu) nodes.push(node('Relu', ['c'], ['y']));
  return buildModel({ inputs: [['x', 'float32', x]], outputs: ['y'], opset: 13, nodes,
    initializers: [tensor('w', 'float32', w, seq(size(w), (i) => Math.sin(i * 0.77) * 0.5)),
      tensor('b', 'float32', [cout], seq(cout, (i) => i / 10 - 0.2))] });
}

test('full size: RODNet-CDC\'s 9×5×5 layer (0.94 GB im2col) is one CONV_2D over its frames, no CONV_3D', () => {
  const r = convertModel(model('Conv', [1, 32, 16, 64, 64], [32, 32, 9, 5, 5], { pads: [4, 2, 2, 4, 2, 2] }));
  assert.equal(r.opHistogram.CONV_3D ?? 0, 0);
  assert.equal(r.opHistogram.CONV_2D, 1);
  assert.equal(r.transposeCount, 0);
  // A small layer keeps TFLite's CONV_3D.
  const small = convertModel(model('Conv', [1, 4, 4, 8, 8], [4, 4, 3, 3, 3], { pads: [1, 1, 1, 1, 1, 1] }));
  assert.equal(small.opHistogram.CONV_3D, 1);
});

test('full size: a depthwise layer is judged by its groups\' im2col together (X3D\'s 3×3×3 on 16 × 20²), not one op a channel', () => {
  // 48 groups of 16·20²·27 floats: 0.69 MB each, 33 MB together.
  const r = convertModel(model('Conv', [1, 48, 16, 20, 20], [48, 1, 3, 3, 3], { group: 48, pads: [1, 1, 1, 1, 1, 1] }));
  assert.equal(r.opHistogram.CONV_3D ?? 0, 0);
  assert.equal(r.opHistogram.SPLIT ?? 0, 0);
  assert.equal(r.opHistogram.DEPTHWISE_CONV_2D, 3);
});

test('full size: a pointwise 1×1×1 layer (no im2col, the same GEMM without XNNPack) over 1 MiB of patches is a CONV_2D', () => {
  // 16·20² positions × 48 channels: 1.2 MB.
  const r = convertModel(model('Conv', [1, 48, 16, 20, 20], [48, 48, 1, 1, 1], {}));
  assert.equal(r.opHistogram.CONV_3D ?? 0, 0);
  assert.deepEqual(Object.keys(r.opHistogram).sort(), ['CONV_2D', 'RESHAPE']);
});

test('full size: a ConvTranspose3d whose col2im is over the limit is TRANSPOSE_CONVs over its frames', () => {
  // [1, 64, 16, 64, 64] × (4, 6, 6) × 32 out: 65,536 positions × 4,608 = 1.2 GB of col2im.
  const r = convertModel(model('ConvTranspose', [1, 64, 16, 64, 64], [64, 32, 4, 6, 6], { strides: [2, 2, 2], pads: [1, 2, 2, 1, 2, 2] }));
  assert.equal(r.opHistogram.CONV_3D_TRANSPOSE ?? 0, 0);
  assert.equal(r.opHistogram.TRANSPOSE_CONV, 4);
});

test('full size: MedNeXt\'s depthwise ConvTranspose3d (32 groups, 5³, stride 2) is 5 DEPTHWISE_CONV_2D, not 160 TRANSPOSE_CONV', () => {
  const r = convertModel(model('ConvTranspose', [1, 32, 16, 16, 16], [32, 1, 5, 5, 5], { group: 32, strides: [2, 2, 2], pads: [2, 2, 2, 2, 2, 2], output_padding: [1, 1, 1] }));
  assert.equal(r.opHistogram.TRANSPOSE_CONV ?? 0, 0);
  assert.equal(r.opHistogram.CONV_3D_TRANSPOSE ?? 0, 0);
  assert.equal(r.opHistogram.DEPTHWISE_CONV_2D, 5);
  assert.equal(r.opHistogram.SPLIT ?? 0, 0);
  assert.equal(r.transposeCount, 0);
});

interface Case { name: string; op: 'Conv' | 'ConvTranspose'; x: number[]; w: number[]; attrs: Record<string, number | number[] | string>; relu?: boolean;
  /** Op counts expected (a depthwise conv: one DEPTHWISE_CONV_2D a kernel depth, no SPLIT per channel). */
  ops?: Record<string, number> }

const X = [1, 4, 6, 7, 5];
const CASES: Case[] = [
  { name: 'pads like RODNet (9×5×5 shape, SAME)', op: 'Conv', x: X, w: [5, 4, 3, 3, 3], attrs: { pads: [1, 1, 1, 1, 1, 1] }, relu: true },
  { name: 'stride 2, asymmetric pads', op: 'Conv', x: X, w: [3, 4, 3, 3, 2], attrs: { strides: [2, 2, 1], pads: [1, 0, 1, 0, 1, 0] } },
  { name: 'dilations, no pads', op: 'Conv', x: X, w: [3, 4, 2, 2, 2], attrs: { dilations: [2, 2, 1] } },
  { name: 'auto_pad SAME_UPPER, stride (2, 1, 2)', op: 'Conv', x: X, w: [4, 4, 3, 3, 3], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 1, 2] } },
  { name: 'temporal (3, 1, 1)', op: 'Conv', x: X, w: [6, 4, 3, 1, 1], attrs: { pads: [1, 0, 0, 1, 0, 0] } },
  { name: 'pointwise 1×1×1', op: 'Conv', x: X, w: [5, 4, 1, 1, 1], attrs: {} },
  { name: 'group 2', op: 'Conv', x: X, w: [6, 2, 3, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1, 1, 1] } },
  { name: 'depthwise 3×3×3 (X3D / ir-CSN)', op: 'Conv', x: X, w: [4, 1, 3, 3, 3], attrs: { group: 4, pads: [1, 1, 1, 1, 1, 1] }, relu: true,
    ops: { DEPTHWISE_CONV_2D: 3, SPLIT: 0, CONV_2D: 0 } },
  { name: 'depthwise, multiplier 2, stride 2', op: 'Conv', x: X, w: [8, 1, 3, 3, 3], attrs: { group: 4, strides: [2, 2, 2], pads: [1, 0, 1, 1, 0, 1] },
    ops: { DEPTHWISE_CONV_2D: 3, SPLIT: 0 } },
  { name: 'depthwise temporal (5, 1, 1), dilation 2', op: 'Conv', x: [1, 4, 9, 5, 5], w: [4, 1, 3, 1, 1], attrs: { group: 4, dilations: [2, 1, 1], pads: [2, 0, 0, 2, 0, 0] } },
  { name: 'batch 2', op: 'Conv', x: [2, 3, 5, 6, 6], w: [4, 3, 3, 3, 3], attrs: { pads: [0, 1, 1, 2, 1, 1], strides: [2, 1, 1] } },
  { name: 'stride (1, 2, 2) like RODNet\'s first up', op: 'ConvTranspose', x: X, w: [4, 3, 3, 4, 4], attrs: { strides: [1, 2, 2], pads: [1, 1, 1, 1, 1, 1] } },
  { name: 'stride 2, kernel 4 like RODNet\'s last ups', op: 'ConvTranspose', x: X, w: [4, 2, 4, 4, 4], attrs: { strides: [2, 2, 2], pads: [1, 1, 1, 1, 1, 1] }, relu: true },
  { name: 'stride 3 over kernel 2, output_padding', op: 'ConvTranspose', x: X, w: [4, 2, 2, 3, 3], attrs: { strides: [3, 2, 1], output_padding: [1, 1, 0] } },
  { name: 'dilations', op: 'ConvTranspose', x: X, w: [4, 2, 2, 3, 2], attrs: { dilations: [2, 1, 3] } },
  { name: 'depthwise (group 4), stride 2', op: 'ConvTranspose', x: X, w: [4, 1, 3, 3, 3], attrs: { group: 4, strides: [2, 2, 2], pads: [1, 1, 1, 1, 1, 1] },
    ops: { DEPTHWISE_CONV_2D: 3, TRANSPOSE_CONV: 0, SPLIT: 0 } },
  { name: 'depthwise like MedNeXt\'s up blocks (5³, stride 2, pads 2), output_padding', op: 'ConvTranspose', x: X, w: [4, 1, 5, 5, 5],
    attrs: { group: 4, strides: [2, 2, 2], pads: [2, 2, 2, 2, 2, 2], output_padding: [1, 1, 1] }, relu: true, ops: { DEPTHWISE_CONV_2D: 5, TRANSPOSE_CONV: 0 } },
  { name: 'depthwise, multiplier 2, strides (3, 1, 2), dilations, asymmetric pads', op: 'ConvTranspose', x: X, w: [4, 2, 2, 3, 2],
    attrs: { group: 4, strides: [3, 1, 2], dilations: [1, 2, 2], pads: [0, 2, 1, 1, 0, 0] }, ops: { DEPTHWISE_CONV_2D: 2, TRANSPOSE_CONV: 0 } },
  { name: 'depthwise, crops larger than the kernel (pads 3 over kernel 2, stride 4)', op: 'ConvTranspose', x: X, w: [4, 1, 2, 2, 2],
    attrs: { group: 4, strides: [4, 4, 1], pads: [3, 3, 0, 2, 1, 0] }, ops: { DEPTHWISE_CONV_2D: 2, TRANSPOSE_CONV: 0 } },
  { name: 'group 2 (2 → 3 channels a group), stride 2: one TRANSPOSE_CONV a kernel depth, block-diagonal', op: 'ConvTranspose', x: X, w: [4, 3, 3, 2, 3],
    attrs: { group: 2, strides: [2, 1, 2], pads: [1, 0, 1, 1, 0, 0] }, ops: { TRANSPOSE_CONV: 3, SPLIT: 0 } },
  { name: 'group 5 (over 4: one part a group)', op: 'ConvTranspose', x: [1, 10, 3, 4, 4], w: [10, 1, 2, 2, 2],
    attrs: { group: 5, strides: [2, 2, 2] }, ops: { TRANSPOSE_CONV: 10, SPLIT: 1 } },
  { name: 'depthwise, auto_pad SAME_UPPER, batch 2', op: 'ConvTranspose', x: [2, 3, 4, 5, 3], w: [3, 1, 3, 3, 3],
    attrs: { group: 3, strides: [2, 2, 2], auto_pad: 'SAME_UPPER' }, ops: { DEPTHWISE_CONV_2D: 3, TRANSPOSE_CONV: 0 } },
];

for (const c of CASES) {
  test(`3-D ${c.op} over its frames, ${c.name}: LiteRT matches onnxruntime, no 3-D op, no TRANSPOSE`, async () => {
    const m = model(c.op, c.x, c.w, c.attrs, c.relu);
    const saved = frameLimits.scratchBytes;
    frameLimits.scratchBytes = 0;
    let match;
    try { match = await convertAndMatch(encodeModel(m), m, seededInputs(m, 3, -2, 2)); } finally { frameLimits.scratchBytes = saved; }
    const h = match.result.opHistogram;
    assert.equal((h.CONV_3D ?? 0) + (h.CONV_3D_TRANSPOSE ?? 0), 0);
    assert.equal(match.result.transposeCount, 0);
    for (const [op, n] of Object.entries(c.ops ?? {})) assert.equal(h[op] ?? 0, n, op);
    assert.ok(match.worst <= 1e-5, `max |diff| / max |ref| ${match.worst}`);
  });
}
