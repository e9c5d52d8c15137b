// Logits masked by a constant fill stay float32 to their ARG_MAX (int8-masked-logits.ts): a decoder constraining its
// vocabulary per position adds −1e9 to the forbidden tokens (Pix2Seq), folded into the projection's bias. In int8
// the logits' one scale spans [−1e9, a few units]: every allowed logit rounds to one value and the ARG_MAX picks the
// first allowed token (Pix2Seq refused at cosine 0.8660). Here: a projection of 16 features to 12 tokens, the last 6
// masked, the token and the logits as outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { maskedLogitOps } from '../../src/quantize/int8-masked-logits';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { serializeTflite } from '../../src/tflite/writer';
import { rng } from './helpers';

const D = 16; const V = 12;

function masked(): Uint8Array {
  const r = rng(21);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, D]]], outputs: ['token', 'logits'], opset: 13,
    nodes: [node('MatMul', ['x', 'w'], ['mm']), node('Add', ['mm', 'mask'], ['logits']), node('ArgMax', ['logits'], ['token'], { axis: 1, keepdims: 0 })],
    initializers: [
      tensor('w', 'float32', [D, V], Array.from({ length: D * V }, () => 2 * r() - 1)),
      tensor('mask', 'float32', [V], Array.from({ length: V }, (_, k) => (k < V / 2 ? 0 : -1e9))),
    ],
  }));
}

test('logits masked by a -1e9 fill keep float32 to the ARG_MAX: the tokens int8 picks are the float model\'s', async () => {
  const bytes = masked();
  const { result } = await quantizeModelBytes(bytes, 'masked.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const lite = await openConverted(serializeTflite(result.model));
  const r = rng(4);
  let same = 0; let firstAllowed = 0; const n = 32;
  try {
    for (let s = 0; s < n; s++) {
      const x = tensor('x', 'float32', [1, D], Array.from({ length: D }, () => r()));
      const want = Number((await runOnnx(bytes, [x])).get('token')!.data[0]);
      const got = Number((await lite.run([x])).get('token')!.data[0]);
      if (got === want) same++;
      if (want === 0) firstAllowed++;
    }
  } finally { lite.close(); }
  // int8 logits (main before this rule): every sample the first allowed token, 0 — right only where the float model
  // picks it (here 15 of 32).
  assert.ok(same >= n - 2, `${same} / ${n} tokens as onnxruntime's (the float model picks token 0 on ${firstAllowed})`);
  const sg = result.model.subgraphs[0];
  const arg = sg.operators.find((op) => op.opcode === 'ARG_MAX')!;
  assert.equal(sg.tensors[arg.inputs[0]].type, 'FLOAT32', 'the ARG_MAX reads float logits');
});

test('a mask before anything but a ranking, or a bias with no fill, is left to the other rules', () => {
  const f = (name: string, shape: number[], type = 'FLOAT32') => ({ name, shape, type });
  const c = (name: string, v: number[]) => ({ name, shape: [v.length], type: 'FLOAT32', data: new Uint8Array(Float32Array.from(v).buffer) });
  const sg = (fill: number, reader: string) => ({
    tensors: [f('x', [1, 4]), c('w', Array(8).fill(0.1)), c('b', [0, fill]), f('l', [1, 2]), f('y', [1], reader === 'ARG_MAX' ? 'INT32' : 'FLOAT32'), c('axis', [1])],
    operators: [{ opcode: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3] }, { opcode: reader, inputs: [3, 5], outputs: [4] }],
    inputs: [0], outputs: [4],
  });
  assert.deepEqual([...maskedLogitOps(sg(-1e9, 'ARG_MAX') as never)], [0, 1]);
  assert.equal(maskedLogitOps(sg(-3, 'ARG_MAX') as never).size, 0, 'no fill');
  assert.equal(maskedLogitOps(sg(-1e9, 'SOFTMAX') as never).size, 0, 'a softmax reads it');
});
