// Equal small constants a converted model reads are one tensor (convert.ts → tflite/graph.ts shareEqualConstants):
// index / shape / axes tensors and float scalars. TabNet wrote 241 constants of which 63 differ (each Slice's
// begin / end / strides, each step's scalars): every copy cost its tensor table and name (float32 79,440 → 71,440 B).
// Float vectors keep their own tensors (int8's equalization rescales a layer's weights and bias in place).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { decodeModel } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { isConst } from '../../src/tflite/graph';
import { convertAndMatch, seededInputs } from '../helpers/match';

/** Three blocks, each: Slice the first half of x's features (its own begin / end / axes constants), times its own
 *  0.5 scalar, a per-feature Mul by its own vector (equal bytes in every block), Concat with the other half. */
function blocks(): Uint8Array {
  const nodes = [];
  const initializers = [];
  let x = 'x';
  for (let b = 0; b < 3; b++) {
    nodes.push(node('Slice', [x, `s${b}`, `e${b}`, `a${b}`], [`h${b}`]), node('Slice', [x, `e${b}`, `t${b}`, `a${b}`], [`r${b}`]),
      node('Mul', [`h${b}`, `k${b}`], [`m${b}`]), node('Mul', [`m${b}`, `v${b}`], [`w${b}`]),
      node('Concat', [`w${b}`, `r${b}`], [`y${b}`], { axis: 1 }));
    initializers.push(tensor(`s${b}`, 'int64', [1], [0]), tensor(`e${b}`, 'int64', [1], [8]), tensor(`t${b}`, 'int64', [1], [16]),
      tensor(`a${b}`, 'int64', [1], [1]), tensor(`k${b}`, 'float32', [], [0.5]),
      tensor(`v${b}`, 'float32', [8], Array.from({ length: 8 }, (_, i) => 1 + i / 8)));
    x = `y${b}`;
  }
  return encodeModel(buildModel({ inputs: [['x', 'float32', [4, 16]]], outputs: [x], opset: 13, nodes, initializers }));
}

test('equal index constants and float scalars are one tensor each; equal float vectors keep their own', async () => {
  const bytes = blocks();
  const model = decodeModel(bytes);
  const m = await convertAndMatch(bytes, model, seededInputs(model, 3));
  assert.ok(m.worst <= 1e-6, `rel ${m.worst}`);
  const sg = m.result.model.subgraphs[0];
  const consts = sg.tensors.filter((t) => isConst(t));
  const key = (t: (typeof consts)[number]) => `${t.type}|${t.shape}|${Buffer.from(t.data!).toString('hex')}`;
  const byType = (pred: (t: (typeof consts)[number]) => boolean) => consts.filter(pred);
  const ints = byType((t) => !t.type.startsWith('FLOAT'));
  assert.equal(new Set(ints.map(key)).size, ints.length, `integer constants: ${ints.map((t) => t.name).join(', ')}`);
  const scalars = byType((t) => t.type === 'FLOAT32' && t.shape.length === 0);
  assert.equal(scalars.length, 1, scalars.map((t) => t.name).join(', '));
  // The three equal per-feature vectors: three tensors (equal bytes share one buffer in the file: tflite/write-shared.ts).
  const vectors = byType((t) => t.type === 'FLOAT32' && t.shape.join() === '8');
  assert.equal(vectors.length, 3);
});
