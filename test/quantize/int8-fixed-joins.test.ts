// A fixed-scale output (TANH: int8 scale 1/128, ±1) concatenated with a wider tensor gave its scale to the whole join
// (TFLite's CONCATENATION takes one scale) and clipped the wider input to ±1: CREStereo's ConvGRU joins its correlation
// means (±30) with its TANH hidden state (guard 0.9776, the join 40 dB → 2 dB). Now the TANH output is requantized
// into the join's scale (an int8 → int8 QUANTIZE) and the join takes its other inputs' range (int8-fixed-joins.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { encodeNpy } from '../../src/core/npy';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { cosine, floats, rng } from './helpers';

/** x [1, 4, 8, 8] → wide = conv(x) × 30 (correlations of ±30), hidden = tanh(conv(x)); concat on channels → conv → y
 *  (a ConvGRU's gate reading [correlations, hidden]). */
function gruInput(): Uint8Array {
  const r = rng(7);
  const w = (name: string, dims: number[], s: number) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => (r() - 0.5) * s));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 4, 8, 8]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wa', 'ba'], ['ca'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Mul', ['ca', 'k'], ['wide']),
      node('Conv', ['x', 'wh', 'bh'], ['ch'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Tanh', ['ch'], ['hidden']),
      node('Concat', ['wide', 'hidden'], ['joined'], { axis: 1 }),
      node('Conv', ['joined', 'wy', 'by'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [w('wa', [4, 4, 3, 3], 1), w('ba', [4], 0.2), tensor('k', 'float32', [1], [30]), w('wh', [4, 4, 3, 3], 1.5), w('bh', [4], 0.2),
      w('wy', [4, 8, 3, 3], 0.5), w('by', [4], 0.1)],
  }));
}

test('a TANH output joined with a wider tensor is requantized into the join\'s scale instead of clipping it', async () => {
  const bytes = gruInput();
  if (process.env.FIXJOIN_ONNX) fs.writeFileSync(process.env.FIXJOIN_ONNX, bytes);
  const r = rng(11);
  const x = () => tensor('x', 'float32', [1, 4, 8, 8], Array.from({ length: 4 * 64 }, () => r() * 2 - 1));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-fixjoin-'));
  for (let k = 0; k < 8; k++) {
    fs.mkdirSync(path.join(dir, `s${k}`));
    fs.writeFileSync(path.join(dir, `s${k}`, 'input_0.npy'), encodeNpy(x()));
  }
  const { result, summary } = await quantizeModelBytes(bytes, 'gru.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  if (process.env.FIXJOIN_DUMP) fs.writeFileSync(process.env.FIXJOIN_DUMP, serializeTflite(result.model));
  const cat = sg.operators.find((o) => o.opcode === 'CONCATENATION')!;
  assert.ok(cat && cat.inputs.every((i) => sg.tensors[i].type === 'INT8'), 'the join is int8');
  const scales = [...cat.inputs, ...cat.outputs].map((i) => sg.tensors[i].quantization!.scale[0]);
  assert.ok(scales.every((s) => s === scales[0]) && scales[0] > 0.1, `the join's scale covers the wide input (scales ${scales})`);
  const requant = sg.operators.find((o) => o.opcode === 'QUANTIZE' && o.outputs[0] === cat.inputs[1]);
  assert.ok(requant && sg.tensors[requant.inputs[0]].type === 'INT8', 'the TANH output enters the join through an int8 → int8 QUANTIZE');
  let worst = 1;
  for (let k = 0; k < 4; k++) {
    const feeds = [x()];
    const want = floats((await runOnnx(bytes, feeds)).get('y')!);
    const s = await openConverted(serializeTflite(result.model));
    const got = floats((await s.run(feeds).finally(() => s.close())).get('y')!);
    worst = Math.min(worst, cosine(got, want));
  }
  // The TANH's scale on the join (1/128) clipped the ±30 input to ±1 (the scale check above fails without the rule).
  assert.ok(worst > 0.99 && summary.int8Cosine! > 0.99, `output cosine ${worst}, plain int8 ${summary.int8Cosine}`);
});

/** As gruInput, the TANH output first repeated along W by a Split into pieces and a Concat of them (torch's
 *  repeat_interleave: LPCNet's frame conditioning repeated per sample before it joins the sample embeddings). */
function repeatedTanh(): Uint8Array {
  const r = rng(9);
  const w = (name: string, dims: number[], s: number) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => (r() - 0.5) * s));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 4, 8, 8]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wa', 'ba'], ['ca'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Mul', ['ca', 'k'], ['wide']),
      node('Conv', ['x', 'wh', 'bh'], ['ch'], { kernel_shape: [1, 2], strides: [1, 2] }), node('Tanh', ['ch'], ['hidden']),
      node('Split', ['hidden'], ['h0', 'h1', 'h2', 'h3'], { axis: 3 }),
      node('Concat', ['h0', 'h0', 'h1', 'h1', 'h2', 'h2', 'h3', 'h3'], ['rep'], { axis: 3 }),
      node('Concat', ['wide', 'rep'], ['joined'], { axis: 1 }),
      node('Conv', ['joined', 'wy', 'by'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ],
    initializers: [w('wa', [4, 4, 3, 3], 1), w('ba', [4], 0.2), tensor('k', 'float32', [1], [30]), w('wh', [4, 4, 1, 2], 1.5), w('bh', [4], 0.2),
      w('wy', [4, 8, 3, 3], 0.5), w('by', [4], 0.1)],
  }));
}

test('a TANH output repeated by a join of its pieces is still requantized into the wider join after it', async () => {
  const bytes = repeatedTanh();
  const r = rng(13);
  const x = () => tensor('x', 'float32', [1, 4, 8, 8], Array.from({ length: 4 * 64 }, () => r() * 2 - 1));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-fixjoin-rep-'));
  for (let k = 0; k < 8; k++) {
    fs.mkdirSync(path.join(dir, `s${k}`));
    fs.writeFileSync(path.join(dir, `s${k}`, 'input_0.npy'), encodeNpy(x()));
  }
  const { result, summary } = await quantizeModelBytes(bytes, 'rep.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  const cats = sg.operators.filter((o) => o.opcode === 'CONCATENATION');
  const last = cats[cats.length - 1];
  const scales = [...last.inputs, ...last.outputs].map((i) => sg.tensors[i].quantization!.scale[0]);
  // Without the rule the repeated TANH's 1/128 was the wider join's scale too, clipping the ±30 input to ±1.
  assert.ok(scales.every((s) => s === scales[0]) && scales[0] > 0.1, `the wider join's scale covers the wide input (scales ${scales})`);
  assert.ok(summary.int8Cosine! > 0.99, `plain int8 ${summary.int8Cosine}`);
});
