// A quotient that a slice then cuts stays float32 up to the cut (int8-cut-quotient.ts): an iSTFT's overlap-add divided
// by its window envelope and then trimmed of its padding (APNet2, twenty-fourth sweep). At the cut-away edges the
// envelope goes to 0 faster than the signal, so the quotient's calibrated range is set by samples the model then
// drops: in int8 every kept sample rounds to 0 (APNet2 refused at output cosine 0.0000). Here in small: frames
// of random frames (n_fft 64, hop 16) divided by the Hann window's envelope, PAD samples cut from each side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { cutQuotientOps } from '../../src/quantize/int8-cut-quotient';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';

const NFFT = 64; const HOP = 16; const T = 12;
const LEN = (T - 1) * HOP + NFFT; const PAD = NFFT / 2;
const win = Array.from({ length: NFFT }, (_, n) => Math.sin(Math.PI * n / NFFT) ** 2); // periodic Hann
const eye = Array.from({ length: NFFT * NFFT }, (_, k) => (Math.floor(k / NFFT) === k % NFFT ? 1 : 0));

/** frames x [1, NFFT, T] windowed, overlap-added by a ConvTranspose with an identity kernel, divided by the window
 *  envelope (the same overlap-add of w², computed at run time as APNet2's is, clamped at 1e-11), then Reshaped to
 *  [1, LEN] and trimmed of PAD samples each side by a Slice (APNet2's `(y / env.clamp(1e-11))[:, 0, pad:-pad]`). */
function istft(): Uint8Array {
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, NFFT, T]]], outputs: ['out'], opset: 13,
    nodes: [
      node('Mul', ['x', 'w'], ['xw']), node('ConvTranspose', ['xw', 'ola'], ['y'], { strides: [HOP] }),
      node('ConvTranspose', ['wsq', 'ola'], ['env0'], { strides: [HOP] }), node('Max', ['env0', 'tiny'], ['env']),
      node('Div', ['y', 'env'], ['q']), node('Reshape', ['q', 'shape'], ['flat']),
      node('Slice', ['flat', 'starts', 'ends', 'axes'], ['out']),
    ],
    initializers: [
      tensor('w', 'float32', [NFFT, 1], win), tensor('ola', 'float32', [NFFT, 1, NFFT], eye),
      tensor('wsq', 'float32', [1, NFFT, T], Array.from({ length: NFFT * T }, (_, k) => win[Math.floor(k / T)] ** 2)),
      tensor('tiny', 'float32', [], [1e-11]), tensor('shape', 'int64', [2], [1, LEN]),
      tensor('starts', 'int64', [1], [PAD]), tensor('ends', 'int64', [1], [LEN - PAD]), tensor('axes', 'int64', [1], [1]),
    ],
  }));
}

test('a quotient a slice cuts keeps float32 to the cut: the dropped edges no longer set the kept samples\' int8 range', async () => {
  const bytes = istft();
  // No --allow-degraded: the guard judges the int8 model before the islands after the search run float32, and with
  // the quotient quantized on its whole range (main before this rule) it read cosine 0.67 (the kept samples' int8
  // step ~6 for values within ±2; 0.0000 on APNet2) and refused.
  const { result } = await quantizeModelBytes(bytes, 'cut.onnx', {}, { mode: 'int8', int16: 'off', weightRounding: 'nearest' });
  const r = rng(3);
  let worst = 1;
  for (let s = 0; s < 3; s++) {
    const x = tensor('x', 'float32', [1, NFFT, T], Array.from({ length: NFFT * T }, () => 2 * r() - 1));
    const want = floats((await runOnnx(bytes, [x])).get('out')!);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, [x]), want));
  }
  assert.ok(worst > 0.999, `output cosine ${worst}`);
  const sg = result.model.subgraphs[0];
  const cut = sg.operators.find((op) => op.opcode === 'STRIDED_SLICE' || op.opcode === 'SLICE')!;
  assert.equal(sg.tensors[cut.inputs[0]].type, 'FLOAT32', 'the slice reads the float quotient');
  assert.ok(result.warnings.some((w) => w.includes('a quotient that a slice then cuts')), result.warnings.join('\n'));
});

test('a quotient read whole, or a slice of a product, is left to the other rules', () => {
  const f = (name: string, shape: number[]) => ({ name, shape, type: 'FLOAT32' });
  const c = (name: string, shape: number[]) => ({ name, shape, type: 'INT32', data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) });
  const sg = (opcode: string, slice: [number, number]) => ({
    tensors: [f('y', [1, 8]), f('d', [1, 8]), f('q', [1, 8]), f('out', [1, slice[1]]), c('b', [2]), c('s', [2])],
    operators: [{ opcode, inputs: [0, 1], outputs: [2] }, { opcode: 'SLICE', inputs: [2, 4, 5], outputs: [3] }],
    inputs: [0, 1], outputs: [3],
  });
  assert.deepEqual([...cutQuotientOps(sg('DIV', [1, 4]) as never)], [0, 1]);
  assert.equal(cutQuotientOps(sg('DIV', [1, 8]) as never).size, 0, 'a slice that keeps everything');
  assert.equal(cutQuotientOps(sg('MUL', [1, 4]) as never).size, 0, 'a product');
  const both = sg('DIV', [1, 4]);
  both.outputs.push(2);
  assert.equal(cutQuotientOps(both as never).size, 0, 'the whole quotient is an output too');
});
