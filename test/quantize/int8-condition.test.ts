// A per-picture condition vector (CSRNet's photo retouching: a global mean of a small conv net, FULLY_CONNECTED layers
// to per-channel scales and shifts, y = x · s + b + x on the full-resolution map) stays float32 in int8 with the
// joins it modulates (int8-condition.ts). In int8 a picture whose condition makes s near −1 had x · s + x cancel in
// int8 steps sized for the calibration pictures' conditions: CSRNet's retouched masked-face photo at 4.6 dB SNR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { encodeNpy } from '../../src/core/npy';
import { quantizeModelBytes } from '../../src/quantize/file';
import { conditionOps } from '../../src/quantize/int8-condition';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';

/** x [1, 3, 16, 16] in [0, 1]: the condition is the channels' means (an identity 1×1 conv, RELU, global mean);
 *  s = 1.6 · mean(red) − 1 and b = 0.1 + 0.1 · mean(green) per channel of h = 1×1 conv 3→4 of x; y = h · s + b + h. */
function conditional(): Uint8Array {
  const r = rng(5);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'cw', 'cb'], ['c'], { kernel_shape: [1, 1] }), node('Relu', ['c'], ['cr']),
      node('ReduceMean', ['cr'], ['m'], { axes: [2, 3], keepdims: 0 }),
      node('Gemm', ['m', 'sw', 'sb'], ['s'], { transB: 1 }), node('Gemm', ['m', 'tw', 'tb'], ['t'], { transB: 1 }),
      node('Reshape', ['s', 'shape'], ['s4']), node('Reshape', ['t', 'shape'], ['t4']),
      node('Conv', ['x', 'hw', 'hb'], ['h'], { kernel_shape: [1, 1] }),
      node('Mul', ['h', 's4'], ['hs']), node('Add', ['hs', 't4'], ['hst']), node('Add', ['hst', 'h'], ['y']),
    ],
    initializers: [
      tensor('cw', 'float32', [3, 3, 1, 1], [1, 0, 0, 0, 1, 0, 0, 0, 1]), tensor('cb', 'float32', [3], [0, 0, 0]),
      tensor('sw', 'float32', [4, 3], [1.6, 0, 0, 1.6, 0, 0, 1.6, 0, 0, 1.6, 0, 0]), tensor('sb', 'float32', [4], [-1, -1, -1, -1]),
      tensor('tw', 'float32', [4, 3], [0, 0.1, 0, 0, 0.1, 0, 0, 0.1, 0, 0, 0.1, 0]), tensor('tb', 'float32', [4], [0.1, 0.1, 0.1, 0.1]),
      tensor('shape', 'int64', [4], [1, 4, 1, 1]),
      tensor('hw', 'float32', [4, 3, 1, 1], Array.from({ length: 12 }, () => 2 * r() - 1)), tensor('hb', 'float32', [4], [0, 0, 0, 0]),
    ],
  }));
}

test('a per-picture condition vector and the joins it modulates stay float32: a picture whose scale cancels survives int8', async () => {
  const bytes = conditional();
  const r = rng(9);
  // Pictures with a red channel around `red` (the condition) and green / blue over [0, 1].
  const picture = (red: number) => tensor('x', 'float32', [1, 3, 16, 16], Array.from({ length: 768 }, (_, i) => (i < 256 ? red + 0.1 * (r() - 0.5) : r())));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-condition-'));
  // Calibration: reddish pictures (s from −0.5 to +0.5).
  for (let k = 0; k < 8; k++) fs.writeFileSync(path.join(dir, `s${k}.npy`), encodeNpy(picture(0.3 + (0.6 * k) / 7)));
  const { result } = await quantizeModelBytes(bytes, 'cond.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  let worst = 1;
  for (let k = 0; k < 4; k++) {
    const x = picture(0.6 + 0.02 * k); // s ≈ −0.04 ... +0.09: y ≈ h · (1 + s) + b
    const dark = picture(0.02 * k); // s ≈ −1: h · s + h cancels, y ≈ b
    for (const p of [x, dark]) {
      const want = floats((await runOnnx(bytes, [p])).get('y')!);
      worst = Math.min(worst, cosine(await runFirstOutput(result.model, [p]), want));
    }
  }
  // int8 joins and vector (main before this rule): cosine 0.690 here.
  assert.ok(worst > 0.999, `output cosine ${worst}`);
  const sg = result.model.subgraphs[0];
  const kept = conditionOps(sg);
  const codes = [...kept].map((k) => sg.operators[k].opcode).sort();
  assert.deepEqual(codes, ['ADD', 'ADD', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'MEAN', 'MUL', 'RESHAPE', 'RESHAPE'], `kept ${codes}`);
  for (const k of kept) assert.equal(sg.tensors[sg.operators[k].outputs[0]].type, 'FLOAT32', `${sg.operators[k].opcode} is float32`);
});

test('a squeeze-and-excitation gate (a LOGISTIC between the FC and the MUL) is not a condition vector', () => {
  const sg = {
    tensors: [
      { name: 'x', shape: [1, 8, 8, 4], type: 'FLOAT32' }, { name: 'm', shape: [1, 4], type: 'FLOAT32' }, { name: 'f', shape: [1, 4], type: 'FLOAT32' },
      { name: 'g', shape: [1, 4], type: 'FLOAT32' }, { name: 'g4', shape: [1, 1, 1, 4], type: 'FLOAT32' }, { name: 'y', shape: [1, 8, 8, 4], type: 'FLOAT32' },
      { name: 'w', shape: [4, 4], type: 'FLOAT32', data: new Uint8Array(64) },
    ],
    operators: [
      { opcode: 'MEAN', inputs: [0], outputs: [1] }, { opcode: 'FULLY_CONNECTED', inputs: [1, 6], outputs: [2] },
      { opcode: 'LOGISTIC', inputs: [2], outputs: [3] }, { opcode: 'RESHAPE', inputs: [3], outputs: [4] }, { opcode: 'MUL', inputs: [0, 4], outputs: [5] },
    ],
    inputs: [0], outputs: [5],
  };
  assert.equal(conditionOps(sg as never).size, 0);
});
