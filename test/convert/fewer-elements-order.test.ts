// An elementwise product the model only reduces runs in the stored order that moves the fewer elements, when that
// moves no more inputs than the voted order: HDRNet's slicing, the bilateral grid upsampled channel-last and viewed
// [B, 12, D, H, W] times the guide's tent weights [B, 1, D, H, W], summed over the D bins: the weights are moved, not
// the grid (before: the grid moved whole, and the sum's slice moved back to meet the channel-last image). A product the
// model moves back by its own Transpose is left to the vote (triplet attention: its rotated map times the gate, in the
// map's order, ran 1.10-1.14x slower on LiteRT): that case only keeps matching onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';
import type { ConvertResult } from '../../src/convert/convert';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Elements the TRANSPOSEs of a conversion move. */
function movedElements(result: ConvertResult): number {
  let n = 0;
  for (const sg of result.model.subgraphs) {
    for (const op of sg.operators) if (op.opcode === 'TRANSPOSE') n += sg.tensors[op.inputs[0]].shape.reduce((a, d) => a * d, 1);
  }
  return n;
}

/** conv → f [1, C, H, W]; t = f.permute(0, 2, 1, 3); gate = sigmoid(conv7x7(cat(max_1 t, mean_1 t))); y = (t * gate).permute back + f. */
function triplet(C = 8, H = 10, W = 6): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wc'], ['f'], { pads: [1, 1, 1, 1] }), node('Transpose', ['f'], ['t'], { perm: [0, 2, 1, 3] }),
      node('ReduceMax', ['t'], ['mx'], { axes: [1], keepdims: 1 }), node('ReduceMean', ['t'], ['mn'], { axes: [1], keepdims: 1 }),
      node('Concat', ['mx', 'mn'], ['z'], { axis: 1 }), node('Conv', ['z', 'wg'], ['g'], { pads: [3, 3, 3, 3] }),
      node('Sigmoid', ['g'], ['gs']), node('Mul', ['t', 'gs'], ['m']), node('Transpose', ['m'], ['mb'], { perm: [0, 2, 1, 3] }),
      node('Add', ['mb', 'f'], ['s']), node('Conv', ['s', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wc', 'float32', [C, 3, 3, 3], seq(27 * C, (i) => Math.sin(i * 1.3))),
      tensor('wg', 'float32', [1, 2, 7, 7], seq(98, (i) => 0.2 * Math.cos(i * 0.7))),
      tensor('wo', 'float32', [4, C, 1, 1], seq(4 * C, (i) => Math.sin(i * 0.9))),
    ],
  });
}

/** grid [1, 12·D, 4, 4] (a conv of a pooled x) upsampled to [H, W], viewed [1, 12, D, H, W], times tent weights of a guide, summed over D. */
function slicing(D = 4, H = 16, W = 12): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('AveragePool', ['x'], ['xp'], { kernel_shape: [4, 3], strides: [4, 3] }), node('Conv', ['xp', 'wg'], ['grid']),
      node('Resize', ['grid', '', '', 'size'], ['up'], { mode: 'linear', coordinate_transformation_mode: 'align_corners' }),
      node('Reshape', ['up', 'shape5'], ['up5']),
      node('Conv', ['x', 'wq'], ['q']), node('Sigmoid', ['q'], ['guide']), node('Mul', ['guide', 'dm1'], ['z']),
      node('Unsqueeze', ['z', 'ax2'], ['z5']), node('Sub', ['z5', 'bins'], ['dz']), node('Abs', ['dz'], ['adz']),
      node('Sub', ['one', 'adz'], ['tent']), node('Relu', ['tent'], ['wz']),
      node('Mul', ['up5', 'wz'], ['p']), node('ReduceSum', ['p', 'ax2'], ['coeff'], { keepdims: 0 }),
      node('Slice', ['coeff', 's0', 's3', 'ax1'], ['c0']), node('Mul', ['x', 'c0'], ['y']),
    ],
    initializers: [
      tensor('wg', 'float32', [12 * D, 3, 1, 1], seq(36 * D, (i) => Math.sin(i * 0.77))),
      tensor('size', 'int64', [4], [1, 12 * D, H, W]), tensor('shape5', 'int64', [5], [1, 12, D, H, W]),
      tensor('wq', 'float32', [1, 3, 1, 1], [0.7, -0.4, 0.9]), tensor('dm1', 'float32', [], [D - 1]),
      tensor('ax2', 'int64', [1], [2]), tensor('bins', 'float32', [1, 1, D, 1, 1], seq(D, (i) => i)), tensor('one', 'float32', [], [1]),
      tensor('s0', 'int64', [1], [0]), tensor('s3', 'int64', [1], [3]), tensor('ax1', 'int64', [1], [1]),
    ],
  });
}

test('triplet attention: the rotated map times its gate, rotated back, equal to onnxruntime on LiteRT', async () => {
  const m0 = triplet();
  const file = join(mkdtempSync(join(tmpdir(), 'fewer-elements-')), 'm.onnx');
  writeFileSync(file, encodeModel(m0));
  const m = await convertAndMatch(file, m0, seededInputs(m0, 4, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxRef > 0.05 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
});

for (const [name, make, most] of [['HDRNet slicing', slicing, 4 * 16 * 12]] as const) {
  test(`${name}: the product runs in the order that moves the smaller input, equal to onnxruntime on LiteRT`, async () => {
    const m0 = make();
    const file = join(mkdtempSync(join(tmpdir(), 'fewer-elements-')), 'm.onnx');
    writeFileSync(file, encodeModel(m0));
    const m = await convertAndMatch(file, m0, seededInputs(m0, 4, 0, 1));
    for (const o of m.outputs) assert.ok(o.maxRef > 0.05 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
    assert.ok(movedElements(m.result) <= most, `TRANSPOSEs move ${movedElements(m.result)} elements (at most ${most} needed)`);
  });
}
