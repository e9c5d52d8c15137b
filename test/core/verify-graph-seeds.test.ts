// A dense graph net's adjacency input (float [..., N, N] named adj...) is seeded as a real graph for the self-check
// and int8 calibration: symmetric 0 / 1 edges without self-loops, every node with a neighbour. Uniform [0, 1) floats
// joined every pair and each node with itself, so `adj > 0` masked nothing, and DimeNet-style models were evaluated at
// the distance 0 of a node to itself (the eighteenth sweep's dimenet_lite: refused at cosine -1 on those seeds, equal
// to PyTorch on a molecule's graph).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, verifyOnLiteRt } from '../../src/core/verify';
import { modelIo } from '../../src/deploy/tensors';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { tokenSeeds } from '../../src/core/verify-seeds';

const N = 7, F = 4;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** GAT-style attention over a dense adjacency [B, N, N]: scores of neighbours only, softmax, aggregation. */
function maskedGraphAttention() {
  return buildModel({
    inputs: [['x', 'float32', [2, N, F]], ['adj', 'float32', [2, N, N]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w'], ['h']),
      node('Transpose', ['h'], ['ht'], { perm: [0, 2, 1] }),
      node('MatMul', ['h', 'ht'], ['scores']),
      node('Greater', ['adj', 'zero'], ['edge']),
      node('Where', ['edge', 'scores', 'ninf'], ['masked']),
      node('Softmax', ['masked'], ['attn'], { axis: -1 }),
      node('MatMul', ['attn', 'h'], ['y']),
    ],
    initializers: [tensor('w', 'float32', [F, F], seq(F * F, (i) => Math.sin(i * 1.3))), tensor('zero', 'float32', [], [0]),
      tensor('ninf', 'float32', [], [-1e9])],
  });
}

test('a dense adjacency input is seeded as a graph: symmetric 0 / 1, no self-loops, every node joined', () => {
  const tfl = parseTflite(serializeTflite(convertModel(maskedGraphAttention()).model));
  const seeds = tokenSeeds(tfl, modelIo(tfl).inputs, 1);
  const adj = seeds.get('adj');
  assert.ok(adj, 'adj is seeded');
  assert.equal(adj.length, 2 * N * N);
  const at = (b: number, i: number, j: number) => adj[b * N * N + i * N + j]!;
  let edges = 0;
  for (let i = 0; i < N; i++) {
    assert.equal(at(0, i, i), 0, `no self-loop at ${i}`);
    assert.ok(seq(N, (j) => at(0, i, j)).some((v) => v === 1), `node ${i} has a neighbour`);
    for (let j = 0; j < N; j++) {
      assert.ok(at(0, i, j) === 0 || at(0, i, j) === 1);
      assert.equal(at(0, i, j), at(0, j, i));
      assert.equal(at(1, i, j), at(0, i, j));
      edges += at(0, i, j);
    }
  }
  assert.ok(edges < N * (N - 1), 'some pairs are not joined: the mask is exercised');
  // Inputs not named for an adjacency keep the generator's floats.
  assert.equal(seeds.has('x'), false);
});

test('the masked graph attention passes the self-check on the seeded graph', async () => {
  const model = maskedGraphAttention();
  const tflite = serializeTflite(convertModel(model).model);
  const v = await verifyOnLiteRt(encodeModel(model), tflite);
  assert.ok(!isDegraded(v), `maxRel ${v.maxRel}`);
  assert.ok(v.maxRel < 1e-5, `maxRel ${v.maxRel}`);
});
