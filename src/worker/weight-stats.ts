// Weight statistics for the side panel (min/max/mean/std/sparsity), computed in the host on demand.
import type { Tensor } from '../ir/types';
import { bfloat16ToFloat, halfToFloat } from '../ir/tensor';
import { ModelError } from '../ir/types';
import type { WeightStats } from '../shared/protocol';

/** One pass over `count` elements read by `at`; NaNs are skipped for min/max/mean. */
export function statsOf(tensor: string, dtype: string, dims: number[], count: number, at: (i: number) => number): WeightStats {
  let min = Infinity, max = -Infinity, sum = 0, sumSq = 0, zeros = 0, n = 0;
  for (let i = 0; i < count; i++) {
    const v = at(i);
    if (v === 0) zeros++;
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v; sumSq += v * v; n++;
  }
  const mean = n ? sum / n : NaN;
  const variance = n ? Math.max(0, sumSq / n - mean * mean) : NaN;
  return {
    tensor, dtype, dims, count,
    min: n ? min : NaN, max: n ? max : NaN, mean, std: Math.sqrt(variance), sparsity: count ? zeros / count : 0,
  };
}

export function tensorStats(t: Tensor): WeightStats {
  const d = t.data;
  if (Array.isArray(d)) throw new ModelError(`${t.name} is a string tensor: it has no numeric statistics`);
  let at: (i: number) => number;
  if (t.dtype === 'float16') at = (i) => halfToFloat((d as Uint16Array)[i]);
  else if (t.dtype === 'bfloat16') at = (i) => bfloat16ToFloat((d as Uint16Array)[i]);
  else if (d instanceof BigInt64Array || d instanceof BigUint64Array) at = (i) => Number(d[i]);
  else at = (i) => (d as Float32Array)[i];
  return statsOf(t.name, t.dtype, [...t.dims], d.length, at);
}
