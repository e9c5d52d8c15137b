// Filters computed in the graph run their elementwise chain in filter order (src/convert/filter-layout.ts): a
// StyleGAN2 / GFPGAN modulated conv reads its run-time weights with no TRANSPOSE.
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
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

/** GFPGAN's StyleGAN2 ModulatedConv2d as torch exports it: weight [1, O, I, k, k] × style [1, 1, I, 1, 1],
 *  demodulated by rsqrt of the sum of squares over (I, k, k), reshaped to [O, I, k, k] for one conv (batch 1). With
 *  `group` the same filter is a depthwise conv over O = I channels (weight [1, O, 1, k, k]). */
function modulatedConv(depthwise: boolean): Model {
  const [o, i, k] = [5, depthwise ? 5 : 4, 3];
  const wi = depthwise ? 1 : i;
  return buildModel({
    inputs: [['x', 'float32', [1, i, 6, 6]], ['style', 'float32', [1, depthwise ? 1 : i]]], outputs: ['y'], opset: 11,
    nodes: [
      node('Reshape', ['style', 'sshape'], ['s']), node('Mul', ['w', 's'], ['ws']),
      node('Pow', ['ws', 'two'], ['sq']), node('ReduceSum', ['sq'], ['ss'], { axes: [2, 3, 4], keepdims: 0 }),
      node('Add', ['ss', 'eps'], ['se']), node('Sqrt', ['se'], ['rt']), node('Div', ['one', 'rt'], ['d']),
      node('Reshape', ['d', 'dshape'], ['d5']), node('Mul', ['ws', 'd5'], ['wd']), node('Reshape', ['wd', 'wshape'], ['w4']),
      node('Conv', ['x', 'w4'], ['c'], { pads: [1, 1, 1, 1], ...(depthwise ? { group: o } : {}) }),
      node('LeakyRelu', ['c'], ['y'], { alpha: 0.2 }),
    ],
    initializers: [
      tensor('w', 'float32', [1, o, wi, k, k], seq(o * wi * k * k, (j) => Math.sin(j * 0.37))),
      i64('sshape', [1, 1, depthwise ? 1 : i, 1, 1]), i64('dshape', [1, o, 1, 1, 1]), i64('wshape', [o, wi, k, k]),
      tensor('two', 'float32', [], [2]), tensor('eps', 'float32', [], [1e-8]), tensor('one', 'float32', [], [1]),
    ],
  });
}

for (const depthwise of [false, true]) {
  test(`a modulated conv's run-time ${depthwise ? 'depthwise ' : ''}filter is made in filter order: no TRANSPOSE`, async () => {
    // Was 1 TRANSPOSE a conv (the demodulated [O, I, kh, kw] weight moved to OHWI: GFPGAN 11).
    const model = modulatedConv(depthwise);
    const file = join(mkdtempSync(join(tmpdir(), 'modconv-')), 'modconv.onnx');
    writeFileSync(file, encodeModel(model));
    const m = await convertAndMatch(file, model, seededInputs(model, 41, -1, 1));
    assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
    assert.ok(m.outputs.every((out) => out.maxRef > 0));
    assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
    assert.equal(m.result.opHistogram[depthwise ? 'DEPTHWISE_CONV_2D' : 'CONV_2D'], 1, JSON.stringify(m.result.opHistogram));
  });
}
