// Comparisons of float activations stay float32 in int8 (int8-comparison.ts): TFLite's int8 comparison kernel needs
// each input's scale under 1, and a value in pixels (a relu(300·x), scale 1.18) compared against 40 and 250 read
// every comparison wrong: output cosine 0.0000 (the twenty-third vision sweep's probe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { comparisonOps } from '../../src/quantize/int8-comparison';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';

/** x [1, 256] in [0, 1); y = relu(300 · x) in [0, 300]; out = float((y >= 40) & (y <= 250)). */
function bandProbe(): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 256]]], outputs: ['out'], opset: 13,
    nodes: [
      node('Mul', ['x', 'k'], ['p']), node('Relu', ['p'], ['y']),
      node('GreaterOrEqual', ['y', 'lo'], ['ge']), node('LessOrEqual', ['y', 'hi'], ['le']),
      node('And', ['ge', 'le'], ['band']), node('Cast', ['band'], ['out'], { to: 1 }),
    ],
    initializers: [tensor('k', 'float32', [], [300]), tensor('lo', 'float32', [], [40]), tensor('hi', 'float32', [], [250])],
  }));
}

test('a comparison whose input\'s int8 scale reaches 1 stays float32 and keeps its answers', async () => {
  const bytes = bandProbe();
  const { result } = await quantizeModelBytes(bytes, 'band.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const r = rng(3);
  let worst = 1;
  for (let s = 0; s < 3; s++) {
    const x = tensor('x', 'float32', [1, 256], Array.from({ length: 256 }, () => r()));
    const want = floats((await runOnnx(bytes, [x])).get('out')!);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, [x]), want));
  }
  // int8 comparisons (main before this rule): cosine 0.0000.
  assert.ok(worst > 0.98, `output cosine ${worst}`);
  const sg = result.model.subgraphs[0];
  const kept = sg.operators.filter((op) => op.opcode === 'GREATER_EQUAL' || op.opcode === 'LESS_EQUAL');
  assert.equal(kept.length, 2);
  for (const op of kept) assert.ok(op.inputs.every((i) => sg.tensors[i].type === 'FLOAT32'), `${op.opcode} reads float32`);
});

test('comparisons of integers (indices) are not float activations: the rule leaves them', () => {
  const sg = {
    tensors: [{ name: 'i', shape: [4], type: 'INT32' }, { name: 'n', shape: [], type: 'INT32', data: new Uint8Array(4) },
      { name: 'b', shape: [4], type: 'BOOL' }],
    operators: [{ opcode: 'LESS', inputs: [0, 1], outputs: [2] }],
    inputs: [0], outputs: [2],
  };
  assert.equal(comparisonOps(sg as never).size, 0);
});
