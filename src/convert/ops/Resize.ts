// ONNX Resize / Upsample (2-D spatial, NCHW) → TFLite RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR, channel-last,
// with align_corners / half_pixel_centers chosen so that TFLite samples exactly where ONNX does (_resize.ts).
import type { Node } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import { attrFloats, attrInt, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { TflResizeFlags, tflResizeFlags } from './_resize';

/** The ONNX scale of each spatial dim: the `scales` input (or Upsample's attribute) when given, else out / in. */
export function spatialScales(node: Node, ctx: ConvertContext, xs: number[], ys: number[]): number[] {
  const idx = node.opType === 'Upsample' || ctx.opset < 11 ? 1 : 2;
  const name = node.inputs[idx];
  const c = name ? ctx.constant(name) : undefined;
  const given = c && c.dims.reduce((a, b) => a * b, 1) === xs.length ? toNumbers(c) : attrFloats(node, 'scales');
  return xs.slice(2).map((d, i) => (given ? given[i + 2] : ys[i + 2] / d));
}

/** The TFLite align_corners / half_pixel_centers that reproduce this node, or undefined. */
export function flagsFor(node: Node, ctx: ConvertContext): TflResizeFlags | undefined {
  const xs = ctx.shape(node.inputs[0]);
  const ys = ctx.shape(node.outputs[0]);
  const scales = spatialScales(node, ctx, xs, ys);
  const dims = scales.map((scale, i) => ({ inSize: xs[i + 2], outSize: ys[i + 2], scale }));
  const mode = attrString(node, 'mode', 'nearest') === 'nearest' ? 'nearest' : 'linear';
  const ct = node.opType === 'Upsample' ? 'asymmetric'
    : attrString(node, 'coordinate_transformation_mode', ctx.opset >= 11 ? 'half_pixel' : 'asymmetric');
  const nm = node.opType === 'Upsample' ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor');
  return tflResizeFlags(dims, mode, ct, nm);
}

const Resize: OpConverter = {
  op: 'Resize', emits: ['RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR'], opset: [10, 23], dtypes: ['float32'], int8: true, micro: true,
  layout: 'spatial',
  check(node, ctx) {
    const xs = ctx.shape(node.inputs[0]);
    const ys = ctx.shape(node.outputs[0]);
    if (xs.length !== 4) return `Resize of a rank-${xs.length} tensor is not supported; only 4-D NCHW images`;
    if (xs[0] !== ys[0] || xs[1] !== ys[1]) return 'Resize that changes the batch or channel dims is not supported';
    const mode = attrString(node, 'mode', 'nearest');
    if (mode === 'cubic') return 'Resize with mode=cubic has no TFLite builtin; use linear or nearest';
    if (attrInt(node, 'antialias', 0) === 1) return 'Resize with antialias=1 has no TFLite builtin';
    const ct = attrString(node, 'coordinate_transformation_mode', ctx.opset >= 11 ? 'half_pixel' : 'asymmetric');
    if (!['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'].includes(ct)) {
      return `Resize with coordinate_transformation_mode=${ct} is not supported`;
    }
    const sc = node.inputs[node.opType === 'Upsample' || ctx.opset < 11 ? 1 : 2];
    if (sc && !ctx.isConstant(sc) && !node.inputs[3] && xs.slice(2).some((d, i) => ys[i + 2] % d !== 0)) {
      return `${node.opType} with computed scales is not supported unless they upsample by whole factors (the sampling ` +
        'positions depend on them); make the scales constant';
    }
    if (!flagsFor(node, ctx)) {
      const nm = mode === 'nearest' ? ` and nearest_mode=${attrString(node, 'nearest_mode', 'round_prefer_floor')}` : '';
      return `${mode} Resize from [${xs.slice(2)}] to [${ys.slice(2)}] with ${ct} coordinates${nm} does not match any TFLite resize ` +
        '(TFLite scales by the size ratio and has fewer rounding modes); give sizes that are whole multiples, or use half_pixel with round_prefer_ceil';
    }
    if (attrString(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') return 'Resize with keep_aspect_ratio_policy is not supported';
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputChannelLast(node.inputs[0]);
    const ys = ctx.shape(node.outputs[0]);
    const mode = attrString(node, 'mode', 'nearest');
    const { alignCorners, halfPixelCenters } = flagsFor(node, ctx)!;
    const sc = node.inputs[node.opType === 'Upsample' || ctx.opset < 11 ? 1 : 2];
    if (sc && !ctx.isConstant(sc) && !node.inputs[3]) ctx.warn(`computed scales are taken to be the whole factors ${ys.slice(2).join('×')} / input size`);
    const size = ctx.constInt32([ys[2], ys[3]], `${node.name}/size`);
    const out = ctx.output(node.outputs[0], channelLast(4));
    if (mode === 'linear') {
      ctx.emit('RESIZE_BILINEAR', [x, size], [out], { alignCorners, halfPixelCenters }, halfPixelCenters ? 3 : 1);
    } else {
      ctx.emit('RESIZE_NEAREST_NEIGHBOR', [x, size], [out], { alignCorners, halfPixelCenters }, halfPixelCenters ? 3 : 1);
    }
  },
};
export default Resize;
