// Precise weights (src/quantize/precise-weights.ts): the op whose int8 weight rounding alone breaks the output ranks
// first, and the int8 search keeps it float32 with float16-stored weights (not int8 behind a DEQUANTIZE; pinned so
// XNNPack unpacks them once) within the size budget; real LiteRT against onnxruntime-node.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { runOnnx } from '../../src/runtime/ort';
import { quantizeModelBytes } from '../../src/quantize/file';
import { makeScorer } from '../../src/quantize/sensitivity';
import { rankWeightOps, weightOps } from '../../src/quantize/precise-weights';
import { serializeTflite } from '../../src/tflite/writer';
import { fp16Pins } from '../../src/quantize/fp16-filters';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import type { Tensor } from '../../src/ir/types';
import { encodeNpy } from '../../src/core/npy';
import { cosine, floats, rng, runFirstOutput } from './helpers';

const C = 64;

/** Two 1x1 convs 64 → 64 (4096 weights each: stored int8), then a 3x3 one (room in the size budget). The first
 *  has one weight of 60 per output channel (on input channel 0, which is near 0) beside weights of ±0.5:
 *  per-channel int8 (step 60/127) rounds those to 0 or ±0.47 and the output changes; the others are ordinary. */
function outlierModel(): Uint8Array {
  const r = rng(21);
  const w1 = Array.from({ length: C * C }, (_, i) => (i % C === 0 ? 60 : (r() - 0.5)));
  const w2 = Array.from({ length: C * C }, () => (r() - 0.5) * 0.5);
  const w3 = Array.from({ length: C * C * 9 }, () => (r() - 0.5) * 0.2);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, C, 8, 8]]], outputs: [['y', 'float32', [1, C, 8, 8]]],
    initializers: [tensor('w1', 'float32', [C, C, 1, 1], w1), tensor('w2', 'float32', [C, C, 1, 1], w2), tensor('w3', 'float32', [C, C, 3, 3], w3)],
    nodes: [
      node('Conv', ['x', 'w1'], ['a'], {}, 'conv_outlier'), node('Conv', ['a', 'w2'], ['b'], {}, 'conv_plain'),
      node('Conv', ['b', 'w3'], ['y'], { pads: [1, 1, 1, 1] }, 'conv_3x3'),
    ],
  }));
}

/** Inputs in [0, 1), channel 0 scaled down to [0, 0.001). */
const sample = (seed: number): Tensor[] => {
  const data = Float32Array.from({ length: C * 64 }, rng(seed));
  for (let i = 0; i < 64; i++) data[i] *= 0.001;
  return [{ name: 'x', dtype: 'float32', dims: [1, C, 8, 8], data }];
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-precise-weights-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('weight ranking: the conv whose int8 weights alone change the output ranks first', async () => {
  const bytes = outlierModel();
  const result = convertModel(decodeModel(bytes));
  const samples = [sample(1), sample(2)];
  const refs = await Promise.all(samples.map((s) => runOnnx(bytes, s)));
  const sg = result.model.subgraphs[0];
  assert.equal(weightOps(sg).length, 3);
  const ranked = await rankWeightOps(result, await makeScorer(result, samples, refs));
  assert.equal(sg.operators[ranked[0].op].onnxNode, 'conv_outlier');
  assert.ok(ranked[0].measure + 10 < ranked[1].measure, ranked.map((p) => `${sg.operators[p.op].onnxNode} ${p.measure.toFixed(1)} dB`).join(', '));
});

test('int8 keeps the weight-sensitive conv float32 with float16 weights: guard met, within the size budget, runs on LiteRT', async () => {
  const bytes = outlierModel();
  const floatBytes = serializeTflite(convertModel(decodeModel(bytes)).model).byteLength;
  for (let k = 0; k < 8; k++) fs.writeFileSync(path.join(tmp, `${k}.npy`), encodeNpy(sample(100 + k)[0]));
  const opts = { mode: 'int8' as const, calibration: tmp, weightRounding: 'nearest' as const, allowDegraded: true };
  const off = await quantizeModelBytes(bytes, 'w.onnx', {}, { ...opts, int16: 'off' });
  const auto = await quantizeModelBytes(bytes, 'w.onnx', {}, opts);
  assert.equal(auto.summary.floatWeightOps, 1, auto.result.warnings.join('\n'));
  assert.ok((auto.summary.cosine ?? 0) > (off.summary.cosine ?? 1), `auto ${auto.summary.cosine}, off ${off.summary.cosine}`);
  const sg = auto.result.model.subgraphs[0];
  const conv = sg.operators.find((o) => o.onnxNode === 'conv_outlier')!;
  // The weight: a DEQUANTIZE of a FLOAT16 constant, with the one-element SLICE reader (fp16-filters.ts).
  const deq = sg.operators.find((o) => o.outputs[0] === conv.inputs[1])!;
  assert.equal(deq.opcode, 'DEQUANTIZE');
  assert.equal(sg.tensors[deq.inputs[0]].type, 'FLOAT16');
  assert.equal(fp16Pins(sg).size, 1);
  assert.ok([...fp16Pins(sg)][0].inputs[0] === conv.inputs[1]);
  assert.equal(sg.tensors[conv.inputs[0]].type, 'FLOAT32');
  // Only that weight is float16; the other convs' weights stay int8.
  assert.equal(sg.tensors.filter((t) => t.type === 'FLOAT16').length, 1);
  assert.ok(serializeTflite(auto.result.model).byteLength <= 0.35 * floatBytes);
  const x = sample(9);
  const ref = floats([...(await runOnnx(bytes, x)).values()][0]);
  const got = await runFirstOutput(auto.result.model, x);
  const plain = await runFirstOutput(off.result.model, x);
  assert.ok(cosine(got, ref) > cosine(plain, ref), `float16 weights ${cosine(got, ref)}, int8 ${cosine(plain, ref)}`);
});
