// .wav calibration samples for audio models: PCM (8/16/24/32-bit integer) or IEEE float (32/64-bit) WAVE files,
// channels averaged to mono, resampled linearly to the model's sample rate (default 16 kHz), then cut into windows of the
// input's length (the last zero-padded) and shaped like the input ([N], [1, N], [1, 1, N] ...: the last dim is time).
import * as fs from 'node:fs';
import type { Tensor } from '../ir/types';
import { ModelError } from '../ir/types';

export const DEFAULT_SAMPLE_RATE = 16000;
/** Most samples a resampled file may hold (2^27: 512 MB of float32). */
const MAX_RESAMPLED = 2 ** 27;

export interface WavOptions {
  /** The model's sample rate in Hz (default 16000). */
  sampleRate?: number;
}

/** Decodes a WAVE file to mono float samples in [-1, 1] and its sample rate. */
export function decodeWav(bytes: Uint8Array, file: string): { rate: number; samples: Float32Array } {
  const bad = (why: string) => new ModelError(`calibration file ${file}: ${why}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw bad('not a WAVE (.wav) file');
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  for (let o = 12; o + 8 <= bytes.length;) {
    const id = tag(o);
    const size = dv.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'fmt ' && size >= 16) {
      let format = dv.getUint16(body, true);
      if (format === 0xfffe && size >= 26) format = dv.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
      fmt = { format, channels: dv.getUint16(body + 2, true), rate: dv.getUint32(body + 4, true), bits: dv.getUint16(body + 14, true) };
    } else if (id === 'data') {
      data = bytes.subarray(body, Math.min(bytes.length, body + size));
    }
    o = body + size + (size & 1);
  }
  if (!fmt || !data) throw bad('no fmt or data chunk');
  const { format, channels, rate, bits } = fmt;
  const pcm = format === 1 && [8, 16, 24, 32].includes(bits);
  const flt = format === 3 && (bits === 32 || bits === 64);
  if (!pcm && !flt) throw bad(`unsupported WAVE encoding (format ${format}, ${bits} bits): use PCM or float`);
  if (!channels || !rate) throw bad('no channels or no sample rate');
  const step = bits / 8;
  const frames = Math.floor(data.length / (step * channels));
  if (frames === 0) throw bad('it holds no samples');
  const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (o: number): number => {
    if (flt) return bits === 32 ? d.getFloat32(o, true) : d.getFloat64(o, true);
    if (bits === 8) return (d.getUint8(o) - 128) / 128;
    if (bits === 16) return d.getInt16(o, true) / 32768;
    if (bits === 24) return ((d.getUint8(o) | (d.getUint8(o + 1) << 8) | (d.getInt8(o + 2) << 16))) / 8388608;
    return d.getInt32(o, true) / 2147483648;
  };
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += read((f * channels + c) * step);
    out[f] = s / channels;
  }
  return { rate, samples: out };
}

/** Linear resampling from `from` Hz to `to` Hz. */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x;
  const n = Math.max(1, Math.round((x.length * to) / from));
  // A corrupt header's rate (1 Hz) would resample a second of audio to gigabytes.
  if (n > MAX_RESAMPLED) throw new ModelError(`resampling ${x.length} samples from ${from} Hz to ${to} Hz gives ${n} samples, over ${MAX_RESAMPLED}; is the file's sample rate right?`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i * from) / to;
    const k = Math.floor(t);
    const a = x[Math.min(k, x.length - 1)];
    const b = x[Math.min(k + 1, x.length - 1)];
    out[i] = a + (b - a) * (t - k);
  }
  return out;
}

/** A .wav file as a sample for a float input whose last dim is time and all others 1 (its first window). */
export function loadWav(file: string, input: { name: string; dims: number[] }, opts: WavOptions = {}): Tensor {
  return loadWavWindows(file, input, opts, 1)[0];
}

/** A .wav file as samples: consecutive windows of the input's length, the last one zero-padded (a recording longer
 *  than the input is cut the way a streaming application feeds it; its quiet end and the padding are inputs too:
 *  calibrated on first windows only, the dB floor of torchaudio's MFCC on a padded last window fell outside the
 *  int8 range, cosine 0.979). At most `max` windows. */
export function loadWavWindows(file: string, input: { name: string; dims: number[] }, opts: WavOptions = {}, max = Infinity): Tensor[] {
  const dims = input.dims;
  const n = dims[dims.length - 1];
  if (!dims.length || dims.slice(0, -1).some((d) => d !== 1) || !(n > 0)) {
    throw new ModelError(`calibration file ${file}: input "${input.name}" [${dims.join(', ')}] is not an audio input (want [N], [1, N] or [1, 1, N])`);
  }
  const { rate, samples } = decodeWav(fs.readFileSync(file), file);
  const x = resample(samples, rate, opts.sampleRate ?? DEFAULT_SAMPLE_RATE);
  const out: Tensor[] = [];
  for (let s = 0; out.length < max && (s === 0 || s < x.length); s += n) {
    const data = new Float32Array(n);
    data.set(x.subarray(s, s + n));
    out.push({ name: input.name, dtype: 'float32', dims: [...dims], data });
  }
  return out;
}
