// A conv with corrupted weights inside a converted model: the report's first flagged layer is that conv.
// Also: a .tflite without metadata is compared at its outputs, chunked runs give the same numbers, bad input, progress,
// cancel, external weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareModels } from '../../src/compare/compare';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { convertShared, corruptConv, inputsDir, onnxPath, tmp } from './helpers';

for (const [name, which] of [['mnasnet0_5', 10], ['mobilenet_v3_small', 20], ['squeezenet1_1', 3]] as const) {
  test(`${name}: negated weights of conv #${which} → first divergence is that conv`, async (t) => {
    const bad = corruptConv(convertShared(name), which, path.join(tmp, `${name}-corrupt.tflite`));
    const r = await compareModels(onnxPath(name), bad.path, { inputsDir: inputsDir(name) });
    t.diagnostic(`corrupted ${bad.node}; first divergence ${JSON.stringify(r.firstDivergence)}`);
    assert.ok(r.firstDivergence, 'a divergence is found');
    assert.equal(r.firstDivergence.tensor, bad.tensor);
    assert.equal(r.firstDivergence.node, bad.node);
    const flagged = r.layers.filter((l) => l.jump);
    assert.equal(flagged[0]!.tensor, bad.tensor);
    // Every layer before it is still within the float tolerance.
    const idx = r.layers.findIndex((l) => l.tensor === bad.tensor);
    for (const l of r.layers.slice(0, idx)) assert.ok(l.rel <= 1e-4, `${l.node} before the corrupted conv: rel ${l.rel}`);
  });
}

test('a .tflite without onnx2lite metadata is compared at its outputs by name and shape, with a note', async () => {
  const model = parseTflite(fs.readFileSync(convertShared('squeezenet1_1')));
  model.metadata = new Map();
  // Names as another converter would write them: matched by shape (NHWC input of an NCHW model) instead.
  const sg = model.subgraphs[0]!;
  sg.tensors[sg.inputs[0]!]!.name = 'serving_default_input:0';
  sg.tensors[sg.outputs[0]!]!.name = 'StatefulPartitionedCall:0';
  model.signatures = undefined;
  const file = path.join(tmp, 'squeezenet-nometa.tflite');
  fs.writeFileSync(file, serializeTflite(model));
  const r = await compareModels(onnxPath('squeezenet1_1'), file, { inputsDir: inputsDir('squeezenet1_1') });
  assert.equal(r.perLayer, false);
  assert.equal(r.layers.length, 0);
  assert.equal(r.outputs.length, 1);
  assert.ok(r.outputs[0]!.rel <= 1e-4);
  assert.ok(r.notes.some((n) => /metadata/.test(n)));
});

test('chunked runs (tiny memory budget) give the same numbers as one pass', async () => {
  const tfl = convertShared('squeezenet1_1');
  const one = await compareModels(onnxPath('squeezenet1_1'), tfl, {});
  const many = await compareModels(onnxPath('squeezenet1_1'), tfl, { chunkBytes: 256 * 1024 });
  assert.ok(many.notes.some((n) => /passes/.test(n)), many.notes.join('; '));
  assert.equal(one.inputs.source, 'random');
  assert.deepEqual(many.layers, one.layers);
  assert.deepEqual(many.outputs, one.outputs);
});

test('bad input: a missing .tflite and a wrong --inputs folder give one clear error', async () => {
  await assert.rejects(compareModels(onnxPath('squeezenet1_1'), path.join(tmp, 'nope.tflite')), { name: 'ModelError', message: /cannot read/ });
  await assert.rejects(compareModels(onnxPath('squeezenet1_1'), convertShared('squeezenet1_1'), { inputsDir: inputsDir('gru_small') }),
    { name: 'ModelError', message: /wants|shape/ });
  await assert.rejects(compareModels(onnxPath('squeezenet1_1'), convertShared('squeezenet1_1'), { inputsDir: path.join(tmp, 'none') }),
    { name: 'ModelError', message: /not a folder/ });
});

test('progress is reported and an aborted signal cancels with a clear error', async () => {
  const tfl = convertShared('squeezenet1_1');
  const phases: string[] = [];
  const r = await compareModels(onnxPath('squeezenet1_1'), tfl, {}, (p) => phases.push(p.phase));
  assert.deepEqual([...new Set(phases)], ['load', 'run', 'compare', 'done']);
  assert.ok(r.layers.length > 0);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(compareModels(onnxPath('squeezenet1_1'), tfl, {}, undefined, ac.signal), { name: 'ModelError', message: /cancelled/ });
});

test('an ONNX model with external weights is compared too (re-encoded from memory for onnxruntime)', async () => {
  const w = Float32Array.from({ length: 16 * 8 * 3 * 3 }, (_, i) => Math.sin(i) / 10);
  const model = buildModel({
    nodes: [node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 'conv'), node('Relu', ['c'], ['y'], {}, 'relu')],
    inputs: [['x', 'float32', [1, 8, 10, 10]]], outputs: ['y'], initializers: [tensor('w', 'float32', [16, 8, 3, 3], w)],
  });
  const dir = path.join(tmp, 'external');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(w.buffer));
  const onnx = path.join(dir, 'ext.onnx');
  fs.writeFileSync(onnx, encodeModel(model, { external: new Map([['w', { location: 'weights.bin' }]]) }));
  const tfl = path.join(dir, 'ext.tflite');
  fs.writeFileSync(tfl, serializeTflite(convertModel(readModelFile(onnx), { source: 'ext.onnx' }).model));
  const r = await compareModels(onnx, tfl, {});
  assert.equal(r.layers.length, 1);
  assert.ok(r.layers[0]!.rel <= 1e-4 && r.outputs[0]!.rel <= 1e-4);
});
