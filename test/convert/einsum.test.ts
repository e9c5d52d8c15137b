// Einsum on LiteRT against onnxruntime: attention's products, batched and plain matmuls, a constant weight
// (FULLY_CONNECTED), reductions, a transpose (no op), an ellipsis, three operands (pairwise), diagonals (identity mask).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { ConvertError } from '../../src/convert/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

const data = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.61 + seed * 1.3) * 2);
const count = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface Case { eq: string; shapes: number[][]; constant?: number[]; ops?: string[]; transposes?: number }
const CASES: Case[] = [
  { eq: 'bhid,bhjd->bhij', shapes: [[2, 3, 5, 4], [2, 3, 6, 4]], ops: ['BATCH_MATMUL'], transposes: 0 },
  { eq: 'bhij,bhjd->bhid', shapes: [[2, 3, 5, 6], [2, 3, 6, 4]], ops: ['BATCH_MATMUL'], transposes: 0 },
  { eq: 'bgnid,bgnjd->bgnij', shapes: [[1, 2, 3, 4, 5], [1, 2, 3, 6, 5]], ops: ['BATCH_MATMUL'], transposes: 0 },
  { eq: 'bij,bjk->bik', shapes: [[2, 3, 4], [2, 4, 5]], ops: ['BATCH_MATMUL'], transposes: 0 },
  { eq: 'ij,jk->ik', shapes: [[3, 4], [4, 5]], constant: [1], ops: ['FULLY_CONNECTED'], transposes: 0 },
  { eq: 'bnd,hd->bnh', shapes: [[2, 3, 4], [5, 4]], constant: [1], ops: ['FULLY_CONNECTED'], transposes: 0 },
  { eq: 'hd,bnd->bnh', shapes: [[5, 4], [2, 3, 4]], constant: [0], ops: ['FULLY_CONNECTED'], transposes: 0 },
  // A small product over a batch label: a MUL and a SUM of x as stored (ops/_einsum-mulsum.ts), no move; a large one
  // (the MUL's terms over 4x the largest operand) stays a BATCH_MATMUL.
  { eq: 'bhd,hde->bhe', shapes: [[2, 3, 4], [3, 4, 5]], constant: [1], ops: ['MUL', 'SUM'], transposes: 0 },
  { eq: 'bhd,hde->bhe', shapes: [[6, 3, 8], [3, 8, 6]], constant: [1], ops: ['BATCH_MATMUL'] },
  { eq: 'i,i->', shapes: [[7], [7]] },
  { eq: 'i,j->ij', shapes: [[3], [4]] },
  { eq: 'ij->ji', shapes: [[3, 4]] },
  { eq: 'ijk->j', shapes: [[2, 3, 4]], ops: ['SUM'] },
  { eq: 'ij', shapes: [[3, 4]] },
  { eq: 'bij,bkj', shapes: [[2, 3, 4], [2, 5, 4]] },
  { eq: '...ij,...jk->...ik', shapes: [[2, 2, 3, 4], [2, 2, 4, 5]] },
  { eq: 'bij,bjk->bki', shapes: [[2, 3, 4], [2, 4, 5]] },
  { eq: 'abc,cd,de->abe', shapes: [[2, 3, 4], [4, 5], [5, 6]] },
  { eq: 'bn,anm,bm->ba', shapes: [[2, 3], [4, 3, 5], [2, 5]] },
  { eq: 'bxy,bz->bxz', shapes: [[2, 3, 4], [2, 5]] },
  { eq: 'ii->i', shapes: [[4, 4]], ops: ['MUL', 'SUM'] },
  { eq: 'ii', shapes: [[4, 4]] },
  { eq: '...ii->...i', shapes: [[3, 5, 5]] },
  { eq: 'bii,bij->bj', shapes: [[2, 3, 3], [2, 3, 4]] },
];

