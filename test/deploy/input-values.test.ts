// deploy's inputs with --input-value: the named input gets the given values on the device and for --reference (in
// ONNX layout, int64 where the ONNX input was), the others stay seeded random; bad names and counts are one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareInputs, type IoTensor } from '../../src/deploy/tensors';
import { toNumbers } from '../../src/ir/tensor';

const io: IoTensor[] = [
  { position: 0, tensorIndex: 0, name: 'input', dtype: 'float32', shape: [1, 4], mapping: { onnx: 'input', tflite: 0, perm: [0, 1] } },
  { position: 1, tensorIndex: 1, name: 'sr', dtype: 'int32', shape: [], mapping: { onnx: 'sr', tflite: 1, perm: [], onnxDtype: 'int64' } },
];

test('--input-value feeds the named input on both sides; the rest stays random', () => {
  const p = prepareInputs(io, undefined, 1, new Map([['sr', [16000]]]));
  const sr = p.onnx.find((t) => t.name === 'sr')!;
  assert.equal(sr.dtype, 'int64');
  assert.deepEqual(toNumbers(sr), [16000]);
  assert.deepEqual(toNumbers(p.device[1]), [16000]);
  const x = toNumbers(p.onnx[0]);
  assert.equal(x.length, 4);
  assert.ok(x.every((v) => v >= 0 && v < 1) && new Set(x).size > 1);
});

test('--input-value with an unknown name or a wrong count is refused in one line', () => {
  assert.throws(() => prepareInputs(io, undefined, 1, new Map([['rate', [1]]])), /--input-value names "rate", which is not an input of the model \(inputs: input, sr\)/);
  assert.throws(() => prepareInputs(io, undefined, 1, new Map([['input', [1, 2]]])), /--input-value input gives 2 values, but input "input" has shape \[1, 4\] \(4 elements\)/);
});
