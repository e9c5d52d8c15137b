// A product of two activations whose only reader is an elementwise op with a computed operand stored with its last
// two dims swapped (PCT's offset-attention: x_r = v · A, then x - x_r with x a Conv1d's channel-last [B, N, C] output)
// is computed transposed, (v·A)ᵀ = Aᵀ·vᵀ, with no more adj_x than before: the Sub meets it as stored. Before: the
// product was moved to channel-last before each Sub (PCT 4 TRANSPOSE -> 0).
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

/** Points x [1, 3, N] → f = conv(x) [1, C, N]; PCT's SA layer on f: q = k = conv(f) (C / 4), A = softmax(qᵀk) with
 *  its column renormalization, x_r = conv_v(f) · A, y = conv(f − x_r) + f. */
function offsetAttention(C = 16, N = 32): Model {
  const c4 = C / 4;
  return buildModel({
    inputs: [['x', 'float32', [1, 3, N]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w0'], ['f']), node('Conv', ['f', 'wq'], ['q']), node('Transpose', ['q'], ['qt'], { perm: [0, 2, 1] }),
      node('MatMul', ['qt', 'q'], ['e']), node('Softmax', ['e'], ['a0'], { axis: -1 }),
      node('ReduceSum', ['a0', 'one'], ['cs'], { keepdims: 1 }), node('Add', ['cs', 'eps'], ['cse']), node('Div', ['a0', 'cse'], ['a']),
      node('Conv', ['f', 'wv'], ['v']), node('MatMul', ['v', 'a'], ['xr']), node('Sub', ['f', 'xr'], ['d']),
      node('Conv', ['d', 'wt'], ['t']), node('Relu', ['t'], ['tr']), node('Add', ['f', 'tr'], ['y']),
    ],
    initializers: [
      tensor('w0', 'float32', [C, 3, 1], seq(3 * C, (i) => Math.sin(i * 1.3))),
      tensor('wq', 'float32', [c4, C, 1], seq(c4 * C, (i) => 0.3 * Math.cos(i * 0.7))),
      tensor('wv', 'float32', [C, C, 1], seq(C * C, (i) => 0.3 * Math.sin(i * 0.31))),
      tensor('wt', 'float32', [C, C, 1], seq(C * C, (i) => 0.3 * Math.cos(i * 0.23))),
      tensor('one', 'int64', [1], [1]), tensor('eps', 'float32', [], [1e-9]),
    ],
  });
}

test('PCT offset-attention: the product v·A computed transposed to meet x as stored, 0 TRANSPOSE, equal to onnxruntime on LiteRT', async () => {
  const model = offsetAttention();
  const file = join(mkdtempSync(join(tmpdir(), 'matmul-joins-swapped-')), 'sa.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 4, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxRef > 0.1 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
  assert.equal(m.result.transposeCount, 0);
});
