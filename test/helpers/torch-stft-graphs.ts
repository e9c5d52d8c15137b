// Spectrogram front ends as torch ≥ 2.0's torch.onnx.export writes them at opset 17 (torch 1.13, the one here,
// cannot export aten::stft): written op for op from torch/onnx/symbolic_opset17.py (stft, _fft_r2c) and
// torch.functional.stft's centre padding. Used by test/convert/sweep7-seq.test.ts and scripts/export/exporter-patterns.ts.
//  - torch_melspec_op17: torchaudio MelSpectrogram(center=True, reflect) with power as `real² + imag²` (what
//    users write with return_complex=False): Reshape [1, 1, T], reflect Pad, Reshape [1, T + n_fft], STFT on the
//    rank-2 signal torch passes (no trailing [.., 1]), Transpose to [B, F, frames, 2], Pow, ReduceSum, mel MatMul,
//    Clip, Log.
//  - whisper_logmel_op17: Whisper's log_mel_spectrogram: the same STFT, the last frame dropped (Slice), magnitudes
//    squared, filters @ magnitudes, clamp 1e-10, log10 (Log / ln 10), max(x, x.max() - 8), (x + 4) / 4.
//  - rfft_frames_op17: torch.fft.rfft over windowed frames [B, frames, n]: Unsqueeze(-1), DFT(axis 2, onesided),
//    |X| by Pow / ReduceSum / Sqrt, log1p.
import type { Model, Node, Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';

export interface TorchStftGraph { name: string; model: Model; inputs: Tensor[]; note: string }

const i64 = (name: string, v: number[], dims = [v.length]): Tensor => tensor(name, 'int64', dims, v);
const f32 = (name: string, dims: number[], v: ArrayLike<number>): Tensor => tensor(name, 'float32', dims, v);

function hann(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)); // periodic, as torch
}

/** A triangular mel filter bank [bins, mels] (HTK scale, as torchaudio's melscale_fbanks). */
function melBank(bins: number, mels: number, sr: number): number[] {
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1);
  const pts = Array.from({ length: mels + 2 }, (_, i) => hz((mel(sr / 2) * i) / (mels + 1)));
  const out = new Array<number>(bins * mels).fill(0);
  for (let b = 0; b < bins; b++) {
    const f = (b * sr) / 2 / (bins - 1);
    for (let m = 0; m < mels; m++) {
      const up = (f - pts[m]!) / (pts[m + 1]! - pts[m]!);
      const down = (pts[m + 2]! - f) / (pts[m + 2]! - pts[m + 1]!);
      out[b * mels + m] = Math.max(0, Math.min(up, down));
    }
  }
  return out;
}

function wave(n: number): Tensor {
  return f32('wave', [1, n], Array.from({ length: n }, (_, i) => Math.sin(i * 0.05) * 0.5 + Math.sin(i * 0.31 + 1) * 0.2 + ((i * 7919) % 101) / 500 - 0.1));
}

/** torch.functional.stft's centre padding and symbolic_opset17.stft: [1, T] → [1, n_fft / 2 + 1, frames, 2]. */
function stftNodes(nFft: number, hop: number, samples: number): { nodes: Node[]; inits: Tensor[]; out: string } {
  const nodes = [
    node('Reshape', ['wave', 'shape3'], ['w3']),
    node('Pad', ['w3', 'pads'], ['padded'], { mode: 'reflect' }),
    node('Reshape', ['padded', 'shape2'], ['signal']),
    node('STFT', ['signal', 'step', 'window', 'length'], ['stft'], { onesided: 1 }),
    node('Transpose', ['stft'], ['spec'], { perm: [0, 2, 1, 3] }),
  ];
  const inits = [
    i64('shape3', [1, 1, samples]), i64('pads', [0, 0, nFft / 2, 0, 0, nFft / 2]), i64('shape2', [1, samples + nFft]),
    i64('step', [hop], []), i64('length', [nFft], []), f32('window', [nFft], hann(nFft)),
  ];
  return { nodes, inits, out: 'spec' };
}

function melspec(): TorchStftGraph {
  const [nFft, hop, samples, mels] = [400, 160, 8000, 40];
  const s = stftNodes(nFft, hop, samples);
  const model = buildModel({
    opset: 17, producer: 'pytorch',
    inputs: [['wave', 'float32', [1, samples]]], outputs: ['logmel'],
    initializers: [...s.inits, f32('two', [], [2]), i64('last', [-1]), f32('fb', [nFft / 2 + 1, mels], melBank(nFft / 2 + 1, mels, 16000)), f32('floor', [], [1e-10])],
    nodes: [...s.nodes,
      node('Pow', [s.out, 'two'], ['sq']),
      node('ReduceSum', ['sq', 'last'], ['power'], { keepdims: 0 }),
      node('Transpose', ['power'], ['powerT'], { perm: [0, 2, 1] }),
      node('MatMul', ['powerT', 'fb'], ['melT']),
      node('Transpose', ['melT'], ['mel'], { perm: [0, 2, 1] }),
      node('Clip', ['mel', 'floor'], ['clipped']),
      node('Log', ['clipped'], ['logmel'])],
  });
  return { name: 'torch_melspec_op17', model, inputs: [wave(samples)], note: 'torchaudio MelSpectrogram (center, reflect), STFT on a rank-2 signal' };
}

