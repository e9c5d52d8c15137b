// Waveform measures shared by the streaming speech enhancers' int8 checks (scripts/check-int8-gtcrn.ts,
// scripts/check-int8-dtln.ts): the SNR of one waveform against another, a mono WAV as float64 samples, a mean.
import * as fs from 'node:fs';
import { decodeWav } from '../src/calibration/wav';

/** 10·log10(Σ ref² / Σ (ref − got)²) in dB over the samples `margin` from either end (the streams' warm-up). */
export function waveSnr(ref: Float64Array, got: Float64Array, margin: number): number {
  let s = 0, e = 0;
  for (let i = margin; i < ref.length - margin; i++) { s += ref[i] * ref[i]; e += (ref[i] - got[i]) ** 2; }
  return 10 * Math.log10(s / Math.max(e, 1e-20));
}

export const readWav = (f: string) => Float64Array.from(decodeWav(new Uint8Array(fs.readFileSync(f)), f).samples);
export const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
