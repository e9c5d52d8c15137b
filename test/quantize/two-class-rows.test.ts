// The int8 guard on a two-class softmax of independent rows (tabular / pair classification, no background class:
// src/quantize/argmax-guard.ts twoClassRowsGuard): judged by each row's arg-max against onnxruntime, not as a
// detector's foreground rows with column 0 the background. SAINT op17's `probs` [8, 2] was refused at class-row
// cosine 0.9812 while the arg-max held on every row (s28-vis26). A detector's mostly-background table is not re-judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { twoClassRowsGuard } from '../../src/quantize/argmax-guard';

/** x [8, 4] → MatMul (weights ±`s`) + bias (0.5, 0) → Softmax [8, 2]: class 0 wins every row by ~0.24, the rows' class-1
 *  probability varies by ~0.001 between rows, so int8's steps are a large part of the rows' spread about their mean. */
function tabular(s: number): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [8, 4]]], outputs: [['probs', 'float32', [8, 2]]],
    initializers: [tensor('w', 'float32', [4, 2], [s, 0, 0, s, s, 0, 0, -s]), tensor('b', 'float32', [2], [0.5, 0])],
    nodes: [node('MatMul', ['x', 'w'], ['mm'], {}, 'fc'), node('Add', ['mm', 'b'], ['logits'], {}, 'bias'), node('Softmax', ['logits'], ['probs'], { axis: -1 }, 'softmax')],
  }));
}

test('int8 guard: two-class softmax rows are judged by their arg-max, not as class rows with a background', async () => {
  const { summary, result } = await quantizeModelBytes(tabular(0.005), 'tabular.onnx', {}, { mode: 'int8', int16: 'off', searchSeconds: 0 });
  const g = summary.guard!;
  assert.ok(g.classRows && g.cosine < 0.99, `the class-row cosine misses: ${g.cosine}`);
  assert.equal(g.met, true);
  assert.ok(g.argmax && g.argmax.outputs[0] === 'probs' && g.argmax.positions >= 64 && g.argmax.held === g.argmax.positions, JSON.stringify(g.argmax));
  assert.ok(result.warnings.some((w) => /on the class rows of probs only \(two classes, no background: each row an answer\); class ids \(probs\) hold .* so the model is written/.test(w)), result.warnings.join('\n'));
});

test('twoClassRowsGuard: a detector\'s mostly-background table and rows that flip', () => {
  const table = (rows: number[][]): Map<string, Tensor> => new Map([['s', { name: 's', dtype: 'float32', dims: [1, rows.length, 2], data: Float32Array.from(rows.flat()) }]]);
  const background = table(Array.from({ length: 20 }, (_, i) => (i < 2 ? [0.4, 0.6] : [0.99, 0.01])));
  // 2 of 20 rows judged by the class-row cosine: a detector's scores, left to it.
  assert.equal(twoClassRowsGuard([background], [background], new Set(['s']), { outputs: ['s'], rows: 2 }, 4), undefined);
  // Not a candidate (a box table beside it): left to it too.
  assert.equal(twoClassRowsGuard([background], [background], new Set(), { outputs: ['s'], rows: 20 }, 4), undefined);
  const want = Array.from({ length: 4 }, (_, k) => table(Array.from({ length: 8 }, (_, i) => ((i + k) % 2 ? [0.3, 0.7] : [0.8, 0.2]))));
  const flipped = want.map((t) => table(Array.from({ length: 8 }, (_, i) => { const r = [...(t.get('s')!.data as Float32Array).slice(2 * i, 2 * i + 2)]; return i < 2 ? [r[1], r[0]] : r; })));
  const r = twoClassRowsGuard(want, flipped, new Set(['s']), { outputs: ['s'], rows: 32 }, 4)!;
  assert.equal(r.positions, 32);
  assert.equal(r.held, 24);
});
