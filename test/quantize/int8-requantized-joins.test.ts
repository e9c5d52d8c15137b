// Join inputs that keep their own int8 scale and enter the join through an int8 → int8 QUANTIZE
// (int8-requantized-joins.ts):
// - A fixed-scale output (TANH: int8 scale 1/128, ±1) concatenated with a wider tensor gave its scale to the whole
//   join (TFLite's CONCATENATION takes one scale) and clipped the wider input to ±1: CREStereo's ConvGRU joins its
//   correlation means (±30) with its TANH hidden state (guard 0.9776, the join 40 dB → 2 dB). Now the TANH output is
//   requantized into the join's scale and the join takes its other inputs' range.
// - A U-Net's skip join inside the network (TBEFN, tf2onnx): an encoder layer's narrow output (a conv + RELU of a dark
//   picture) is joined with a decoder's wide one (a TRANSPOSE_CONV, float32 in int8 models) and also read by the next
//   encoder layer. With the join's one scale given to its producer, the whole encoder below read it at the joint
//   step (TBEFN's first encoder layer: 7 levels, 12.5 dB). It now keeps its own scale and is requantized into the
//   join's.
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

/** x [1, 3, 16, 16] → conv 3→8 + relu (`enc`, narrow) → max pool → conv 8→8 + relu (`deep`, an output: the encoder
 *  path) → ConvTranspose ×2 with large weights (`up`, wide) → Concat(enc, up) → conv 16→4 (`y`). */
function unet(): Uint8Array {
  const r = rng(5);
  const w = (name: string, dims: number[], s: number, c = 0) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => (r() - 0.5) * s + c));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['deep', 'y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c1'], ['enc']),
      node('MaxPool', ['enc'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] }),
      node('Conv', ['p1', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c2'], ['deep']),
      node('ConvTranspose', ['deep', 'wt', 'bt'], ['up'], { kernel_shape: [2, 2], strides: [2, 2] }),
      node('Concat', ['enc', 'up'], ['joined'], { axis: 1 }),
      node('Conv', ['joined', 'w3', 'b3'], ['y'], { kernel_shape: [1, 1] }),
    ],
    initializers: [w('w1', [8, 3, 3, 3], 0.6), w('b1', [8], 0.02, 0.01), w('w2', [8, 8, 3, 3], 1.5), w('b2', [8], 0.05),
      w('wt', [8, 8, 2, 2], 120), w('bt', [8], 2), w('w3', [4, 16, 1, 1], 0.5), w('b3', [4], 0.1)],
  }));
}

function snrDb(got: Float32Array, want: Float32Array): number {
  let e = 0;
  let s = 0;
  for (let i = 0; i < want.length; i++) { e += (got[i] - want[i]) ** 2; s += want[i] ** 2; }
  return 10 * Math.log10(s / e);
}

test('a narrow encoder output joined with a wide decoder output keeps its own int8 scale for its other readers', async () => {
  const bytes = unet();
  const r = rng(9);
  // A dark picture: 0-0.3.
  const x = () => tensor('x', 'float32', [1, 3, 16, 16], Array.from({ length: 3 * 16 * 16 }, () => r() * 0.3));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-rqjoin-'));
  for (let k = 0; k < 8; k++) {
    const sub = path.join(dir, `s${k}`);
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'input_0.npy'), encodeNpy(x()));
  }
  const { result } = await quantizeModelBytes(bytes, 'unet.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  const concat = sg.operators.find((o) => o.opcode === 'CONCATENATION')!;
  const y = sg.tensors[concat.outputs[0]];
  assert.equal(y.type, 'INT8', 'the join stays int8');
  // The encoder output as the conv writes it (read by the max pool) has a finer scale than the join's.
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D' && sg.tensors[o.inputs[0]].shape[3] === 3)!;
  const enc = sg.tensors[conv.outputs[0]];
  assert.ok(enc.quantization!.scale[0] < y.quantization!.scale[0] / 4, `encoder scale ${enc.quantization!.scale[0]}, join scale ${y.quantization!.scale[0]}`);
  // ... and enters the join through an int8 → int8 QUANTIZE into the join's scale.
  const into = sg.operators.find((o) => o.outputs.includes(concat.inputs[0]))!;
  assert.equal(into.opcode, 'QUANTIZE');
  assert.equal(sg.tensors[into.inputs[0]].type, 'INT8');
  assert.deepEqual(sg.tensors[concat.inputs[0]].quantization!.scale, y.quantization!.scale);
  // The encoder path below keeps its accuracy: measured 34-36 dB with its own scale, 15-17 dB at the join's.
  const s = await openConverted(serializeTflite(result.model));
  let worst = Infinity;
  try {
    for (let k = 0; k < 4; k++) {
      const feeds = [x()];
      const want = await runOnnx(bytes, feeds);
      const got = await s.run(feeds);
      worst = Math.min(worst, snrDb(floats(got.get('deep')!), floats(want.get('deep')!)));
      assert.ok(snrDb(floats(got.get('y')!), floats(want.get('y')!)) > 20, 'the joined output holds');
    }
  } finally {
    s.close();
  }
  assert.ok(worst > 25, `encoder path SNR ${worst.toFixed(1)} dB`);
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
