// GatherElements whose indices are computed at run time from a channel-last map (HITNet's warp: right features read
// at x − disparity along W, floor / clamp / cast, expanded over the channels) reads the indices as stored and keeps
// their order at the output: the warp and the cost after it stay channel-last. Before: each gather moved its indices
// to NCHW and its output back (HITNet: 18 TRANSPOSE, now 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** x [1, 3, H, W] → features f (C channels) and a disparity d ≥ 0 (1 channel) by 1×1 convs; f gathered along W at
 *  clamp(floor(w − 3·d)) and along H at a second index; their differences with f through a 1×1 conv. */
function warpModel(C: number, H: number, W: number): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, W]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wf'], ['f']), node('Conv', ['x', 'wd'], ['d0']), node('Relu', ['d0'], ['d']),
      node('Mul', ['d', 'three'], ['d3']), node('Sub', ['cols', 'd3'], ['xs']), node('Clip', ['xs', 'zero', 'wmax'], ['xc']),
      node('Floor', ['xc'], ['xf']), node('Cast', ['xf'], ['xi'], { to: 7 }), node('Expand', ['xi', 'shape'], ['ix']),
      node('GatherElements', ['f', 'ix'], ['g'], { axis: 3 }),
      node('Add', ['rows', 'd'], ['ys']), node('Clip', ['ys', 'zero', 'hmax'], ['yc']), node('Floor', ['yc'], ['yf']),
      node('Cast', ['yf'], ['yi'], { to: 7 }), node('Expand', ['yi', 'shape'], ['iy']),
      node('GatherElements', ['f', 'iy'], ['gh'], { axis: 2 }),
      node('Sub', ['f', 'g'], ['c1']), node('Sub', ['c1', 'gh'], ['c']), node('Abs', ['c'], ['a']), node('Conv', ['a', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wf', 'float32', [C, 3, 1, 1], seq(3 * C, (i) => Math.sin(i * 1.3))),
      tensor('wd', 'float32', [1, 3, 1, 1], [0.9, 0.7, 0.5]),
      tensor('wo', 'float32', [2, C, 1, 1], seq(2 * C, (i) => Math.cos(i * 0.7))),
      tensor('three', 'float32', [], [3]), tensor('zero', 'float32', [], [0]),
      tensor('wmax', 'float32', [], [W - 1]), tensor('hmax', 'float32', [], [H - 1]),
      tensor('cols', 'float32', [1, 1, 1, W], seq(W, (i) => i)), tensor('rows', 'float32', [1, 1, H, 1], seq(H, (i) => i)),
      tensor('shape', 'int64', [4], [1, C, H, W]),
    ],
  });
}

for (const [C, H, W, what] of [[4, 6, 10, 'grid constants'], [8, 64, 160, 'positions broadcast at run time']] as const) {
  test(`GatherElements by channel-last run-time indices (${what}): 0 TRANSPOSE, equal to onnxruntime on LiteRT`, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gather-elements-stored-')), 'warp.onnx');
    writeFileSync(file, encodeModel(warpModel(C, H, W)));
    const model = warpModel(C, H, W);
    const m = await convertAndMatch(file, model, seededInputs(model, 4, 0, 1));
    for (const o of m.outputs) assert.ok(o.maxRef > 0.1 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
    assert.equal(m.result.transposeCount, 0);
  });
}
