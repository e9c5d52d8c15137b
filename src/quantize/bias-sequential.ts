// Sequential bias correction with int8 upstream (issue #13): each int8 conv / depthwise / fully connected layer's bias
// is moved, in graph order, by minus the per-channel mean shift of its output between the int8 model and the float
// model, measured with every earlier layer already corrected. Unlike correctBiases (bias-correction.ts: each layer's
// own input rounding, x read from the float model), the shift is what the int8 model itself computes upstream,
// the zero padding's columns included (int8's padding activations are off from float's by more than their rms in
// PP-OCRv4 rec: a fit to float's activations does not hold there). One LiteRT pass per group of layers; a layer's
// shift is measured after the groups before it are corrected, so with `group` 1 no layer's correction counts an
// earlier layer's shift again.
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { type BiasCorrection, meanShifts, targets } from './bias-correction';
import type { Int8Options } from './int8';
import type { QParams } from './params';

export interface SequentialOptions {
  /** Only these layers (float model op indices) are corrected; all by default. */
  ops?: Set<number>;
  /** Layers corrected per LiteRT pass (1: strictly sequential). */
  group?: number;
  /** Called after each pass with the layers corrected so far and the mean |shift| over the pass's channels. */
  progress?: (done: number, of: number, meanAbsShift: number) => void;
}

/** Bias deltas (added to the float biases, per output channel) from the int8 model's own upstream, as
 *  quantizeInt8 writes it with `opts` (its weight rounding, float ops; a biasDelta in `opts` is the starting point). */
export async function sequentialBiases(result: ConvertResult, params: Map<number, QParams>, opts: Int8Options, samples: Tensor[][],
  so: SequentialOptions = {}): Promise<BiasCorrection> {
  const t0 = performance.now();
  const floatOps = opts.floatOps ?? new Set<number>();
  const ts = targets(result, params).filter((x) => !floatOps.has(x.op) && (!so.ops || so.ops.has(x.op)));
  const delta = new Map<number, Float32Array>([...(opts.biasDelta ?? [])].map(([k, v]) => [k, Float32Array.from(v)]));
  if (!ts.length || !samples.length) return { delta, layers: 0, ms: performance.now() - t0 };
  const group = Math.max(1, so.group ?? 1);
  let layers = 0;
  for (let at = 0; at < ts.length; at += group) {
    const chunk = ts.slice(at, at + group);
    const { shifts } = await meanShifts(result, params, { ...opts, biasDelta: delta }, samples, chunk);
    let sum = 0;
    let n = 0;
    chunk.forEach((x, j) => {
      const d = delta.get(x.bias) ?? new Float32Array(x.channels);
      let moved = false;
      shifts[j].forEach((v, c) => { if (Number.isFinite(v)) { d[c] -= v; moved = true; sum += Math.abs(v); n++; } });
      if (moved) { delta.set(x.bias, d); layers++; }
    });
    so.progress?.(Math.min(at + group, ts.length), ts.length, n ? sum / n : 0);
  }
  return { delta, layers, ms: performance.now() - t0 };
}
