// The writer shares equal shape vectors, options tables and small constants (src/tflite/write-shared.ts): the file
// is smaller, reads back to the same model (each tensor its own data) and LiteRT runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTensor } from '../../src/ir/tensor';
import type { TflModel } from '../../src/tflite/model';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { runTflite } from '../../src/runtime/litert';
import * as fb from '../../src/generated/tflite/schema_generated';
import { ByteBuffer } from 'flatbuffers';

const f32 = (v: number[]) => new Uint8Array(new Float32Array(v).buffer);

/** x → ADD(c1) → ADD(c2) → … : `n` ADDs of the same constant [1, 2, 3, 4] (or of distinct ones). */
function chain(n: number, distinct: boolean): TflModel {
  const tensors: TflModel['subgraphs'][0]['tensors'] = [{ name: 'x', type: 'FLOAT32', shape: [1, 4] }];
  const operators: TflModel['subgraphs'][0]['operators'] = [];
  for (let i = 0; i < n; i++) {
    tensors.push({ name: `c${i}`, type: 'FLOAT32', shape: [1, 4], data: f32([1, 2, 3, distinct ? 4 + i : 4]) });
    tensors.push({ name: `y${i}`, type: 'FLOAT32', shape: [1, 4] });
    operators.push({ opcode: 'ADD', inputs: [i === 0 ? 0 : 2 * i, 2 * i + 1], outputs: [2 * i + 2], options: { fusedActivationFunction: 'NONE' } });
  }
  return { version: 3, description: '', metadata: new Map(), subgraphs: [{ name: 'main', tensors, operators, inputs: [0], outputs: [2 * n] }] };
}

test('equal constants share one buffer, equal shapes and options one vector/table; the model reads back the same', async () => {
  const same = serializeTflite(chain(8, false));
  const distinct = serializeTflite(chain(8, true));
  const root = fb.Model.getRootAsModel(new ByteBuffer(same));
  assert.equal(root.buffersLength(), 2, 'the sentinel and one shared constant');
  assert.equal(fb.Model.getRootAsModel(new ByteBuffer(distinct)).buffersLength(), 9);
  // 7 constants shared (16 bytes of data each, plus their buffer tables)
  assert.ok(same.length < distinct.length - 7 * 16, `${same.length} vs ${distinct.length}`);
  const sg = root.subgraphs(0)!;
  const shapeAt = (i: number) => { const t = sg.tensors(i)!; return t.bb!.__vector(t.bb_pos + t.bb!.__offset(t.bb_pos, 4)); };
  assert.equal(shapeAt(1), shapeAt(2), 'one [1, 4] shape vector for all tensors');
  const back = parseTflite(same);
  for (let i = 0; i < 8; i++) assert.deepEqual([...new Float32Array(back.subgraphs[0]!.tensors[2 * i + 1]!.data!.slice().buffer)], [1, 2, 3, 4]);
  assert.deepEqual(serializeTflite(back), same, 'serialize(parse(bytes)) is the same bytes');
  const [y] = await runTflite(same, [makeTensor('x', 'float32', [1, 4], [10, 20, 30, 40])]);
  assert.deepEqual([...(y!.data as Float32Array)], [18, 36, 54, 72]);
});

test('variable tensors keep their own buffer', () => {
  const m = chain(2, false);
  m.subgraphs[0]!.tensors[1]!.isVariable = true;
  assert.equal(fb.Model.getRootAsModel(new ByteBuffer(serializeTflite(m))).buffersLength(), 3);
});

test('equal large constants (a weight an unrolled decoder reads at every step) share one buffer; distinct ones do not', async () => {
  // 3 FULLY_CONNECTED layers with [128, 256] weights (128 kB each): the first two equal, the third not.
  const w = (k: number) => f32(Array.from({ length: 128 * 256 }, (_, i) => Math.sin(i * 0.37 + k) * 0.05));
  const tensors: TflModel['subgraphs'][0]['tensors'] = [{ name: 'x', type: 'FLOAT32', shape: [1, 256] }];
  const operators: TflModel['subgraphs'][0]['operators'] = [];
  for (let i = 0; i < 3; i++) {
    tensors.push({ name: `w${i}`, type: 'FLOAT32', shape: [128, 256], data: w(i === 2 ? 1 : 0) });
    tensors.push({ name: `y${i}`, type: 'FLOAT32', shape: [1, 128] });
    operators.push({ opcode: 'FULLY_CONNECTED', inputs: [0, 2 * i + 1, -1], outputs: [2 * i + 2], options: { fusedActivationFunction: 'NONE' } });
  }
  const m: TflModel = { version: 3, description: '', metadata: new Map(), subgraphs: [{ name: 'main', tensors, operators, inputs: [0], outputs: [2, 4, 6] }] };
  const bytes = serializeTflite(m);
  assert.equal(fb.Model.getRootAsModel(new ByteBuffer(bytes)).buffersLength(), 3, 'the sentinel and two weights');
  assert.ok(bytes.length < 2.1 * 128 * 1024, `${bytes.length} bytes`);
  const x = Array.from({ length: 256 }, (_, i) => Math.cos(i));
  const [y0, y1, y2] = await runTflite(bytes, [makeTensor('x', 'float32', [1, 256], x)]);
  assert.deepEqual([...(y0!.data as Float32Array)], [...(y1!.data as Float32Array)]);
  assert.notDeepEqual([...(y0!.data as Float32Array)], [...(y2!.data as Float32Array)]);
});
