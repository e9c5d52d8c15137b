// Normalizations' means over many elements (src/convert/ops/_norm.ts): LiteRT sums a MEAN in one float32 pass, whose
// rounding grows with the count, so a mean over several axes and more than 4096 elements is taken one axis at a time.
// Measured here against the statistics in double on LiteRT: unet3d's GroupNorm over a 16×32×32 volume was 3.7e-5 off
// float64 in one pass (onnxruntime 6.2e-6), 3.0e-7 staged; this [1, 4, 16, 32, 32] InstanceNorm 2.8e-6 → 5.9e-7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { runTflite } from '../../src/runtime/litert';
import { makeTensor } from '../../src/ir/tensor';
import { modelIo, prepareInputs, toOnnxView } from '../../src/deploy/tensors';
import { seededUniform } from '../../src/core/random';

/** InstanceNormalization (scale 1, bias 0) of `dims` on LiteRT against the same in double: max|diff| / max|ref|, and
 *  the MEAN ops written. Inputs 4 + U[0, 1): an offset makes a one-pass float32 sum lose the small differences. */
async function instanceNorm(dims: number[]): Promise<{ rel: number; means: number }> {
  const c = dims[1]!;
  const m = buildModel({
    opset: 13, inputs: [['x', 'float32', dims]], outputs: [['y', 'float32', dims]],
    initializers: [tensor('s', 'float32', [c], new Array(c).fill(1)), tensor('b', 'float32', [c], new Array(c).fill(0))],
    nodes: [node('InstanceNormalization', ['x', 's', 'b'], ['y'], { epsilon: 1e-5 })],
  });
  const model = convertModel(m).model;
  const bytes = serializeTflite(model);
  const rnd = seededUniform(3);
  const n = dims.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n }, () => 4 + rnd());
  const io = modelIo(parseTflite(bytes));
  const [out] = await runTflite(bytes, prepareInputs(io.inputs, [makeTensor('x', 'float32', dims, x)], 1).device);
  const got = toOnnxView(io.outputs[0]!, out!).data as Float32Array;
  const per = n / (dims[0]! * c);
  let diff = 0, max = 0;
  for (let k = 0; k < n / per; k++) {
    let s = 0;
    for (let i = 0; i < per; i++) s += x[k * per + i]!;
    const mean = s / per;
    let v = 0;
    for (let i = 0; i < per; i++) v += (x[k * per + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / per + 1e-5);
    for (let i = 0; i < per; i++) {
      const r = (x[k * per + i]! - mean) * inv;
      diff = Math.max(diff, Math.abs(got[k * per + i]! - r));
      max = Math.max(max, Math.abs(r));
    }
  }
  const means = model.subgraphs[0]!.operators.filter((o) => o.opcode === 'MEAN').length;
  return { rel: diff / max, means };
}

test('a mean over several axes and more than 4096 elements is taken one axis at a time', async () => {
  // [1, 4, 16, 32, 32]: 16,384 elements per channel over three axes (a 3-D InstanceNorm, unet3d's GroupNorm form).
  const r = await instanceNorm([1, 4, 16, 32, 32]);
  assert.equal(r.means, 6, 'mean and variance in three passes each');
  assert.ok(r.rel < 1.5e-6, `max rel ${r.rel} (one pass: 2.8e-6)`);
});

test('a mean over at most 4096 elements stays one MEAN', async () => {
  const r = await instanceNorm([1, 4, 64, 64]);
  assert.equal(r.means, 2);
  assert.ok(r.rel < 3e-6, `max rel ${r.rel}`);
});
