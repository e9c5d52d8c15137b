// ONNX DeformConv (opset 19: torchvision's deform_conv2d as torch >= 2.1 exports it) was refused ("DeformConv has no
// TFLite builtin equivalent"; onnx2tf's DeformConv_19 test graph). It is now bilinear samples gathered from the
// channel-last input and one FULLY_CONNECTED (src/convert/ops/DeformConv.ts). DCNv2 as detectors write it: the
// offsets and the mask computed by convs of the same map, offsets large enough to leave the image; each case matches
// onnxruntime's DeformConv kernel on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';

const dir = mkdtempSync(join(tmpdir(), 'deform-conv-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const wave = (n: number, a: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * a + 0.3) * s);

interface Case { name: string; C: number; oC: number; k: number; stride: number; pad: number; dil: number; group: number; G: number; mask: boolean; N?: number }

function dcn(c: Case) {
  const K = c.k * c.k;
  const H = 9, W = 8, N = c.N ?? 1;
  const nodes = [
    node('Conv', ['x', 'wo'], ['offset'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [c.stride, c.stride] }),
    ...(c.mask ? [node('Conv', ['x', 'wm'], ['ml'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [c.stride, c.stride] }), node('Sigmoid', ['ml'], ['mask'])] : []),
    node('DeformConv', ['x', 'w', 'offset', 'b', ...(c.mask ? ['mask'] : [])], ['d'], {
      kernel_shape: [c.k, c.k], strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad], dilations: [c.dil, c.dil],
      group: c.group, offset_group: c.G }, 'dcn'),
    node('Relu', ['d'], ['y']),
  ];
  return buildModel({
    opset: 19, inputs: [['x', 'float32', [N, c.C, H, W]]], outputs: ['y'], nodes,
    initializers: [
      // Offsets up to about ±3 px: samples cross pixel borders and leave the image at its edges.
      tensor('wo', 'float32', [c.G * 2 * K, c.C, 3, 3], wave(c.G * 2 * K * c.C * 9, 0.37, 0.9)),
      tensor('wm', 'float32', [c.G * K, c.C, 3, 3], wave(c.G * K * c.C * 9, 0.53, 0.5)),
      tensor('w', 'float32', [c.oC, c.C / c.group, c.k, c.k], wave(c.oC * (c.C / c.group) * K, 0.71, 0.4)),
      tensor('b', 'float32', [c.oC], wave(c.oC, 1.3, 0.2)),
    ].filter((t) => c.mask || t.name !== 'wm'),
  });
}

const CASES: Case[] = [
  { name: 'dcnv2_3x3', C: 4, oC: 6, k: 3, stride: 1, pad: 1, dil: 1, group: 1, G: 1, mask: true },
  { name: 'dcnv1_stride2_batch2', C: 4, oC: 5, k: 3, stride: 2, pad: 1, dil: 1, group: 1, G: 1, mask: false, N: 2 },
  { name: 'offset_groups_2_group_2_dilated', C: 4, oC: 6, k: 3, stride: 1, pad: 2, dil: 2, group: 2, G: 2, mask: true },
];

for (const c of CASES) {
  test(`DeformConv ${c.name} matches onnxruntime on LiteRT`, async () => {
    const model = dcn(c);
    const file = join(dir, `${c.name}.onnx`);
    writeFileSync(file, encodeModel(model));
    const m = await convertAndMatch(file, model, seededInputs(model, 1, -1, 1));
    assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
    assert.equal(m.result.transposeCount, 0);
  });
}
