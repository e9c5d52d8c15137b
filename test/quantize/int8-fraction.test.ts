// Fractional parts x − ⌊x⌋ stay float32 in int8 (int8-fraction.ts): hand-written interpolation over a fine grid
// (Instant-NGP's hash encoding: p = x · 273, trilinear weights from p − ⌊p⌋). In int8 one step of p is about 2
// cells, so the fractions, and the interpolation weights made from them, are rounding noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { fractionOps } from '../../src/quantize/int8-fraction';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';

/** x [1, 512] in [-1, 1): p = 273 · x, f = p − ⌊p⌋; a linear interpolation between two table values read at the
 *  fraction, w = 0.25 · (1 − f) + 0.75 · f (the corner lookup itself is left out: only the weights are). */
function fractions(): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 512]]], outputs: ['w'], opset: 13,
    nodes: [
      node('Mul', ['x', 'res'], ['p']), node('Floor', ['p'], ['fl']), node('Sub', ['p', 'fl'], ['f']),
      node('Sub', ['one', 'f'], ['g']), node('Mul', ['g', 'a'], ['ga']), node('Mul', ['f', 'b'], ['fb']), node('Add', ['ga', 'fb'], ['w']),
    ],
    initializers: [tensor('res', 'float32', [], [273]), tensor('one', 'float32', [], [1]), tensor('a', 'float32', [], [0.25]), tensor('b', 'float32', [], [0.75])],
  }));
}

test('x − floor(x) of coordinates spanning hundreds of cells stays float32: interpolation weights survive int8', async () => {
  const bytes = fractions();
  const { result } = await quantizeModelBytes(bytes, 'frac.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const r = rng(11);
  let worst = 1;
  for (let s = 0; s < 3; s++) {
    const x = tensor('x', 'float32', [1, 512], Array.from({ length: 512 }, () => 2 * r() - 1));
    const want = floats((await runOnnx(bytes, [x])).get('w')!);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, [x]), want));
  }
  // int8 fractions (main before this rule): cosine 0.868 here, the weights noise.
  assert.ok(worst > 0.999, `output cosine ${worst}`);
  const sg = result.model.subgraphs[0];
  const floor = sg.operators.find((op) => op.opcode === 'FLOOR')!;
  assert.equal(sg.tensors[floor.inputs[0]].type, 'FLOAT32');
  const sub = sg.operators.find((op) => op.opcode === 'SUB' && op.inputs[1] === floor.outputs[0])!;
  assert.ok(sub, 'x − floor(x) reads the float floor');
  assert.equal(sg.tensors[sub.inputs[0]].type, 'FLOAT32');
});

test('a FLOOR without x − floor(x) (a bucket index) is left to the other rules', () => {
  const f = (name: string) => ({ name, shape: [4], type: 'FLOAT32' });
  const sg = {
    tensors: [f('x'), f('fl'), f('y'), { name: 'c', shape: [], type: 'FLOAT32', data: new Uint8Array(4) }],
    operators: [{ opcode: 'FLOOR', inputs: [0], outputs: [1] }, { opcode: 'MUL', inputs: [1, 3], outputs: [2] }],
    inputs: [0], outputs: [2],
  };
  assert.equal(fractionOps(sg as never).size, 0);
});
