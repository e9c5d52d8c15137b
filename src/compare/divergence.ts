// First divergence: the first layer (in topological order) where the error jumps, not the layer with the largest
// error (error accumulates, so the largest one is usually near the outputs).
//
// The rule, on SNR in dB (noise energy relative to signal energy, so it is comparable across layers of any scale):
// - a layer's input SNR is the lowest SNR among the values its ONNX node reads, where a model input or a constant
//   is exact (200 dB) and a value the report could not compare inherits the input SNR of the node that made it;
// - its drop is input SNR − SNR. A layer jumps when its SNR is below a floor that says the error matters for this
//   kind of model (60 dB for float32, whose rounding stays far above it; 30 dB with float16 weights; 20 dB when
//   quantized, where 30–45 dB per layer is normal int8 noise) AND its drop is at least the jump threshold:
//   max(minimum, median + 6·σ) of the drops of the layers that read noisy values, σ = 1.4826·MAD (a robust spread,
//   so one broken layer does not raise it). The minimum is 20 dB (ten times the error amplitude) for float32 and
//   10 dB otherwise: on the shared CNNs in int8 a layer adds at most 5 dB to the noise it reads, a conv with
//   corrupted weights 14 dB and more even deep in the network;
// - firstDivergence is the first layer that jumps; null when none does (for a quantized model whose error grows
//   gradually this is the honest answer: no single layer is to blame).
import type { Graph } from '../ir/types';
import { SNR_CAP } from './metrics';
import type { LayerResult } from './types';

export type Precision = 'float32' | 'float16' | 'quantized';

export function floorDb(p: Precision): number {
  return p === 'quantized' ? 20 : p === 'float16' ? 30 : 60;
}

export function minJumpDb(p: Precision): number {
  return p === 'float32' ? 20 : 10;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The drop (dB) from which a layer counts as a jump, given every layer's drop from noisy inputs. */
export function jumpThreshold(drops: number[], p: Precision): number {
  const med = median(drops);
  const sigma = 1.4826 * median(drops.map((d) => Math.abs(d - med)));
  return Math.max(minJumpDb(p), med + 6 * sigma);
}

/** Sets inputSnrDb and jump on every layer (in place); returns the first layer that jumps. */
export function markDivergence(layers: LayerResult[], graph: Graph, precision: Precision): LayerResult | null {
  const floor = floorDb(precision);
  const snr = new Map<string, number>();
  for (const l of layers) snr.set(l.tensor, Math.min(snr.get(l.tensor) ?? SNR_CAP, l.snrDb));
  const value = new Map<string, number>();
  const nodeInput = new Map<string, number>();
  for (const n of graph.nodes) {
    let base = SNR_CAP;
    for (const i of n.inputs) if (i) base = Math.min(base, value.get(i) ?? SNR_CAP);
    nodeInput.set(n.name, base);
    for (const o of n.outputs) if (o) value.set(o, snr.get(o) ?? base);
  }
  for (const l of layers) l.inputSnrDb = nodeInput.get(l.node) ?? SNR_CAP;
  const threshold = jumpThreshold(layers.filter((l) => l.inputSnrDb! < SNR_CAP).map((l) => l.inputSnrDb! - l.snrDb), precision);
  let first: LayerResult | null = null;
  for (const l of layers) {
    l.jump = l.snrDb < floor && l.inputSnrDb! - l.snrDb >= threshold;
    if (l.jump && !first) first = l;
  }
  return first;
}
