// The per-instance protobufjs reader that reads int64/uint64 as numbers agrees with protobufjs's own Long path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import $protobuf from 'protobufjs/minimal.js';
import { numberReader } from '../../src/onnx/number-reader';

const VALUES = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, 2 ** 62, -1, -2, -(2 ** 31), -(2 ** 53)];

test('int64 varints decode to the same numbers as Long.toNumber()', () => {
  const w = $protobuf.Writer.create();
  for (const v of VALUES) w.int64(v);
  w.int64('9223372036854775807').int64('-9223372036854775808');
  const bytes = w.finish();
  const ours = numberReader(bytes);
  const theirs = $protobuf.Reader.create(bytes);
  for (let i = 0; i < VALUES.length + 2; i++) {
    const a = ours.int64() as unknown as number;
    const b = theirs.int64();
    assert.equal(a, typeof b === 'number' ? b : (b as unknown as { toNumber(): number }).toNumber(), `value ${i}`);
  }
});

test('uint64 varints and truncated input', () => {
  const bytes = $protobuf.Writer.create().uint64('18446744073709551615').uint64(5).finish();
  const r = numberReader(bytes);
  assert.equal(r.uint64() as unknown as number, 18446744073709551615);
  assert.equal(r.uint64() as unknown as number, 5);
  assert.throws(() => numberReader(bytes.subarray(0, 3)).uint64(), RangeError);
});
