// The one table of conversion modes (src/quantize/modes.ts) agrees with everything that names a mode: the manifest's
// onnx2lite.defaultQuantization enum, the CLI's --quantize values, usage and output names, the VS Code command's
// output names, and the file names of older versions (their source model is still found).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QUANT_MODES, QUANTIZE_VALUES, convertedPath, sourceModelOf } from '../../src/quantize/modes';
import { QUANTIZE_USAGE, quantizeOptions } from '../../src/cli/quantize-options';
import { defaultOutputPath } from '../../src/core/convert-file';
import { QUANT_PASSES } from '../../src/quantize/file';

const ROOT = path.resolve(__dirname, '../..');

test('the manifest\'s defaultQuantization enum lists the table\'s modes, in order, with their details', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const setting = pkg.contributes.configuration.properties['onnx2lite.defaultQuantization'];
  assert.deepEqual(setting.enum, QUANT_MODES.map((m) => m.id));
  assert.deepEqual(setting.enumDescriptions, QUANT_MODES.map((m) => m.detail));
  assert.equal(setting.default, 'float32');
});

test('--quantize takes the table\'s quantization modes; its usage names each', () => {
  assert.deepEqual(QUANTIZE_VALUES, ['fp16', 'dynamic', 'int8']);
  for (const id of QUANTIZE_VALUES) {
    assert.equal(quantizeOptions({ quantize: id })?.mode, id);
    assert.match(QUANTIZE_USAGE, new RegExp(`\\b${id}\\b`));
  }
  assert.throws(() => quantizeOptions({ quantize: 'float16' }), /--quantize takes fp16, dynamic or int8, not "float16"/);
  assert.equal(QUANT_MODES.filter((m) => m.needsCalibration).map((m) => m.id).join(), 'int8');
});

test('the CLI and the VS Code command name outputs alike; the source model is found from either, and older names', () => {
  for (const m of QUANT_MODES) {
    const cli = defaultOutputPath('/m/net.onnx', undefined, m.suffix);
    assert.equal(cli, path.resolve(`/m/net${m.suffix}.tflite`));
    assert.equal(convertedPath('/m/net.onnx', m.id), `/m/net${m.suffix}.tflite`);
    assert.equal(sourceModelOf(convertedPath('/m/net.onnx', m.id)), '/m/net.onnx');
  }
  assert.deepEqual(QUANT_MODES.map((m) => m.suffix), ['', '_fp16', '_dynamic', '_int8']);
  assert.equal(sourceModelOf('/m/net_float16.tflite'), '/m/net.onnx');
  assert.equal(sourceModelOf('/m/net_dynamic_int8.tflite'), '/m/net.onnx');
});

test('every quantization mode of the table has its pass, and every pass a mode', () => {
  assert.deepEqual(Object.keys(QUANT_PASSES).sort(), [...QUANTIZE_VALUES].sort());
  for (const id of QUANTIZE_VALUES) assert.equal(typeof QUANT_PASSES[id], 'function', id);
});
