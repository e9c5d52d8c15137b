// The registry's int8 flags (read by the compatibility view) agree with the int8 pass: a converter that claims an
// int8 path only emits ops the pass quantizes (or the QUANTIZE/DEQUANTIZE it places itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allConverters } from '../../src/convert/registry';
import { INT8_OPS } from '../../src/quantize/int8-ops';

const BOUNDARY = new Set(['QUANTIZE', 'DEQUANTIZE']);
/** Flags that claim more than the pass does, reported to the converter's owners (an int8 run keeps these ops in
 *  float32 with a warning): FLOOR_MOD / CAST only see index tensors there, TRANSPOSE_CONV's weights sit at input 1
 *  after output_shape and the pass does not quantize them yet, GELU has no int8 kernel the pass relies on; CONV_3D and
 *  CONV_3D_TRANSPOSE (3-D convs only) have no int8 kernel in TFLite; MaxPool's CAST only wraps plain uint8/int8 inputs. */
const KNOWN: Record<string, string[]> = {
  Conv: ['CONV_3D'], MaxPool: ['CAST'],
  ConvTranspose: ['TRANSPOSE_CONV', 'CONV_3D_TRANSPOSE'],
  GRU: ['CAST'], LSTM: ['CAST'], RNN: ['CAST'],
  Gather: ['FLOOR_MOD'], GatherElements: ['FLOOR_MOD'], GatherND: ['FLOOR_MOD'],
  Gelu: ['GELU'],
};

test('every op a converter flagged int8 emits on its main path (all but `incidental`) has an int8 kernel in the int8 pass', () => {
  const bad: string[] = [];
  for (const c of allConverters()) {
    if (!c.int8) continue;
    const missing = c.emits.filter((op) => !c.incidental?.includes(op) && !INT8_OPS[op] && !BOUNDARY.has(op) && !KNOWN[c.op]?.includes(op));
    if (missing.length) bad.push(`${c.op}: ${missing.join(', ')}`);
  }
  assert.deepEqual(bad, []);
});

test('a converter whose main path emits an op without an int8 kernel is not flagged int8', () => {
  for (const c of allConverters()) {
    const core = c.emits.filter((op) => !c.incidental?.includes(op));
    if (core.some((op) => !INT8_OPS[op] && !BOUNDARY.has(op))) assert.equal(c.int8, false, c.op);
  }
});
