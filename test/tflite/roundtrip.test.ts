// Writer and reader are exact inverses, and the writer's output has TFLite's layout conventions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ByteBuffer } from 'flatbuffers';
import { ModelError } from '../../src/ir/types';
import type { TflModel } from '../../src/tflite/model';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';

const bytesOf = (a: ArrayLike<number>, Ctor: Float32ArrayConstructor | Int32ArrayConstructor = Float32Array) =>
  new Uint8Array(new Ctor(Array.from(a)).buffer);

function sample(): TflModel {
  return {
    version: 3,
    description: 'round trip',
    metadata: new Map([['onnx2lite', new TextEncoder().encode('{"version":1}')], ['empty', new Uint8Array(0)]]),
    subgraphs: [{
      name: 'main',
      tensors: [
        { name: 'x', type: 'FLOAT32', shape: [1, 8, 8, 3], shapeSignature: [-1, 8, 8, 3] },
        { name: 'w', type: 'INT8', shape: [4, 3, 3, 3], data: new Uint8Array(108).map((_, i) => i),
          quantization: { scale: [0.5, 0.25, 0.125, 1], zeroPoint: [0, 0, 0, 0], quantizedDimension: 0, min: [-1], max: [1] } },
        { name: 'b', type: 'INT32', shape: [4], data: bytesOf([1, 2, 3, 4], Int32Array) },
        { name: 'conv', type: 'FLOAT32', shape: [1, 8, 8, 4] },
        { name: 'shape', type: 'INT32', shape: [2], data: bytesOf([1, 256], Int32Array) },
        { name: 'flat', type: 'FLOAT32', shape: [1, 256] },
        { name: 'gelu', type: 'FLOAT32', shape: [1, 256] },
        { name: 'custom', type: 'FLOAT32', shape: [1, 256] },
        { name: 'state', type: 'FLOAT32', shape: [1, 256], isVariable: true },
        { name: 'half', type: 'FLOAT16', shape: [2], data: new Uint8Array([0, 60, 0, 64]) },
      ],
      operators: [
        { opcode: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], version: 3,
          options: { padding: 'SAME', strideW: 1, strideH: 1, fusedActivationFunction: 'RELU6', dilationWFactor: 1 } },
        { opcode: 'RESHAPE', inputs: [3, 4], outputs: [5], options: { newShape: [1, 256] } },
        { opcode: 'GELU', inputs: [5], outputs: [6], options: { approximate: true } },
        { opcode: 'CUSTOM', customCode: 'MyOp', inputs: [6, -1], outputs: [7], customOptions: new Uint8Array([1, 2, 3]) },
        { opcode: 'STABLEHLO_COMPOSITE', inputs: [7], outputs: [8],
          options: { name: 'odml.thing', decompositionSubgraphIndex: 1, compositeAttributes: [7, 8], version: 2 } },
      ],
      inputs: [0],
      outputs: [7, 8],
    }, {
      name: 'body',
      tensors: [{ name: 'a', type: 'FLOAT32', shape: [] }, { name: 'b', type: 'FLOAT32', shape: [] }],
      operators: [{ opcode: 'MIRROR_PAD', inputs: [0], outputs: [1], options: { mode: 'SYMMETRIC' } }],
      inputs: [0],
      outputs: [1],
    }],
    signatures: [{ key: 'serving_default', inputs: [{ name: 'image', tensor: 0 }], outputs: [{ name: 'y', tensor: 7 }, { name: 'z', tensor: 8 }], subgraph: 0 }],
  };
}

test('parse(serialize(m)) keeps every field; serialize(parse(bytes)) gives the same bytes', () => {
  const m = sample();
  const bytes = serializeTflite(m);
  const back = parseTflite(bytes);
  assert.equal(back.version, 3);
  assert.equal(back.description, m.description);
  assert.deepEqual(back.metadata, m.metadata);
  assert.deepEqual(back.signatures, m.signatures);
  back.subgraphs.forEach((sg, i) => {
    const want = m.subgraphs[i]!;
    assert.equal(sg.name, want.name);
    assert.deepEqual(sg.inputs, want.inputs);
    assert.deepEqual(sg.outputs, want.outputs);
    assert.deepEqual(sg.tensors, want.tensors);
  });
  const ops = back.subgraphs[0]!.operators;
  assert.deepEqual(ops[0]!.options, {
    padding: 'SAME', strideW: 1, strideH: 1, fusedActivationFunction: 'RELU6', dilationWFactor: 1, dilationHFactor: 1,
    quantizedBiasType: 'FLOAT32',
  });
  assert.equal(ops[0]!.version, 3);
  assert.deepEqual(ops[1]!.options, { newShape: [1, 256] });
  assert.equal(ops[2]!.opcode, 'GELU');
  assert.deepEqual(ops[3], { opcode: 'CUSTOM', version: 1, customCode: 'MyOp', inputs: [6, -1], outputs: [7], customOptions: new Uint8Array([1, 2, 3]) });
  assert.deepEqual(ops[4]!.options, { name: 'odml.thing', decompositionSubgraphIndex: 1, compositeAttributes: [7, 8], compositeAttributesFormat: 'FLEXBUFFERS', version: 2 });
  assert.deepEqual(back.subgraphs[1]!.operators[0]!.options, { mode: 'SYMMETRIC' });
  // Exact inverses from then on.
  assert.deepEqual(serializeTflite(back), bytes);
  assert.deepEqual(parseTflite(serializeTflite(back)), back);
});

