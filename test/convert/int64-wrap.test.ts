// Instant-NGP's spatial hash (NVlabs/tiny-cuda-nn): integer grid coordinates times the primes (1, 2654435761,
// 805459861), summed, modulo the table size, index a feature table. int64 is stored as INT32, and the converter
// clamped the constant 2654435761 to 2^31 − 1: every hash was another row (sweep23 instant_ngp_op13, rel 3.7e-2).
// An int64 constant of ADD / SUB / MUL is wrapped modulo 2^32 instead (src/convert/ops/_int64-wrap.ts): INT32's
// arithmetic wraps too, so the hash modulo a power of two is the int64 one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const N = 64, T = 4096;

function hashLookup(offset: 'add' | 'sub') {
  return buildModel({
    inputs: [['x', 'float32', [1, N, 3]]], outputs: ['feat'], opset: 13,
    nodes: [
      node('Mul', ['x', 'res'], ['p']),
      node('Floor', ['p'], ['p0']),
      node('Cast', ['p0'], ['c'], { to: 7 }),
      node('Mul', ['c', 'primes'], ['cp']),
      node('ReduceSum', ['cp', 'last'], ['h'], { keepdims: 0 }),
      node(offset === 'add' ? 'Add' : 'Sub', ['h', 'big'], ['h2']),
      node('Mod', ['h2', 'size'], ['idx']),
      node('Gather', ['table', 'idx'], ['feat'], { axis: 0 }),
    ],
    initializers: [
      tensor('res', 'float32', [], [37]),
      tensor('primes', 'int64', [3], [1, 2654435761, 805459861]),
      tensor('big', 'int64', [], [3000000019]),
      tensor('size', 'int64', [], [T]),
      tensor('last', 'int64', [1], [-1]),
      tensor('table', 'float32', [T, 2], waveValues(T * 2, 5)),
    ],
  });
}

test('a spatial hash by int64 primes beyond INT32 indexes the rows onnxruntime does', async () => {
  const m = await matchBuilt(hashLookup('add'), 'int64-wrap-hash', 91, 0);
  assert.equal(m.worst, 0);
});

test('an int64 constant beyond INT32 subtracted before a power-of-two modulo', async () => {
  const m = await matchBuilt(hashLookup('sub'), 'int64-wrap-sub', 92, 0);
  assert.equal(m.worst, 0);
});
