// A pooling window of one element with stride 1 and no padding is its input: AveragePool / MaxPool with kernel
// [1, 1] (torch's AdaptiveAvgPool2d((None, 1)) over a map already one wide, as clovaai's deep-text-recognition-
// benchmark and EasyOCR pool the permuted [B, W, C, 1] features before their BiLSTM). Rewritten to Identity so that
// the model's permute before it and the sequence view after it meet as one move (TRBA: 2 TRANSPOSE -> 0).
import type { Graph } from '../ir/types';

const POOLS = new Set(['AveragePool', 'MaxPool']);

function ints(n: Graph['nodes'][number], name: string): number[] | undefined {
  const a = n.attrs.get(name);
  return a && a.type === 'ints' ? (a.value as number[]) : undefined;
}

export function unitPoolsAsIdentity(g: Graph): void {
  for (const n of g.nodes) {
    if (!POOLS.has(n.opType) || n.outputs.filter(Boolean).length !== 1) continue;
    const kernel = ints(n, 'kernel_shape');
    const all = (v: number[] | undefined, x: number) => !v || v.every((d) => d === x);
    if (!kernel || !kernel.every((k) => k === 1) || !all(ints(n, 'strides'), 1) || !all(ints(n, 'pads'), 0) || !all(ints(n, 'dilations'), 1)) continue;
    n.opType = 'Identity';
    n.attrs = new Map();
  }
}
