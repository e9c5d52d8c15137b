import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TflModel } from '../../src/tflite/model';
import { formatTfliteSummary, summarizeTflite } from '../../src/tflite/summary';
import { serializeTflite } from '../../src/tflite/writer';

const sample: TflModel = {
  version: 3, description: 'onnx2lite test',
  metadata: new Map([['onnx2lite', new TextEncoder().encode('{}')], ['min_runtime_version', new TextEncoder().encode('1.14.0\0\0\0\0')]]),
  subgraphs: [{
    name: 'main',
    tensors: [
      { name: 'image', type: 'INT8', shape: [1, 4, 4, 3], shapeSignature: [-1, 4, 4, 3], quantization: { scale: [0.5], zeroPoint: [-3] } },
      { name: 'w', type: 'INT8', shape: [2, 1, 1, 3], data: new Uint8Array(6) },
      { name: 'b', type: 'INT32', shape: [2], data: new Uint8Array(8) },
      { name: 'conv', type: 'INT8', shape: [1, 4, 4, 2] },
      { name: 'y', type: 'FLOAT32', shape: [1, 4, 4, 2] },
    ],
    operators: [
      { opcode: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { padding: 'SAME', strideW: 1, strideH: 1 } },
      { opcode: 'DEQUANTIZE', inputs: [3], outputs: [4] },
      { opcode: 'CUSTOM', customCode: 'Noop', inputs: [4], outputs: [4] },
    ],
    inputs: [0], outputs: [4],
  }],
};

test('summary of a .tflite: inputs/outputs, op histogram, parameters, metadata', () => {
  const s = summarizeTflite(sample);
  assert.deepEqual(s.inputs, [{ name: 'image', dtype: 'int8', shape: [1, 4, 4, 3], shapeSignature: [-1, 4, 4, 3], quantization: { scale: 0.5, zeroPoint: -3 } }]);
  assert.deepEqual(s.outputs, [{ name: 'y', dtype: 'float32', shape: [1, 4, 4, 2] }]);
  assert.deepEqual(s.opHistogram, { CONV_2D: 1, DEQUANTIZE: 1, 'CUSTOM:Noop': 1 });
  assert.equal(s.operatorCount, 3);
  assert.equal(s.tensorCount, 5);
  assert.equal(s.parameterCount, 8);
  assert.equal(s.parameterBytes, 14);
  assert.equal(s.constantCount, 2);
  assert.deepEqual(s.metadata, ['onnx2lite', 'min_runtime_version']);
  assert.equal(s.minRuntimeVersion, '1.14.0');
  const text = formatTfliteSummary(s);
  assert.match(text, /image {2}int8 \[-1, 4, 4, 3\] {2}scale 0.5 zero point -3/);
  assert.match(text, /Parameters: 8 \(14 B in 2 constant tensors\)/);
});

test('onnx2lite inspect tells a .tflite by its content, whatever its name; bad files give one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx2lite-inspect-'));
  try {
    const file = join(dir, 'model.bin');
    writeFileSync(file, serializeTflite(sample));
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inspect', ...args], { encoding: 'utf8' });
    const json = cli(file, '--json');
    assert.equal(json.status, 0, json.stderr);
    const s = JSON.parse(json.stdout);
    assert.equal(s.format, 'tflite');
    assert.equal(s.file, file);
    assert.deepEqual(s.opHistogram, { CONV_2D: 1, DEQUANTIZE: 1, 'CUSTOM:Noop': 1 });
    const text = cli(file);
    assert.match(text.stdout, /Format: {5}TFLite \(schema 3\), onnx2lite test/);
    const bad = join(dir, 'bad.tflite');
    writeFileSync(bad, serializeTflite(sample).subarray(0, 200));
    const r = cli(bad);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^onnx2lite: corrupt or truncated TFLite file \(200 bytes\): .*\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
