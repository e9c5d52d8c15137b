// A reshape that must move its stored input, read only by the model's own Transpose whose result is wanted in ONNX
// order, stores its output in that Transpose's order: the Transpose is free (InternImage's DCNv3 / deformable
// samplers: groups merged by `view(N, G·C, L)`, then `.transpose(1, 2)` before the output projection; was two
// moves, [G, L, C] → [G, C, L] for the reshape and [1, G·C, L] → [1, L, G·C] after it, for one).
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

/** value [G, C, 6, 6] sampled at grid [G, L, P, 2] (GridSample: [G, C, L, P]), weighted by a constant mask [G, 1, L, P] and
 *  summed over P, groups merged [1, G·C, L], moved [1, L, G·C], viewed [1, 4, L / 4, G·C], projected by a constant [G·C, G·C]. */
function samplerModel(G: number, C: number, L: number, P: number): Model {
  return buildModel({
    inputs: [['value', 'float32', [G, C, 6, 6]], ['grid', 'float32', [G, L, P, 2]]],
    outputs: ['y'], opset: 16,
    nodes: [
      node('GridSample', ['value', 'grid'], ['s'], { align_corners: 0 }), node('Mul', ['s', 'mask'], ['sm']),
      node('ReduceSum', ['sm', 'axes'], ['r'], { keepdims: 0 }), node('Reshape', ['r', 'merged'], ['m']),
      node('Transpose', ['m'], ['t'], { perm: [0, 2, 1] }), node('Reshape', ['t', 'hw'], ['th']), node('MatMul', ['th', 'w'], ['y']),
    ],
    initializers: [
      tensor('mask', 'float32', [G, 1, L, P], seq(G * L * P, (i) => 0.5 + 0.5 * Math.cos(i * 0.13))),
      tensor('axes', 'int64', [1], [3]), tensor('merged', 'int64', [3], [1, G * C, L]), tensor('hw', 'int64', [4], [1, 4, L / 4, G * C]),
      tensor('w', 'float32', [G * C, G * C], seq(G * C * G * C, (i) => Math.sin(i * 0.61))),
    ],
  });
}

test('groups merged by a reshape and moved by the model\'s Transpose take one TRANSPOSE, equal to onnxruntime', async () => {
  const model = samplerModel(2, 4, 16, 9);
  const file = join(mkdtempSync(join(tmpdir(), 'reshape-transpose-')), 'sampler.onnx');
  writeFileSync(file, encodeModel(model));
  const inputs = seededInputs(model, 5, -1, 1);
  const m = await convertAndMatch(file, samplerModel(2, 4, 16, 9), inputs);
  for (const o of m.outputs) assert.ok(o.maxRef > 0.1 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
  // Was 2: the reshape's input moved to [G, C, L], then the merged [1, G·C, L] moved to [1, L, G·C] for the view.
  assert.equal(m.result.transposeCount, 1);
});
