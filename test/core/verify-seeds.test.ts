// The seeded inputs of convert's self-check, compare and deploy: floats uniform in [0, 1), integers 0, boolean masks
// true over the first half of the last axis (false for a one-element flag). A boolean input is nearly always a mask,
// with either meaning: Grounding DINO's text_token_mask (True for a real token) all false masks every key, and
// nn.MultiheadAttention's key_padding_mask (True for padding) all true does; onnxruntime's softmax over no key is NaN,
// and the self-check refused to write a correct conversion ("max rel error Infinity", nothing written; ninth sweep:
// grounding_fusion_op16_dynamic with all false, mha_key_padding with all true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verifyOnLiteRt } from '../../src/core/verify';
import { modelIo, prepareInputs } from '../../src/deploy/tensors';
import { fillSeededNonFloat } from '../../src/core/random';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { runOnnx } from '../../src/runtime/ort';
import { tokenSeeds } from '../../src/core/verify-seeds';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Text cross attention with a boolean key mask, as nn.MultiheadAttention exports it: Where(mask, -inf, scores) for
 *  a padding mask (True = pad), Where(mask, scores, -inf) for a token mask (True = real token); then Softmax. */
function maskedAttention(trueMeansPad: boolean) {
  return buildModel({
    inputs: [['img', 'float32', [1, 4, 8]], ['text', 'float32', [1, 6, 8]], ['mask', 'bool', [1, 6]]],
    outputs: ['out'], opset: 16,
    nodes: [
      node('MatMul', ['img', 'wq'], ['q']),
      node('Transpose', ['text'], ['kt'], { perm: [0, 2, 1] }),
      node('MatMul', ['q', 'kt'], ['scores']),
      node('Unsqueeze', ['mask', 'axis1'], ['m3']),
      node('Where', trueMeansPad ? ['m3', 'ninf', 'scores'] : ['m3', 'scores', 'ninf'], ['masked']),
      node('Softmax', ['masked'], ['attn'], { axis: -1 }),
      node('MatMul', ['attn', 'text'], ['out']),
    ],
    initializers: [tensor('wq', 'float32', [8, 8], seq(64, (i) => Math.sin(i * 1.7) * 0.5)), tensor('axis1', 'int64', [1], [1]),
      tensor('ninf', 'float32', [], [-Infinity])],
  });
}

test('seeded non-float inputs: integers 0, boolean masks half true, one-element flags false', () => {
  const fill = (dtype: string, dims: number[]) => {
    const v = new Float64Array(dims.reduce((a, b) => a * b, 1));
    fillSeededNonFloat(dtype, dims, v);
    return Array.from(v);
  };
  assert.deepEqual(fill('bool', [2, 5]), [1, 1, 1, 0, 0, 1, 1, 1, 0, 0]);
  assert.deepEqual(fill('bool', [1, 1]), [0]);
  assert.deepEqual(fill('bool', []), [0]);
  assert.deepEqual(fill('int64', [2, 3]), [0, 0, 0, 0, 0, 0]);
  const tflite = serializeTflite(convertModel(maskedAttention(false)).model);
  const mask = prepareInputs(modelIo(parseTflite(tflite)).inputs, undefined, 7).onnx.find((t) => t.name === 'mask')!;
  assert.equal(mask.dtype, 'bool');
  assert.deepEqual(Array.from(mask.data as ArrayLike<number>, Number), [1, 1, 1, 0, 0, 0]);
});

for (const trueMeansPad of [false, true]) {
  test(`a boolean ${trueMeansPad ? 'padding' : 'token'} mask input: the self-check compares real numbers and passes`, async () => {
    const model = maskedAttention(trueMeansPad);
    const tflite = serializeTflite(convertModel(model).model);
    // The self-check's own feeds give onnxruntime a real run (a mask of every key: NaN at every output, compared vacuously).
    const feeds = prepareInputs(modelIo(parseTflite(tflite)).inputs, undefined, 7);
    const ref = (await runOnnx(encodeModel(model), feeds.onnx, ['out'])).get('out')!;
    assert.ok(Array.from(ref.data as Float32Array).every(Number.isFinite), 'onnxruntime output on the seeded inputs is finite');
    const v = await verifyOnLiteRt(encodeModel(model), tflite);
    assert.ok(Number.isFinite(v.maxRel) && v.maxRel < 1e-5, `max rel ${v.maxRel}`);
    assert.ok(v.cosine > 0.9999, `cosine ${v.cosine}`);
    assert.ok(!isDegraded(v));
  });
}

/** A recommender's lookups: an item history and candidate items (two [B, T] ids inputs, SASRec) into one table with
 *  row 0 the padding (`history == 0` masks it), and categorical fields [B, 3] offset per field into one table
 *  (DeepFM / FiBiNET's `x + offsets`). */
