// ONNX Resize / Upsample (2-D spatial, NCHW) → TFLite RESIZE_BILINEAR or RESIZE_NEAREST_NEIGHBOR, channel-last,
// with align_corners / half_pixel_centers chosen from coordinate_transformation_mode.
import { attrString } from '../attrs';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';

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
    const ct = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
    if (!['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'].includes(ct)) {
      return `Resize with coordinate_transformation_mode=${ct} is not supported`;
    }
    if (mode === 'nearest') {
      const nm = attrString(node, 'nearest_mode', 'round_prefer_floor');
      if (ct === 'asymmetric' && nm !== 'floor') return `nearest Resize with asymmetric coordinates needs nearest_mode=floor (got ${nm})`;
      if ((ct === 'half_pixel' || ct === 'pytorch_half_pixel') && nm !== 'round_prefer_ceil' && !(ys[2] % xs[2] === 0 && ys[3] % xs[3] === 0)) {
        return `nearest Resize with ${ct} coordinates and nearest_mode=${nm} matches TFLite only for integer scale factors`;
      }
    }
    if (attrString(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') return 'Resize with keep_aspect_ratio_policy is not supported';
    return undefined;
  },
  convert(node, ctx) {
    const x = ctx.inputChannelLast(node.inputs[0]);
    const ys = ctx.shape(node.outputs[0]);
    const mode = attrString(node, 'mode', 'nearest');
    const ct = attrString(node, 'coordinate_transformation_mode', ctx.opset >= 11 ? 'half_pixel' : 'asymmetric');
    const alignCorners = ct === 'align_corners';
    const halfPixelCenters = ct === 'half_pixel' || ct === 'pytorch_half_pixel' || ct === 'tf_half_pixel_for_nn';
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
