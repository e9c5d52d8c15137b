// A converted model whose one op needs more than LiteRT.js's 2 GiB WASM heap is refused by convert's self-check in
// one line naming the op and its size, before LiteRT runs it (it would abort); a bare "Aborted()" names the op that
// needs the most (src/core/litert-memory.ts). The graphs are small: nothing here allocates the sizes named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { abortText, largestOp } from '../../src/core/litert-memory';
import { verifyOnLiteRt } from '../../src/core/verify';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { ModelError } from '../../src/ir/types';

/** A 7×7×7 3-D conv with computed weights (it stays CONV_3D) over [1, 16, 32, 64, 64]: 131,072 output positions ×
 *  5,488 = 2.88 GB of im2col; the input is 8 MB. */
function bigIm2col() {
  return buildModel({
    inputs: [['x', 'float32', [1, 16, 32, 64, 64]], ['wi', 'float32', [2, 16, 7, 7, 7]]], outputs: ['y'], opset: 13,
    nodes: [node('Neg', ['wi'], ['w']), node('Conv', ['x', 'w'], ['y'], { pads: [3, 3, 3, 3, 3, 3] })],
  });
}

test('an op beyond the WASM heap: the self-check refuses in one line naming it and its size, before LiteRT runs', async () => {
  const m = bigIm2col();
  const r = convertModel(m);
  assert.equal(r.opHistogram.CONV_3D, 1);
  const err = await verifyOnLiteRt(encodeModel(m), serializeTflite(r.model)).then(() => undefined, (e: Error) => e);
  assert.ok(err instanceof ModelError, String(err));
  assert.doesNotMatch(err.message, /\n|Aborted/);
  assert.match(err.message, /nothing written: LiteRT's WASM heap \(at most 2 GiB\) cannot hold it: op \d+ CONV_3D writing 'y' needs 2\.89 GB \(2\.88 GB of im2col scratch\)/);
});

test('a bare Aborted() from LiteRT is explained by the op that needs the most', () => {
  const model = parseTflite(serializeTflite(convertModel(bigIm2col()).model));
  const big = largestOp(model)!;
  assert.equal(big.opcode, 'CONV_3D');
  const text = abortText('LiteRT failed to run the model: Aborted(). Build with -sASSERTIONS for more info.', model);
  assert.match(text, /^LiteRT failed to run the model: Aborted\(\) \(most likely out of memory: .*the largest op, op \d+ CONV_3D .* needs 2\.89 GB/);
  // Any other failure is left as LiteRT said it.
  assert.equal(abortText('LiteRT failed to run the model: Node number 3 (ADD) failed to prepare', model),
    'LiteRT failed to run the model: Node number 3 (ADD) failed to prepare');
});

test('a model within the heap is not refused by size', () => {
  const m = buildModel({ inputs: [['x', 'float32', [1, 2, 4, 8, 8]]], outputs: ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'w'], ['y'], { pads: [1, 1, 1, 1, 1, 1] })],
    initializers: [tensor('w', 'float32', [3, 2, 3, 3, 3], new Float32Array(162).fill(0.1))] });
  const model = parseTflite(serializeTflite(convertModel(m).model));
  assert.ok(largestOp(model)!.bytes < 1e6);
});
