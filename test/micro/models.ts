// Small hand-built .tflite models for the micro tests: a chain whose liveness is known, and the refusal cases.
import type { TflModel, TflOperator, TflTensor } from '../../src/tflite/model';
import { serializeTflite } from '../../src/tflite/writer';

const f32 = (n: number, v = 0.5) => new Uint8Array(new Float32Array(n).fill(v).buffer);

/** x[1,64] → MUL w → y → RESHAPE → z[1,64]; each activation 256 bytes. */
export function chain(patch: (m: TflModel) => void = () => {}): Uint8Array {
  const tensors: TflTensor[] = [
    { name: 'x', type: 'FLOAT32', shape: [1, 64] }, { name: 'w', type: 'FLOAT32', shape: [1, 64], data: f32(64) },
    { name: 'y', type: 'FLOAT32', shape: [1, 64] }, { name: 'z', type: 'FLOAT32', shape: [1, 64] },
    { name: 'shape', type: 'INT32', shape: [2], data: new Uint8Array(new Int32Array([1, 64]).buffer) },
  ];
  const operators: TflOperator[] = [
    { opcode: 'MUL', inputs: [0, 1], outputs: [2], options: { fusedActivationFunction: 'NONE' } },
    { opcode: 'RESHAPE', inputs: [2, 4], outputs: [3], options: { newShape: [1, 64] } },
  ];
  const m: TflModel = {
    version: 3, description: 'micro test', metadata: new Map(),
    subgraphs: [{ name: 'main', tensors, operators, inputs: [0], outputs: [3] }],
  };
  patch(m);
  return serializeTflite(m);
}

/** a → RELU → b; CONCAT(a, b) → c; CONCAT(b, c) → d: b is read two ops after it is written. */
export function diamond(): Uint8Array {
  const t = (name: string, n: number): TflTensor => ({ name, type: 'FLOAT32', shape: [1, n] });
  return serializeTflite({
    version: 3, description: 'diamond', metadata: new Map(),
    subgraphs: [{
      name: 'main',
      // a: 40 B → 48; b: 40 → 48; c: 80 → 80; d: 120 → 128
      tensors: [t('a', 10), t('b', 10), t('c', 20), t('d', 30)],
      operators: [
        { opcode: 'RELU', inputs: [0], outputs: [1] },
        { opcode: 'CONCATENATION', inputs: [0, 1], outputs: [2], options: { axis: 1, fusedActivationFunction: 'NONE' } },
        { opcode: 'CONCATENATION', inputs: [1, 2], outputs: [3], options: { axis: 1, fusedActivationFunction: 'NONE' } },
      ],
      inputs: [0], outputs: [3],
    }],
  });
}

export const withCustomOp = () => chain((m) => {
  m.subgraphs[0].operators[0] = { opcode: 'CUSTOM', customCode: 'MyFancyOp', inputs: [0, 1], outputs: [2] };
});

export const withDynamicShape = () => chain((m) => {
  m.subgraphs[0].tensors[0].shapeSignature = [-1, 64];
});

export const withUnsupportedOps = () => chain((m) => {
  m.subgraphs[0].operators[0] = { opcode: 'RELU_N1_TO_1', inputs: [0], outputs: [2] };
});

/** An int16 GATHER (TFLM's GATHER takes float32 and int8 only). */
export const withInt16Gather = () => chain((m) => {
  const ts = m.subgraphs[0].tensors;
  for (const i of [0, 2, 3]) { ts[i].type = 'INT16'; ts[i].quantization = { scale: [0.001], zeroPoint: [0] }; }
  ts[4] = { name: 'idx', type: 'INT32', shape: [1], data: new Uint8Array(new Int32Array([0]).buffer) };
  m.subgraphs[0].operators = [
    { opcode: 'GATHER', inputs: [0, 4], outputs: [2], options: { axis: 0, batchDims: 0 } },
    { opcode: 'RESHAPE', inputs: [2], outputs: [3], options: { newShape: [1, 64] } },
  ];
});

export const withTwoSubgraphs = () => chain((m) => {
  m.subgraphs.push({ ...m.subgraphs[0], name: 'second' });
});
