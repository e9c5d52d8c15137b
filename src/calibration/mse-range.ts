// `--calibration-method mse`: the activation range whose int8 quantization error is smallest on the calibration
// data. Each sample's values go into a histogram over that sample's own min..max (exact zeros apart: int8 keeps
// them exactly, and ReLU outputs are half zeros); at the end the histograms are merged over the overall min..max and
// every candidate range [lo·i/N, hi·j/N] is scored in O(1) from prefix sums: values inside cost the rounding noise
// scale²/12 each (scale = range / 255, the range widened to include 0 as TFLite's parameters are), values outside
// cost their squared distance to the range (clipping). Trained networks' long-tailed activations get a range that
// clips the rare outliers instead of spending the 256 levels on them; a range with nothing to clip stays min..max.
import type { Range } from '../quantize/params';

const SAMPLE_BINS = 2048;
const MERGED_BINS = 4096;
/** Candidate ends per side: lo·i/STEPS and hi·j/STEPS. */
const STEPS = 128;

interface SampleHistogram { lo: number; hi: number; counts: Uint32Array }

/** The histograms of one tensor over the samples. */
export class MseHistogram {
  private readonly samples: SampleHistogram[] = [];
  private zeros = 0;

  add(data: ArrayLike<number>, lo: number, hi: number): void {
    const counts = new Uint32Array(SAMPLE_BINS);
    const w = (hi - lo) / SAMPLE_BINS;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v === 0) { this.zeros++; continue; }
      if (!Number.isFinite(v)) continue;
      counts[w > 0 ? Math.min(SAMPLE_BINS - 1, Math.floor((v - lo) / w)) : 0]++;
    }
    this.samples.push({ lo, hi, counts });
  }

  /** The range with the least estimated int8 error, within [lo, hi] (the overall min / max). */
  range(lo: number, hi: number): Range {
    if (!(hi > lo) || !this.samples.length) return { min: lo, max: hi };
    const gw = (hi - lo) / MERGED_BINS;
    const c = new Float64Array(MERGED_BINS + 1);
    const s1 = new Float64Array(MERGED_BINS + 1);
    const s2 = new Float64Array(MERGED_BINS + 1);
    for (const h of this.samples) {
      const w = (h.hi - h.lo) / SAMPLE_BINS;
      for (let j = 0; j < SAMPLE_BINS; j++) {
        const n = h.counts[j];
        if (!n) continue;
        const x = h.lo + (j + 0.5) * w;
        const g = Math.max(0, Math.min(MERGED_BINS - 1, Math.floor((x - lo) / gw)));
        c[g + 1] += n;
        s1[g + 1] += n * x;
        s2[g + 1] += n * x * x;
      }
    }
    for (let g = 1; g <= MERGED_BINS; g++) { c[g] += c[g - 1]; s1[g] += s1[g - 1]; s2[g] += s2[g - 1]; }
    const total = c[MERGED_BINS];
    if (total === 0) return { min: lo, max: hi };
    /** Bins [0, k) lie below x (bin centers). */
    const below = (x: number) => Math.max(0, Math.min(MERGED_BINS, Math.round((x - lo) / gw)));
    const cost = (a: number, b: number): number => {
      const ka = below(a);
      const kb = below(b);
      const left = a * a * c[ka] - 2 * a * s1[ka] + s2[ka];
      const cr = total - c[kb];
      const sr1 = s1[MERGED_BINS] - s1[kb];
      const sr2 = s2[MERGED_BINS] - s2[kb];
      const right = sr2 - 2 * b * sr1 + b * b * cr;
      const scale = (Math.max(0, b) - Math.min(0, a)) / 255;
      return left + right + (c[kb] - c[ka]) * scale * scale / 12;
    };
    const los = lo < 0 ? Array.from({ length: STEPS }, (_, i) => (lo * (i + 1)) / STEPS) : [lo];
    const his = hi > 0 ? Array.from({ length: STEPS }, (_, j) => (hi * (j + 1)) / STEPS) : [hi];
    let best = { min: lo, max: hi };
    let bestCost = cost(lo, hi);
    for (const a of los) {
      for (const b of his) {
        const e = cost(a, b);
        if (e < bestCost) { bestCost = e; best = { min: a, max: b }; }
      }
    }
    return best;
  }

  /** The zeros seen (kept apart from the histograms). */
  get zeroCount(): number {
    return this.zeros;
  }
}