/** Raw reads of the Model table (what the writer must produce, checked without the generated code). */
function raw(bytes: Uint8Array) {
  const bb = new ByteBuffer(bytes);
  const root = bb.readInt32(0);
  const vec = (table: number, slot: number) => {
    const o = bb.__offset(table, 4 + 2 * slot);
    return o ? { start: bb.__vector(table + o), length: bb.__vector_len(table + o) } : undefined;
  };
  const tables = (table: number, slot: number) => {
    const v = vec(table, slot)!;
    return Array.from({ length: v.length }, (_, i) => bb.__indirect(v.start + 4 * i));
  };
  const field = (table: number, slot: number) => bb.__offset(table, 4 + 2 * slot);
  return {
    buffers: tables(root, 4).map((b) => vec(b, 0)),
    opcodes: tables(root, 1).map((c) => ({
      deprecated: field(c, 0) ? bb.readInt8(c + field(c, 0)) : 0,
      builtin: field(c, 3) ? bb.readInt32(c + field(c, 3)) : 0,
    })),
  };
}

test('buffer 0 is the empty sentinel, constant data is 16-byte aligned, op codes > 127 use builtin_code', () => {
  const bytes = serializeTflite(sample());
  assert.equal(String.fromCharCode(...bytes.subarray(4, 8)), 'TFL3');
  const { buffers, opcodes } = raw(bytes);
  assert.equal(buffers[0], undefined);
  const withData = buffers.filter((b) => b && b.length > 0);
  assert.equal(withData.length, 5); // w, b, shape, half, onnx2lite metadata
  for (const b of withData) assert.equal(b!.start % 16, 0, `data at byte ${b!.start}`);
  // CONV_2D (3), RESHAPE (22), GELU (150), CUSTOM (32), STABLEHLO_COMPOSITE (206), MIRROR_PAD (100)
  assert.deepEqual(opcodes, [
    { deprecated: 3, builtin: 3 }, { deprecated: 22, builtin: 22 }, { deprecated: 127, builtin: 150 },
    { deprecated: 32, builtin: 32 }, { deprecated: 127, builtin: 206 }, { deprecated: 100, builtin: 100 },
  ]);
});

test('a default serving_default signature names subgraph 0 inputs and outputs by tensor name', () => {
  const m = sample();
  delete m.signatures;
  const back = parseTflite(serializeTflite(m));
  assert.deepEqual(back.signatures, [{ key: 'serving_default', subgraph: 0, inputs: [{ name: 'x', tensor: 0 }], outputs: [{ name: 'custom', tensor: 7 }, { name: 'state', tensor: 8 }] }]);
  assert.deepEqual(parseTflite(serializeTflite({ ...m, signatures: [] })).signatures, []);
});

const selfie = 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite';
test('a file from Google\'s converter reads, and round-trips exactly', { skip: !existsSync(selfie) && 'npm install @mediapipe/selfie_segmentation (a devDependency) to run this' }, () => {
  const m = parseTflite(new Uint8Array(readFileSync(selfie)));
  const sg = m.subgraphs[0]!;
  assert.equal(sg.operators.length, 246);
  assert.equal(sg.tensors.length, 360);
  assert.equal(sg.operators.filter((o) => o.opcode === 'DEQUANTIZE').length, 110);
  const custom = sg.operators.filter((o) => o.opcode === 'CUSTOM');
  assert.deepEqual(custom.map((o) => o.customCode), ['Convolution2DTransposeBias']);
  assert.ok(sg.tensors.some((t) => t.type === 'FLOAT16' && t.data && t.data.length === 2 * t.shape.reduce((a, b) => a * b, 1)));
  assert.deepEqual(parseTflite(serializeTflite(m)), m);
});

test('the writer refuses inconsistent models with a ModelError naming the place', () => {
  const cases: [(m: TflModel) => void, RegExp][] = [
    [(m) => { m.subgraphs[0]!.operators[0]!.options = { stride: 2 }; }, /Conv2DOptions has no field 'stride'/],
    [(m) => { m.subgraphs[0]!.operators[0]!.options = { padding: 'FULL' }; }, /'FULL' is not a Padding \(SAME, VALID\)/],
    [(m) => { m.subgraphs[0]!.operators[0]!.opcode = 'CONV_9D'; }, /unknown TFLite operator 'CONV_9D'/],
    [(m) => { m.subgraphs[0]!.operators[1]!.inputs = [3, 40]; }, /operator 1 \(RESHAPE\) input refers to tensor 40/],
    [(m) => { m.subgraphs[0]!.tensors[2]!.data = new Uint8Array(3); }, /tensor 2 \('b'\): 3 bytes of data for INT32 \[4\] \(expected 16\)/],
    [(m) => { delete m.subgraphs[0]!.operators[3]!.customCode; }, /CUSTOM operator needs a customCode/],
    [(m) => { m.subgraphs[0]!.operators[2]!.opcode = 'LOGISTIC'; }, /LOGISTIC takes no builtin options/],
    [(m) => { m.subgraphs[0]!.tensors[0]!.data = { length: 2 ** 31 } as Uint8Array; }, /at most 2 GB/],
  ];
  for (const [edit, message] of cases) {
    const m = sample();
    edit(m);
    assert.throws(() => serializeTflite(m), (e: Error) => e instanceof ModelError && message.test(e.message), String(message));
  }
});
