// First divergence: the first layer (in topological order) where the error jumps, not the layer with the largest
// error (error accumulates, so the largest one is usually near the outputs).
//
// The rule, on SNR in dB (noise energy relative to signal energy, so it is comparable across layers of any scale):
// - a layer's input SNR is the lowest SNR among the values its ONNX node reads, where a model input or a constant
//   is exact (200 dB) and a value the report could not compare inherits the input SNR of the node that made it;
// - the layer jumps when its SNR is at least JUMP_DB (20 dB: ten times the error amplitude) below its input SNR
//   AND below a floor that says the error matters for this kind of model: 60 dB for a float32 model (float
//   rounding stays far above it), 30 dB with float16 weights, 20 dB for a quantized model (int8 noise is 30–45 dB
//   per layer and is not a fault by itself);
// - firstDivergence is the first layer that jumps; null when none does (for a quantized model whose error grows
//   gradually this is the honest answer: no single layer is to blame).
import type { Graph } from '../ir/types';
import { SNR_CAP } from './metrics';
import type { LayerResult } from './types';

export const JUMP_DB = 20;

export type Precision = 'float32' | 'float16' | 'quantized';

export function floorDb(p: Precision): number {
  return p === 'quantized' ? 20 : p === 'float16' ? 30 : 60;
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
  let first: LayerResult | null = null;
  for (const l of layers) {
    const base = nodeInput.get(l.node) ?? SNR_CAP;
    l.inputSnrDb = base;
    l.jump = l.snrDb < floor && base - l.snrDb >= JUMP_DB;
    if (l.jump && !first) first = l;
  }
  return first;
}