for (const c of CASES) {
  test(`einsum ${c.eq} on ${c.shapes.map((s) => `[${s}]`).join(' ')}${c.constant ? ' (constant weight)' : ''}`, async () => {
    const names = c.shapes.map((_, i) => `x${i}`);
    const isConst = (i: number) => c.constant?.includes(i) ?? false;
    const model = buildModel({
      inputs: names.filter((_, i) => !isConst(i)).map((n) => [n, 'float32', c.shapes[names.indexOf(n)]] as [string, 'float32', number[]]),
      outputs: ['y'], opset: 13,
      nodes: [node('Einsum', names, ['y'], { equation: c.eq }, 'einsum')],
      initializers: names.filter((_, i) => isConst(i)).map((n) => tensor(n, 'float32', c.shapes[names.indexOf(n)], data(count(c.shapes[names.indexOf(n)]), 9))),
    });
    const feeds = names.map((n, i) => tensor(n, 'float32', c.shapes[i], data(count(c.shapes[i]), i))).filter((_, i) => !isConst(i));
    const want = toNumbers((await runOnnx(encodeModel(model), feeds)).get('y')!);
    const r = convertModel(model);
    for (const op of c.ops ?? []) assert.ok((r.opHistogram[op] ?? 0) >= 1, `${op} in ${JSON.stringify(r.opHistogram)}`);
    if (c.transposes !== undefined) assert.equal(r.transposeCount, c.transposes, JSON.stringify(r.opHistogram));
    const lite = await openConverted(serializeTflite(r.model));
    try {
      const got = toNumbers((await lite.run(feeds)).get('y')!);
      assert.equal(got.length, want.length);
      const scale = Math.max(1, ...want.map(Math.abs));
      want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * scale, `element ${i}: ${got[i]} vs ${v}`));
    } finally {
      lite.close();
    }
  });
}

test('einsum: a repeated output label, disagreeing sizes and a wrong operand count are refused with a code', () => {
  const diag = buildModel({ inputs: [['x', 'float32', [3, 3]]], outputs: ['y'], opset: 13,
    nodes: [node('Einsum', ['x'], ['y'], { equation: 'ij->ii' }, 'diag')], infer: false });
  assert.throws(() => convertModel(diag), (e: unknown) => e instanceof ConvertError && e.code === 'attribute' && /repeats a label/.test(e.message));
  const sizes = buildModel({ inputs: [['a', 'float32', [2, 3]], ['b', 'float32', [4, 5]]], outputs: ['y'], opset: 13,
    nodes: [node('Einsum', ['a', 'b'], ['y'], { equation: 'ij,jk->ik' }, 'mismatch')], infer: false });
  assert.throws(() => convertModel(sizes), (e: unknown) => e instanceof ConvertError && /mismatch/.test(e.message) && /size of label "j"/.test(e.message));
  const four = buildModel({ inputs: [['a', 'float32', [2, 3]]], outputs: ['y'], opset: 13,
    nodes: [node('Einsum', ['a', 'a'], ['y'], { equation: 'ij->i' }, 'arity')], infer: false });
  assert.throws(() => convertModel(four), (e: unknown) => e instanceof ConvertError && e.code === 'attribute' && /names 1 operands, the node has 2/.test(e.message));
});

// YOLO-World's BNContrastiveHead: einsum('bchw,bkc->bkhw') of a conv's channel-last map with text embeddings, then
// concatenated with the box branch's conv map. The product comes out [b, h, w, k], the output's channel-last order:
// kept so (it was moved to ONNX order and straight back at the Concat: 2 TRANSPOSE a level, 6 in yolo_world_text_input).
test('einsum bchw,bkc->bkhw of a conv map: the result stays channel-last, no TRANSPOSE', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]], ['txt', 'float32', [1, 5, 16]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1'], ['c']),
      node('Einsum', ['c', 'txt'], ['e'], { equation: 'bchw,bkc->bkhw' }),
      node('Conv', ['x', 'w2'], ['d']),
      node('Concat', ['d', 'e'], ['cat'], { axis: 1 }),
      node('Conv', ['cat', 'w3'], ['y']),
    ],
    initializers: [tensor('w1', 'float32', [16, 3, 1, 1], data(48, 1)), tensor('w2', 'float32', [4, 3, 1, 1], data(12, 2)),
      tensor('w3', 'float32', [2, 9, 1, 1], data(18, 3))],
  });
  const feeds = [tensor('x', 'float32', [1, 3, 8, 8], data(192, 4)), tensor('txt', 'float32', [1, 5, 16], data(80, 5))];
  const want = toNumbers((await runOnnx(encodeModel(model), feeds)).get('y')!);
  const r = convertModel(model);
  assert.equal(r.transposeCount, 0, JSON.stringify(r.opHistogram));
  const lite = await openConverted(serializeTflite(r.model));
  try {
    const got = toNumbers((await lite.run(feeds)).get('y')!);
    const scale = Math.max(1, ...want.map(Math.abs));
    want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * scale, `element ${i}: ${got[i]} vs ${v}`));
  } finally {
    lite.close();
  }
});
