// Det (ONNX opset 11+; TensorFlow's MatrixDeterminant is a Flex op) as the unrolled cofactor expansion of its n·n
// entries: batches of 1×1 to 4×4 matrices match onnxruntime-node on LiteRT; 5×5 and non-square matrices are
// refused in one line. Before: every Det refused ("it would need the Flex delegate").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { matchBuilt } from '../helpers/match';

const detModel = (dims: number[], opset = 11) => buildModel({
  opset, inputs: [['x', 'float32', dims]], outputs: [['y', 'float32', dims.slice(0, -2)]],
  nodes: [node('Mul', ['x', 'x'], ['x2']), node('Add', ['x', 'x2'], ['a']), node('Det', ['a'], ['y'])],
});

for (const dims of [[1, 1], [2, 3, 2, 2], [3, 3], [4, 3, 3], [4, 4], [2, 3, 4, 4]]) {
  test(`Det of [${dims.join(', ')}] matches onnxruntime`, async () => {
    const m = await matchBuilt(detModel(dims), `det-${dims.join('x')}`, dims.length + dims[dims.length - 1]!, 1e-5);
    assert.ok(m.outputs[0]!.maxRef > 0.01, 'the determinants are not all zero');
  });
}

test('Det at opset 22 matches onnxruntime', async () => {
  const m = await matchBuilt(detModel([2, 3, 3], 22), 'det-22', 7, 1e-5);
  assert.ok(m.outputs[0]!.maxRef > 0.01);
});

test('Det of 5×5 matrices and of non-square ones is refused in one line', () => {
  assert.throws(() => convertModel(detModel([2, 5, 5])), (e: Error) => /Det is unrolled for matrices up to 4×4 only \(these are 5×5\)/.test(e.message) && !e.message.includes('\n'));
  const odd = buildModel({ opset: 11, inputs: [['x', 'float32', [2, 3]]], outputs: [['y', 'float32', []]], nodes: [node('Det', ['x'], ['y'])], infer: false });
  assert.throws(() => convertModel(odd), (e: Error) => /Det of non-square \[2, 3\] matrices/.test(e.message) && !e.message.includes('\n'));
});
