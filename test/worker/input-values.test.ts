// The setting onnx2lite.inputValues through the worker (in-process LocalBackend): the graph view's compatibility
// marks and the convert job see the frozen input, as `--input-value` does on the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalBackend } from '../../src/worker/handlers';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { readMetadata } from '../../src/runtime/tflite-onnx-io';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-worker-iv-'));

function model(): string {
  const branch = (name: string, op: string) => buildGraph({ name, inputs: [], outputs: [[`${name}_o`, 'float32', [1, 8]]], nodes: [node(op, ['x'], [`${name}_o`])] });
  const m = buildModel({
    inputs: [['x', 'float32', [1, 8]], ['sr', 'int64', []]], outputs: [['y', 'float32', [1, 8]]],
    initializers: [tensor('k', 'int64', [], [16000])],
    nodes: [node('Equal', ['sr', 'k'], ['c']), node('If', ['c'], ['y'], { then_branch: branch('a', 'Tanh'), else_branch: branch('b', 'Neg') })],
  });
  const p = path.join(tmp, 'vad.onnx');
  fs.writeFileSync(p, encodeModel(m));
  return p;
}

test('compat marks and the convert job take inputValues; without it the If stays an IF', async () => {
  const file = model();
  const b = new LocalBackend();
  await b.request('open', { file, inputShapes: {}, inputValues: { sr: [8000] } });
  const c = await b.request('compat', { file });
  assert.deepEqual(c.report!.nodes.find((n) => n.opType === 'If')!.emits, ['NEG']);
  const out = path.join(tmp, 'vad.tflite');
  await b.request('convert', { file, out, quantization: 'float32', inputValues: { sr: [16000] } });
  assert.deepEqual(readMetadata(fs.readFileSync(out))!.inputs.map((i) => i.onnx), ['x']);
  const b2 = new LocalBackend();
  await b2.request('open', { file });
  const c2 = await b2.request('compat', { file });
  assert.deepEqual(c2.report!.nodes.find((n) => n.opType === 'If')!.emits, ['IF', 'TANH', 'NEG'], 'the branches\' ops count for the If');
});
