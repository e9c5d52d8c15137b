// Seeds for an image detector's size inputs: RT-DETR / D-FINE / DEIMv2's `orig_target_sizes` [1, 2] (the original
// image's width and height, which the postprocessor multiplies the normalized boxes by), PaddleDetection's `im_shape`
// (height, width). The generator seeds integers 0: every box came out [0, 0, 0, 0] on both runtimes, so the
// self-check compared flat boxes and checked nothing of the box head (DEIMv2-femto / atto, s25-verify2), and int8's
// random calibration (which seeds its samples here too) calibrated the box scaling on zeros. Such an input — named
// for a size or shape, [B, 2] or [2], beside one image input [B, C, H, W] (C <= 4) — is fed the image's own size:
// (W, H) for a `size`, (H, W) for a `shape`. Other models keep the generator's values.
import type { IoTensor } from '../deploy/tensors';
import { onnxDims, onnxName } from './verify-seeds';

const SIZE_NAME = /size/i;
const SHAPE_NAME = /shape/i;

/** The one image input's (H, W), or undefined. */
function imageSize(inputs: IoTensor[]): [number, number] | undefined {
  const images = inputs.map(onnxDims).filter((d, k) => /^float/.test(inputs[k]!.mapping?.onnxDtype ?? inputs[k]!.dtype)
    && d.length === 4 && d[1]! >= 1 && d[1]! <= 4 && d[2]! > 1 && d[3]! > 1);
  return images.length === 1 ? [images[0]![2]!, images[0]![3]!] : undefined;
}

/** Values (by ONNX input name) for size inputs not seeded yet: the image input's size, one (W, H) / (H, W) per row. */
export function sizeSeeds(inputs: IoTensor[], values: Map<string, number[]>): Map<string, number[]> {
  const hw = imageSize(inputs);
  if (!hw) return values;
  for (const io of inputs) {
    const name = onnxName(io);
    const dims = onnxDims(io);
    const rows = dims.length === 2 ? dims[0]! : 1;
    if (values.has(name) || dims[dims.length - 1] !== 2 || dims.length > 2 || !(SIZE_NAME.test(name) || SHAPE_NAME.test(name))) continue;
    const pair = SIZE_NAME.test(name) ? [hw[1], hw[0]] : hw;
    values.set(name, Array.from({ length: rows }, () => pair).flat());
  }
  return values;
}