function lookups() {
  return buildModel({
    inputs: [['history', 'int64', [2, 5]], ['candidates', 'int64', [2, 3]], ['fields', 'int64', [2, 3]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Gather', ['items', 'history'], ['h']),
      node('Equal', ['history', 'zero'], ['pad']),
      node('Not', ['pad'], ['real']),
      node('Cast', ['real'], ['realf'], { to: 1 }),
      node('Unsqueeze', ['realf', 'ax2'], ['real3']),
      node('Mul', ['h', 'real3'], ['hm']),
      node('ReduceSum', ['hm', 'ax1'], ['user'], { keepdims: 1 }),
      node('Gather', ['items', 'candidates'], ['c']),
      node('Mul', ['c', 'user'], ['cu']),
      node('ReduceSum', ['cu', 'ax2'], ['scores'], { keepdims: 0 }),
      node('Add', ['fields', 'offsets'], ['rows']),
      node('Gather', ['fieldTable', 'rows'], ['e']),
      node('ReduceSum', ['e', 'ax2'], ['fe'], { keepdims: 0 }),
      node('Concat', ['scores', 'fe'], ['y'], { axis: 1 }),
    ],
    initializers: [tensor('items', 'float32', [40, 4], seq(160, (i) => Math.sin(i * 0.37))), tensor('zero', 'int64', [], [0]),
      tensor('ax1', 'int64', [1], [1]), tensor('ax2', 'int64', [1], [2]), tensor('offsets', 'int64', [1, 3], [0, 10, 30]),
      tensor('fieldTable', 'float32', [33, 4], seq(132, (i) => Math.cos(i * 0.53)))],
  });
}

test('ids that index a constant table are seeded across its rows: several ids inputs, per-field offsets', async () => {
  const model = lookups();
  const bytes = serializeTflite(convertModel(model).model);
  const tfl = parseTflite(bytes);
  const seeds = tokenSeeds(tfl, modelIo(tfl).inputs, 1);
  const history = seeds.get('history'), candidates = seeds.get('candidates'), fields = seeds.get('fields');
  assert.ok(history && candidates && fields, [...seeds.keys()].join());
  for (const ids of [history, candidates]) assert.ok(ids.every((v) => v >= 1 && v < 40) && new Set(ids).size > 2, String(ids));
  // Column k's ids stay below 33 - offsets[k]: 33, 23, 3 rows.
  fields.forEach((v, k) => assert.ok(v >= 0 && v < [33, 23, 3][k % 3]!, `fields[${k}] = ${v}`));
  assert.ok(new Set(fields).size > 2, String(fields));
  const notes: string[] = [];
  const v = await verifyOnLiteRt(encodeModel(model), bytes, notes);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
  assert.deepEqual(notes, []);
});

/** A mesh graph net's message step on an edge list (MeshGraphNet, nineteenth sweep): senders and receivers are the
 *  rows of an int64 edge_index [2, E] (`edge_index[0]`, a Gather by a constant), each gathering node latents computed
 *  in the graph. Seeded 0, every edge joined node 0 to itself: the self-check compared one node, and int8 calibrated
 *  the sum of all 86 edges into node 0 (a range 10x wider than any real node's, then shared by the concatenation with
 *  the node latents: those kept 3 dB of SNR, and int8 was refused, cosine 0.89). */
function edgeList() {
  return buildModel({
    inputs: [['x', 'float32', [6, 3]], ['edge_index', 'int64', [2, 10]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w'], ['h']),
      node('Gather', ['edge_index', 'zero'], ['senders'], { axis: 0 }),
      node('Gather', ['edge_index', 'one'], ['receivers'], { axis: 0 }),
      node('Gather', ['h', 'senders'], ['hs'], { axis: 0 }),
      node('Gather', ['h', 'receivers'], ['hr'], { axis: 0 }),
      node('Sub', ['hs', 'hr'], ['y']),
    ],
    initializers: [tensor('w', 'float32', [3, 4], seq(12, (i) => Math.sin(i * 0.9))), tensor('zero', 'int64', [], [0]), tensor('one', 'int64', [], [1])],
  });
}

test('an edge list whose rows gather node features computed in the graph is seeded across the nodes', async () => {
  const model = edgeList();
  const bytes = serializeTflite(convertModel(model).model);
  const tfl = parseTflite(bytes);
  const edges = tokenSeeds(tfl, modelIo(tfl).inputs, 1).get('edge_index');
  assert.ok(edges, 'edge_index not seeded');
  assert.ok(edges.every((v) => v >= 0 && v < 6) && new Set(edges).size > 2, String(edges));
  const v = await verifyOnLiteRt(encodeModel(model), bytes, []);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
});

/** Categorical fields [B, 3] whose columns are picked one by one (`sparse[:, i]`) into a table each, of 30, 8 and 20
 *  rows (Wukong, twenty-first sweep: seeded by the first table's rows, a 25-row table was read at 27 and onnxruntime
 *  refused the self-check's inputs). */
function fieldTables() {
  const sizes = [30, 8, 20];
  return buildModel({
    inputs: [['sparse', 'int64', [4, 3]]], outputs: ['y'], opset: 13,
    nodes: [
      ...sizes.flatMap((_, i) => [node('Gather', ['sparse', `c${i}`], [`col${i}`], { axis: 1 }), node('Gather', [`t${i}`, `col${i}`], [`e${i}`])]),
      node('Concat', ['e0', 'e1', 'e2'], ['y'], { axis: 1 }),
    ],
    initializers: sizes.flatMap((n, i) => [tensor(`c${i}`, 'int64', [], [i]), tensor(`t${i}`, 'float32', [n, 4], seq(4 * n, (k) => Math.sin(k * 0.41 + i)))]),
  });
}

test('fields picked column by column into tables of their own are seeded within each table', async () => {
  const model = fieldTables();
  const bytes = serializeTflite(convertModel(model).model);
  const tfl = parseTflite(bytes);
  const sparse = tokenSeeds(tfl, modelIo(tfl).inputs, 1).get('sparse');
  assert.ok(sparse, 'seeded');
  sparse.forEach((v, k) => assert.ok(v >= 0 && v < [30, 8, 20][k % 3]!, `sparse[${k}] = ${v}`));
  assert.ok(sparse.some((v, k) => k % 3 === 0 && v >= 8), `the first field spans its 30 rows: ${sparse}`);
  const notes: string[] = [];
  const v = await verifyOnLiteRt(encodeModel(model), bytes, notes);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
  assert.deepEqual(notes, []);
});
