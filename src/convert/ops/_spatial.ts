// Shared helpers for spatial ops (Conv, ConvTranspose, pooling): ONNX explicit/auto padding → TFLite SAME/VALID,
// with a PAD op in front when neither matches.
import type { Node } from '../../ir/types';
import { attrInt, attrInts, attrString } from '../attrs';
import type { ConvertContext } from '../context';

export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin..., end...] per spatial dim, as in ONNX. */
  pads: number[];
}

/** Kernel, strides, dilations and explicit pads of a conv/pool node on an input with spatial dims `spatial`. */
export function windowOf(node: Node, spatial: number[], kernel: number[]): Window {
  const n = spatial.length;
  const strides = attrInts(node, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array<number>(n).fill(1);
  let pads = attrInts(node, 'pads') ?? new Array<number>(2 * n).fill(0);
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    pads = new Array<number>(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(spatial[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]);
      const small = Math.floor(total / 2);
      pads[i] = auto === 'SAME_UPPER' ? small : total - small;
      pads[i + n] = total - pads[i];
    }
  } else if (auto === 'VALID') {
    pads = new Array<number>(2 * n).fill(0);
  }
  return { kernel, strides, dilations, pads };
}

/** Adds end padding so that a ceil_mode pooling gives ONNX's output size with TFLite's floor arithmetic. */
export function applyCeilMode(node: Node, w: Window, spatial: number[]): void {
  if (attrInt(node, 'ceil_mode', 0) !== 1) return;
  const n = spatial.length;
  for (let i = 0; i < n; i++) {
    const span = (w.kernel[i] - 1) * w.dilations[i] + 1;
    const padded = spatial[i] + w.pads[i] + w.pads[i + n];
    let out = Math.ceil((padded - span) / w.strides[i]) + 1;
    // ONNX: the last window must start inside the input or the begin padding.
    if ((out - 1) * w.strides[i] >= spatial[i] + w.pads[i]) out--;
    const need = (out - 1) * w.strides[i] + span - padded;
    if (need > 0) w.pads[i + n] += need;
  }
}

/** True when TFLite's SAME padding is exactly these pads. */
export function isSame(w: Window, spatial: number[]): boolean {
  const n = spatial.length;
  for (let i = 0; i < n; i++) {
    // A size known only at run time (-1): SAME's padding does not depend on it at stride 1 only.
    if (spatial[i] < 0 && w.strides[i] !== 1) return false;
    const out = Math.ceil(spatial[i] / w.strides[i]);
    const total = Math.max(0, (out - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1 - spatial[i]);
    const before = Math.floor(total / 2);
    if (w.pads[i] !== before || w.pads[i + n] !== total - before) return false;
  }
  return true;
}

export function isZero(pads: number[]): boolean {
  return pads.every((p) => p === 0);
}

/**
 * Pads a channel-last input explicitly (value `fill`) and returns the padded tensor, for pads that are neither
 * SAME nor VALID. `index` is the channel-last input tensor with shape [N, spatial..., C].
 */
export function padChannelLast(ctx: ConvertContext, index: number, pads: number[], fill: number, name: string): number {
  const t = ctx.tensors[index];
  const n = pads.length / 2;
  const paddings = [0, 0];
  for (let i = 0; i < n; i++) paddings.push(pads[i], pads[i + n]);
  paddings.push(0, 0);
  const dims = t.shapeSignature ?? t.shape;
  const shape = dims.map((d, i) => (i === 0 || i === dims.length - 1 || d < 0 ? d : d + pads[i - 1] + pads[i - 1 + n]));
  const out = ctx.temp(shape, t.type, `${name}__padded`);
  const padT = ctx.constInt32(paddings, `${name}__paddings`, [t.shape.length, 2]);
  if (fill === 0) ctx.emit('PAD', [index, padT], [out]);
  else ctx.emit('PADV2', [index, padT, ctx.constFloat32([fill], [], `${name}__pad_value`)], [out]);
  return out;
}

/** Decides TFLite padding for a window: SAME, VALID, or VALID after an explicit PAD (returns the new input). */
export function resolvePadding(ctx: ConvertContext, index: number, w: Window, spatial: number[], fill: number, name: string,
  sameAllowed = true): { input: number; padding: 'SAME' | 'VALID' } {
  if (isZero(w.pads)) return { input: index, padding: 'VALID' };
  if (sameAllowed && isSame(w, spatial)) return { input: index, padding: 'SAME' };
  return { input: padChannelLast(ctx, index, w.pads, fill, name), padding: 'VALID' };
}
