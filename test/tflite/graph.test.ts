// The op-list walks the converter's clean-up and the quantizer share (src/tflite/graph.ts), on a hand-made list:
// t0 → MUL(t0, t0) → t1 → RELU → t2; t3 unused; t4 a constant read by nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactTensors, consumersOf, isConst, opHistogram, producersOf, usesOf } from '../../src/tflite/graph';
import type { TflOperator, TflTensor } from '../../src/tflite/model';

function graph(): { tensors: TflTensor[]; ops: TflOperator[] } {
  const t = (name: string, data?: Uint8Array): TflTensor => ({ name, type: 'FLOAT32', shape: [1], data });
  return {
    tensors: [t('x'), t('sq'), t('y'), t('unused'), t('w', new Uint8Array(4))],
    ops: [{ opcode: 'MUL', inputs: [0, 0], outputs: [1] }, { opcode: 'RELU', inputs: [1], outputs: [2] }],
  };
}

test('consumers count each op once, uses each input slot; producers; histogram; constants', () => {
  const { tensors, ops } = graph();
  assert.deepEqual([...consumersOf(ops)], [[0, [0]], [1, [1]]]);
  assert.deepEqual([...usesOf(ops)], [[0, [0, 0]], [1, [1]]]);
  assert.deepEqual([...producersOf(ops)], [[1, 0], [2, 1]]);
  assert.deepEqual(opHistogram(ops), { MUL: 1, RELU: 1 });
  assert.deepEqual(tensors.map(isConst), [false, false, false, false, true]);
});

test('compactTensors keeps referenced tensors in order and rewrites the ops to them; the input list is left alone', () => {
  const { tensors, ops } = graph();
  const { kept, remap } = compactTensors(tensors, ops, [0], [2]);
  assert.deepEqual(kept.map((t) => t.name), ['x', 'sq', 'y']);
  assert.deepEqual([...remap], [[0, 0], [1, 1], [2, 2]]);
  assert.equal(tensors.length, 5);
  const moved = graph();
  moved.ops[1].inputs = [4];
  const r = compactTensors(moved.tensors, moved.ops, [0], [2]);
  assert.deepEqual(r.kept.map((t) => t.name), ['x', 'sq', 'y', 'w']);
  assert.deepEqual(moved.ops[1].inputs, [3]);
});
