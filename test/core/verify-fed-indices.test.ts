// Convert's self-check on rows a top-k selected when near-tied scores make the two runtimes select other proposals
// (RF-DETR under dynamic int8: 35 of 60 rows unpaired as sets while every layer up to the top-k agreed within 0.5%).
// Every score comes twice here, the second copy `d` above the first in the converted model and `d` below it in the
// reference: each runtime ranks the twins of every pair the other way, and with a learned offset per slot (RF-DETR's
// per-query embedding) each of them gives another row — no pairing of rows can match them. onnxruntime given LiteRT's top-k indices gives LiteRT's rows exactly, and the scores agree within 2e-4: the
// check says verified. Scores that really differ still fail it, whatever the rows do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verificationJson, verificationLine, verifyOnLiteRt } from '../../src/core/verify';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';

const N = 48;
const K = 20;
const frac = (v: number) => v - Math.floor(v);
/** Boxes (x1, y1, x2, y2), small and scattered: twins' boxes do not overlap. */
const boxes = Array.from({ length: 2 * N }, (_, i) => {
  const x = 0.9 * frac(Math.sin(i * 12.9898) * 43758.5), y = 0.9 * frac(Math.sin(i * 78.233) * 12345.6);
  return [x, y, x + 0.02 + 0.03 * frac(i * 0.37), y + 0.02 + 0.03 * frac(i * 0.61)];
}).flat();

/** x [1, N] → scores concat(x, x + d); a TopK 'sel' keeps K of them; dets: the kept boxes plus a learned offset per
 *  slot (a DETR's per-query embedding: a row depends on its rank), labels: the kept logits. */
function model(d: number) {
  return buildModel({
    inputs: [['x', 'float32', [1, N]]], outputs: ['dets', 'labels'], opset: 13,
    nodes: [
      node('Add', ['x', 'd'], ['x2']), node('Concat', ['x', 'x2'], ['s'], { axis: 1 }),
      node('TopK', ['s', 'k'], ['scores', 'idx'], { axis: 1 }, 'sel'),
      node('Gather', ['table', 'idx'], ['b'], { axis: 0 }), node('Add', ['b', 'slot'], ['dets']),
      node('Gather', ['logits', 'idx'], ['labels'], { axis: 0 }),
    ],
    initializers: [tensor('k', 'int64', [1], [K]), tensor('d', 'float32', [], [d]), tensor('table', 'float32', [2 * N, 4], boxes),
      tensor('slot', 'float32', [K, 4], Array.from({ length: 4 * K }, (_, i) => 0.5 * Math.cos(i * 1.3))),
      tensor('logits', 'float32', [2 * N, 3], Array.from({ length: 6 * N }, (_, i) => Math.cos(i * 0.9)))],
  });
}

const tflite = serializeTflite(convertModel(model(1e-4)).model);

test('near-tied scores ranked the other way: onnxruntime given LiteRT\'s top-k indices agrees, verified', async () => {
  const v = await verifyOnLiteRt(encodeModel(model(-1e-4)), tflite);
  assert.ok(v.selected!.unpaired > 1, `${v.selected!.unpaired} unpaired as sets: each twin's row carries the other slot's offset`);
  const fed = v.selected!.fedIndices!;
  assert.ok(fed.maxRel < 1e-6 && fed.cosine > 0.999999, `rows given LiteRT's indices: ${JSON.stringify(fed)}`);
  assert.ok(fed.scoresMaxRel > 1e-5 && fed.scoresMaxRel < 1e-3, `k best scores ${fed.scoresMaxRel}`);
  assert.ok(!isDegraded(v), verificationLine(v));
  assert.match(verificationLine(v), /^verified on LiteRT: .*given LiteRT's top-k indices, onnxruntime's rows agree by position to max rel 0\.0e\+0 and the k best scores to \d/);
  assert.deepEqual(verificationJson(v).selected, v.selected);
});

test('scores that really differ fail the check even though the rows agree given LiteRT\'s indices', async () => {
  const v = await verifyOnLiteRt(encodeModel(model(-0.2)), tflite);
  assert.ok(v.selected!.fedIndices!.scoresMaxRel > 0.1, JSON.stringify(v.selected));
  assert.ok(isDegraded(v));
  assert.match(verificationLine(v), /^NOT verified on LiteRT/);
});

test('the same selection on both sides: no second run', async () => {
  const v = await verifyOnLiteRt(encodeModel(model(1e-4)), tflite);
  assert.deepEqual(v.selected, { outputs: ['dets', 'labels'], rows: K, paired: K, reordered: 0, unpaired: 0 });
  assert.ok(!isDegraded(v));
});
