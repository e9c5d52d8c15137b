// .wav calibration samples: decoded (PCM / float, channels averaged), resampled to the model's rate, cut into
// windows of the input's length (the last zero-padded; round-robin over the files); a small audio model quantizes to int8 on espeak-ng speech and meets the guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decodeWav, loadWav, loadWavWindows, resample } from '../../src/calibration/wav';
import { loadCalibrationSamples } from '../../src/calibration/data';
import { quantizeModelBytes } from '../../src/quantize/file';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { rng } from '../quantize/helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-wav-'));

/** A 16-bit PCM WAVE file of `channels` interleaved channels. */
function wav(rate: number, channels: number[][]): Uint8Array {
  const n = channels[0].length;
  const c = channels.length;
  const out = new Uint8Array(44 + n * c * 2);
  const dv = new DataView(out.buffer);
  const tag = (o: number, s: string) => { for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i); };
  tag(0, 'RIFF'); dv.setUint32(4, 36 + n * c * 2, true); tag(8, 'WAVE');
  tag(12, 'fmt '); dv.setUint32(16, 16, true); dv.setUint16(20, 1, true); dv.setUint16(22, c, true);
  dv.setUint32(24, rate, true); dv.setUint32(28, rate * c * 2, true); dv.setUint16(32, c * 2, true); dv.setUint16(34, 16, true);
  tag(36, 'data'); dv.setUint32(40, n * c * 2, true);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) dv.setInt16(44 + (i * c + k) * 2, Math.round(channels[k][i] * 32767), true);
  return out;
}

test('decodeWav / resample / loadWav: stereo averaged, 8 kHz sine resampled to 16 kHz, fitted to the input', () => {
  const sine = Array.from({ length: 800 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 200 * i) / 8000));
  const file = path.join(tmp, 'sine.wav');
  fs.writeFileSync(file, wav(8000, [sine, sine.map((v) => v / 2)]));
  const d = decodeWav(fs.readFileSync(file), file);
  assert.equal(d.rate, 8000);
  assert.equal(d.samples.length, 800);
  assert.ok(Math.abs(d.samples[20] - 0.75 * sine[20]) < 1e-4);
  const up = resample(d.samples, 8000, 16000);
  assert.equal(up.length, 1600);
  for (let i = 0; i < 1500; i += 37) assert.ok(Math.abs(up[i] - 0.375 * Math.sin((2 * Math.PI * 200 * i) / 16000)) < 0.01, `sample ${i}`);
  const t = loadWav(file, { name: 'audio', dims: [1, 1, 2000] });
  assert.deepEqual(t.dims, [1, 1, 2000]);
  assert.equal((t.data as Float32Array)[1999], 0, 'zero-padded past the end');
  const cut = loadWav(file, { name: 'audio', dims: [1, 400] }, { sampleRate: 16000 });
  assert.equal(cut.data.length, 400);
  assert.throws(() => loadWav(file, { name: 'img', dims: [1, 3, 8, 8] }), /is not an audio input/);
  fs.writeFileSync(path.join(tmp, 'bad.wav'), 'RIFF....WAVEjunk');
  assert.throws(() => decodeWav(fs.readFileSync(path.join(tmp, 'bad.wav')), 'bad.wav'), /bad\.wav: no fmt or data chunk/);
});

test('a recording longer than the input gives one sample per window, round-robin over the files', () => {
  const dir = path.join(tmp, 'windows');
  fs.mkdirSync(dir);
  // a.wav: 2.5 windows of 400 samples (values = window number + 1), b.wav: 1 window.
  fs.writeFileSync(path.join(dir, 'a.wav'), wav(16000, [Array.from({ length: 1000 }, (_, i) => 0.1 * (Math.floor(i / 400) + 1))]));
  fs.writeFileSync(path.join(dir, 'b.wav'), wav(16000, [Array.from({ length: 400 }, () => -0.5)]));
  const input = { name: 'audio', dims: [1, 400] };
  const w = loadWavWindows(path.join(dir, 'a.wav'), input);
  assert.equal(w.length, 3);
  assert.ok(Math.abs((w[1].data as Float32Array)[0] - 0.2) < 1e-3, 'second window');
  assert.ok(Math.abs((w[2].data as Float32Array)[199] - 0.3) < 1e-3 && (w[2].data as Float32Array)[200] === 0, 'the last one zero-padded');
  const first = (t: { data: unknown }) => Math.round((t.data as Float32Array)[0] * 10) / 10;
  const samples = loadCalibrationSamples(dir, [{ name: 'audio', dtype: 'float32', dims: [1, 400] }]);
  assert.deepEqual(samples.map((s) => first(s[0])), [0.1, -0.5, 0.2, 0.3], 'every first window, then the second ones...');
  assert.equal(loadCalibrationSamples(dir, [{ name: 'audio', dtype: 'float32', dims: [1, 400] }], { count: 2 }).length, 2);
});

test('int8 calibrated on espeak-ng speech (.wav, 22.05 kHz → 16 kHz) meets the guard on a 1-D conv front end', async (t) => {
  if (spawnSync('espeak-ng', ['--version']).status !== 0) return t.skip('espeak-ng is not installed');
  const dir = path.join(tmp, 'speech');
  fs.mkdirSync(dir);
  const lines = ['turn on the kitchen lights', 'what is the weather tomorrow', 'set a timer for ten minutes', 'play some music'];
  lines.forEach((text, k) => {
    const r = spawnSync('espeak-ng', ['-w', path.join(dir, `${k}.wav`), '-s', String(140 + 15 * k), text]);
    assert.equal(r.status, 0, String(r.stderr));
  });
  const dims = [1, 1, 8000];
  const samples = loadCalibrationSamples(dir, [{ name: 'audio', dtype: 'float32', dims }]);
  assert.ok(samples.length > lines.length, `each 1-2 s recording gives several 0.5 s windows (${samples.length})`);
  assert.ok((samples[0][0].data as Float32Array).some((v) => Math.abs(v) > 0.05), 'speech, not silence');
  // Conv1d 1→8 (k 64, stride 32) + Relu + Conv1d 8→8 (k 3): a learned filter bank's shape.
  const r = rng(5);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const model = encodeModel(buildModel({
    inputs: [['audio', 'float32', dims]], outputs: [['y', 'float32', [1, 8, 247]]],
    initializers: [tensor('w1', 'float32', [8, 1, 64], w(512, 0.5)), tensor('w2', 'float32', [8, 8, 3], w(192, 0.6))],
    nodes: [node('Conv', ['audio', 'w1'], ['c1'], { strides: [32] }), node('Relu', ['c1'], ['r1']), node('Conv', ['r1', 'w2'], ['y'])],
  }));
  const q = await quantizeModelBytes(model, 'audio.onnx', {}, { mode: 'int8', calibration: dir });
  assert.equal(q.summary.calibrationSamples, samples.length);
  assert.equal(q.summary.guard?.met, true);
  assert.ok((q.summary.cosine ?? 0) >= 0.99, `cosine ${q.summary.cosine}`);
});

test('a .wav of 0 samples, and a header rate that would resample to gigabytes, are one line each', () => {
  assert.throws(() => decodeWav(wav(16000, [[]]), 'empty.wav'), /calibration file empty\.wav: it holds no samples/);
  const oneHz = path.join(tmp, 'one-hz.wav');
  fs.writeFileSync(oneHz, wav(1, [new Array(20000).fill(0.1)]));
  assert.throws(() => loadWav(oneHz, { name: 'audio', dims: [1, 16000] }), /gives 320000000 samples, over 134217728; is the file's sample rate right\?/);
});