function whisperLogmel(): TorchStftGraph {
  const [nFft, hop, samples, mels] = [400, 160, 8000, 80];
  const s = stftNodes(nFft, hop, samples);
  const frames = Math.floor(samples / hop) + 1;
  const model = buildModel({
    opset: 17, producer: 'pytorch',
    inputs: [['wave', 'float32', [1, samples]]], outputs: ['features'],
    initializers: [...s.inits, i64('s0', [0]), i64('s1', [frames - 1]), i64('sAxis', [2]), f32('two', [], [2]), i64('last', [-1]),
      f32('filters', [mels, nFft / 2 + 1], (() => { const b = melBank(nFft / 2 + 1, mels, 16000); return Array.from({ length: b.length }, (_, i) => b[(i % (nFft / 2 + 1)) * mels + Math.floor(i / (nFft / 2 + 1))]!); })()),
      f32('floor', [], [1e-10]), f32('ln10', [], [Math.log(10)]), f32('eight', [], [8]), f32('four', [], [4])],
    nodes: [...s.nodes,
      node('Slice', [s.out, 's0', 's1', 'sAxis'], ['cut']),
      node('Pow', ['cut', 'two'], ['sq']),
      node('ReduceSum', ['sq', 'last'], ['mag'], { keepdims: 0 }),
      node('MatMul', ['filters', 'mag'], ['mel']),
      node('Clip', ['mel', 'floor'], ['clipped']),
      node('Log', ['clipped'], ['ln']),
      node('Div', ['ln', 'ln10'], ['log10']),
      node('ReduceMax', ['log10'], ['top'], { keepdims: 0 }),
      node('Sub', ['top', 'eight'], ['lowest']),
      node('Max', ['log10', 'lowest'], ['kept']),
      node('Add', ['kept', 'four'], ['shifted']),
      node('Div', ['shifted', 'four'], ['features'])],
  });
  return { name: 'whisper_logmel_op17', model, inputs: [wave(samples)], note: "Whisper's log_mel_spectrogram on STFT" };
}

function rfftFrames(): TorchStftGraph {
  const [frames, n] = [20, 256];
  const data = Array.from({ length: frames * n }, (_, i) => Math.sin(i * 0.07) + ((i * 31) % 17) / 40);
  const model = buildModel({
    opset: 17, producer: 'pytorch',
    inputs: [['frames', 'float32', [1, frames, n]]], outputs: ['logmag'],
    initializers: [f32('window', [n], hann(n)), i64('lastAxis', [-1]), f32('two', [], [2]), f32('one', [], [1])],
    nodes: [
      node('Mul', ['frames', 'window'], ['windowed']),
      node('Unsqueeze', ['windowed', 'lastAxis'], ['real']),
      node('DFT', ['real'], ['spec'], { axis: 2, onesided: 1 }),
      node('Pow', ['spec', 'two'], ['sq']),
      node('ReduceSum', ['sq', 'lastAxis'], ['power'], { keepdims: 0 }),
      node('Sqrt', ['power'], ['mag']),
      node('Add', ['mag', 'one'], ['mag1']),
      node('Log', ['mag1'], ['logmag'])],
  });
  return { name: 'rfft_frames_op17', model, inputs: [f32('frames', [1, frames, n], data)], note: 'torch.fft.rfft over windowed frames (DFT)' };
}

/** The centred (reflect-padded), Hann-windowed power spectrogram of `x` in float64: [frames][n / 2 + 1]. */
function powerFloat64(x: Float32Array, n: number, hop: number): number[][] {
  const [t, pad] = [x.length, n / 2];
  const xp = Float64Array.from({ length: t + 2 * pad }, (_, i) => x[Math.abs(i - pad) >= t ? 2 * (t - 1) - (i - pad) : Math.abs(i - pad)]!);
  const win = hann(n);
  return Array.from({ length: Math.floor(t / hop) + 1 }, (_, f) => Array.from({ length: n / 2 + 1 }, (_, k) => {
    let [re, im] = [0, 0];
    for (let j = 0; j < n; j++) {
      const v = xp[f * hop + j]! * win[j]!;
      const a = (2 * Math.PI * ((k * j) % n)) / n;
      re += v * Math.cos(a);
      im -= v * Math.sin(a);
    }
    return re * re + im * im;
  }));
}

/** The STFT graphs' outputs computed in float64 from their inputs (the models' own mel matrices): the yardstick
 *  for both runtimes, whose float32 STFTs differ most in the quietest bands. */
export function stftFloat64(g: TorchStftGraph): Float64Array {
  const init = (name: string) => g.model.graph.initializers.get(name);
  const hop = Number((init('step')!.data as BigInt64Array)[0]);
  const x = g.inputs[0].data as Float32Array;
  if (g.name === 'torch_melspec_op17') {
    const [bins, mels] = init('fb')!.dims as [number, number];
    const fb = init('fb')!.data as Float32Array;
    const power = powerFloat64(x, (bins - 1) * 2, hop);
    const out = new Float64Array(mels * power.length);
    power.forEach((p, f) => {
      for (let m = 0; m < mels; m++) out[m * power.length + f] = Math.log(Math.max(p.reduce((acc, v, k) => acc + v * fb[k * mels + m]!, 0), 1e-10));
    });
    return out;
  }
  const [mels, bins] = init('filters')!.dims as [number, number];
  const filters = init('filters')!.data as Float32Array;
  const power = powerFloat64(x, (bins - 1) * 2, hop).slice(0, -1);
  const log10 = new Float64Array(mels * power.length);
  power.forEach((p, f) => {
    for (let m = 0; m < mels; m++) log10[m * power.length + f] = Math.log10(Math.max(p.reduce((acc, v, k) => acc + v * filters[m * bins + k]!, 0), 1e-10));
  });
  const top = Math.max(...log10);
  return log10.map((v) => (Math.max(v, top - 8) + 4) / 4);
}

export function torchStftGraphs(): TorchStftGraph[] {
  return [melspec(), whisperLogmel(), rfftFrames()];
}
