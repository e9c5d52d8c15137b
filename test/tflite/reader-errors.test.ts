// Truncated, corrupt or foreign bytes give one ModelError: never a crash, a hang or a huge allocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ModelError } from '../../src/ir/types';
import { isTflite, parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';

function model(): Uint8Array {
  const w = new Uint8Array(new Float32Array(64).fill(0.5).buffer);
  return serializeTflite({
    version: 3, description: 'fuzz', metadata: new Map([['m', new Uint8Array([1, 2, 3])]]),
    subgraphs: [{
      name: 'main',
      tensors: [
        { name: 'x', type: 'FLOAT32', shape: [1, 64] }, { name: 'w', type: 'FLOAT32', shape: [1, 64], data: w },
        { name: 'y', type: 'FLOAT32', shape: [1, 64] }, { name: 'z', type: 'FLOAT32', shape: [1, 64] },
      ],
      operators: [
        { opcode: 'MUL', inputs: [0, 1], outputs: [2], options: { fusedActivationFunction: 'RELU' } },
        { opcode: 'RESHAPE', inputs: [2], outputs: [3], options: { newShape: [1, 64] } },
      ],
      inputs: [0], outputs: [3],
    }],
  });
}

/** Parses, accepting a model or a ModelError; anything else fails the test. */
function parseOrModelError(bytes: Uint8Array, what: string): 'ok' | 'error' {
  try {
    parseTflite(bytes);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof ModelError, `${what}: ${(e as Error).stack}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return 'error';
  }
}

test('foreign bytes are not a TFLite model', () => {
  assert.throws(() => parseTflite(new Uint8Array(0)), /not a TFLite model: only 0 bytes/);
  assert.throws(() => parseTflite(new TextEncoder().encode('hello world, not a model')), /"TFL3" is missing/);
  const onnx = new Uint8Array(readFileSync('../shared/models/squeezenet1_1.onnx').subarray(0, 4096));
  assert.equal(isTflite(onnx), false);
  assert.throws(() => parseTflite(onnx), ModelError);
});

test('a model without a subgraph is refused at read (inspect crashed reading its operators)', () => {
  const bytes = model();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Model.subgraphs is a vector of one table offset: find its length word (1) followed by the offset, set it to 0.
  const m = view.getUint32(0, true);
  const vt = m - view.getInt32(m, true);
  const field = view.getUint16(vt + 4 + 2 * 2, true); // vtable slot 2: subgraphs
  const vec = m + field + view.getUint32(m + field, true);
  assert.equal(view.getUint32(vec, true), 1);
  view.setUint32(vec, 0, true);
  assert.throws(() => parseTflite(bytes), /not a usable TFLite model: it has no subgraph/);
});

test('every truncation of a model gives a ModelError', () => {
  const bytes = model();
  for (let n = 0; n < bytes.length; n++) {
    assert.equal(parseOrModelError(bytes.slice(0, n), `first ${n} bytes`), 'error', `first ${n} of ${bytes.length} bytes parsed`);
  }
});

test('corrupt bytes give a model or a ModelError, never a crash', () => {
  const bytes = model();
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const outcomes = { ok: 0, error: 0 };
  for (let trial = 0; trial < 3000; trial++) {
    const b = bytes.slice();
    const flips = 1 + Math.floor(rand() * 4);
    for (let f = 0; f < flips; f++) {
      const at = 8 + Math.floor(rand() * (b.length - 8));
      b[at] = rand() < 0.5 ? Math.floor(rand() * 256) : b[at]! ^ (1 << Math.floor(rand() * 8));
    }
    outcomes[parseOrModelError(b, `trial ${trial}`)]++;
  }
  assert.ok(outcomes.error > 100, `only ${outcomes.error} of 3000 corruptions were caught`);
});

test('a vector length pointing past the end is refused before any allocation', () => {
  const bytes = model();
  // Find the 64-float weight vector (length 256 bytes) and claim it holds 2^31 elements.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = -1;
  for (let i = 0; i + 4 <= bytes.length; i += 4) if (view.getUint32(i, true) === 256 && bytes[i + 4] === 0 && bytes[i + 7] === 0x3f) { at = i; break; }
  assert.ok(at > 0);
  view.setUint32(at, 2 ** 31, true);
  assert.throws(() => parseTflite(bytes), /corrupt or truncated TFLite file.*runs past the end/);
});
