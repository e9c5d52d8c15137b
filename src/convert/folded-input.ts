// Graph inputs whose leading axes the model folds into the batch of 2-D convolutions: multi-camera images
// [B, N, C, H, W] (PETR, DETR3D, Fast-BEV, BEVDet, Lift-Splat-Shoot: `imgs.flatten(0, 1)` or `view(B·N, C, H, W)`;
// BEVFormer's `imgs[0]`, a Gather of one batch row).
import type { Graph, Node } from '../ir/types';
import { Perm } from './layout';
import { reshapeFoldsIntoBatch } from './layout';

/**
 * The stored order of an input of rank ≥ 5 that only Reshapes read, each folding its leading axes into the batch of
 * a value wanted channel-last (or Shape / Size) ([B, N, C, H, W] → [B·N, C, H, W] for a Conv): [B, N, H, W, C], so each fold is a
 * RESHAPE of the stored bytes (or a Gather of one index along axis 0, whose output then is its images channel-last). ONNX's own channel-last for rank 5 (NDHWC) would take N as the channels and C as a
 * depth, and the fold would need a TRANSPOSE of every image. Undefined when the input is not such a stack.
 */
export function foldedInputPerm(g: Graph, name: string, channelLastValues: Set<string>): Perm | undefined {
  const dims = g.values.get(name)?.shape;
  if (!dims || dims.length < 5 || !dims.every((d): d is number => typeof d === 'number')) return undefined;
  // Shape / Size read the ONNX dims whatever the stored order (torch's flatten reads the input's Shape).
  const readers = g.nodes.filter((n) => n.inputs.includes(name) && n.opType !== 'Shape' && n.opType !== 'Size');
  if (!readers.length) return undefined;
  let lead: number | undefined;
  for (const n of readers) {
    if (n.inputs[0] !== name || !channelLastValues.has(n.outputs[0])) return undefined;
    const out = g.values.get(n.outputs[0])?.shape;
    if (!out || !out.every((d): d is number => typeof d === 'number')) return undefined;
    if (n.opType === 'Gather' ? !takesFirst(g, n, dims, out) : n.opType !== 'Reshape' || !reshapeFoldsIntoBatch(dims, out)) return undefined;
    const l = dims.length - (out.length - 1);
    if (lead !== undefined && lead !== l) return undefined;
    lead = l;
  }
  if (lead === undefined || lead < 2) return undefined;
  // Leading (batch) axes, then the spatial axes after the channel, then the channel.
  return [...Array.from({ length: lead }, (_, i) => i), ...Array.from({ length: dims.length - lead - 1 }, (_, i) => lead! + 1 + i), lead];
}

/** A Gather of one (scalar) index along axis 0: out is dims without the first. */
function takesFirst(g: Graph, n: Node, dims: number[], out: number[]): boolean {
  const axis = Number(n.attrs.get('axis')?.value ?? 0);
  const idx = g.values.get(n.inputs[1])?.shape;
  return axis === 0 && !!idx && idx.length === 0 && out.length === dims.length - 1 && out.every((d, i) => d === dims[i + 1]);
}
