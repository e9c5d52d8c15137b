// Which TFLite RESIZE_* flags (align_corners, half_pixel_centers) reproduce an ONNX Resize/Upsample exactly: rather
// than a table of modes, both sides' source coordinates (linear) or source indices (nearest) are computed for every
// output position of each spatial dim and compared. ONNX maps with the scale it is given; TFLite always with
// in/out sizes, so a scale that does not divide the sizes, or a rounding mode TFLite lacks, is found here.

export interface ResizeDim {
  inSize: number;
  outSize: number;
  /** The ONNX scale (out/in when the model gives sizes). */
  scale: number;
  /** tf_crop_and_resize's region of interest [start, end] in normalized coordinates. */
  roi?: [number, number];
}

export interface TflResizeFlags {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

const CANDIDATES: TflResizeFlags[] = [
  { alignCorners: false, halfPixelCenters: true },
  { alignCorners: true, halfPixelCenters: false },
  { alignCorners: false, halfPixelCenters: false },
];

export function onnxCoord(x: number, d: ResizeDim, ct: string): number {
  const { inSize, outSize, scale } = d;
  switch (ct) {
    case 'half_pixel': return (x + 0.5) / scale - 0.5;
    // As ONNX's reference: the resized length is in · scale (not rounded) when a scale is given.
    case 'pytorch_half_pixel': return inSize * scale > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return inSize * scale === 1 ? 0 : (x * (inSize - 1)) / (inSize * scale - 1);
    case 'asymmetric': return x / scale;
    case 'tf_half_pixel_for_nn': return (x + 0.5) / scale;
    // Opset 19: half_pixel about the centre of the input when the output length was rounded down (in · scale not whole).
    case 'half_pixel_symmetric': {
      const adjustment = outSize / (inSize * scale);
      return (inSize / 2) * (1 - adjustment) + (x + 0.5) / scale - 0.5;
    }
    case 'tf_crop_and_resize': {
      const [a, b] = d.roi ?? [0, 1];
      return outSize > 1 ? a * (inSize - 1) + (x * (b - a) * (inSize - 1)) / (outSize - 1) : 0.5 * (a + b) * (inSize - 1);
    }
    default: return NaN;
  }
}

export function onnxNearest(v: number, mode: string): number {
  switch (mode) {
    case 'round_prefer_floor': return v - Math.floor(v) === 0.5 ? Math.floor(v) : Math.round(v);
    case 'round_prefer_ceil': return Math.floor(v + 0.5);
    case 'floor': return Math.floor(v);
    case 'ceil': return Math.ceil(v);
    default: return NaN;
  }
}

const f32 = Math.fround;

function tflScale(d: ResizeDim, f: TflResizeFlags): number {
  return f.alignCorners && d.outSize > 1 ? f32((d.inSize - 1) / (d.outSize - 1)) : f32(d.inSize / d.outSize);
}

function agree(d: ResizeDim, f: TflResizeFlags, mode: 'linear' | 'nearest', ct: string, nearestMode: string): boolean {
  const s = tflScale(d, f);
  const clamp = (i: number) => Math.min(Math.max(i, 0), d.inSize - 1);
  for (let x = 0; x < d.outSize; x++) {
    const v = onnxCoord(x, d, ct);
    if (mode === 'nearest') {
      const want = clamp(onnxNearest(v, nearestMode));
      const off = f.halfPixelCenters ? 0.5 : 0;
      const t = f32((x + off) * s);
      const got = clamp(f.alignCorners ? Math.round(t) : Math.floor(t));
      if (got !== want) return false;
    } else {
      const want = Math.min(Math.max(v, 0), d.inSize - 1);
      const t = f.halfPixelCenters ? (x + 0.5) * s - 0.5 : x * s;
      const got = Math.min(Math.max(t, 0), d.inSize - 1);
      if (Math.abs(got - want) > 1e-4) return false;
    }
  }
  return true;
}

/** The TFLite flags that match ONNX on every spatial dim, or undefined when none does. */
export function tflResizeFlags(dims: ResizeDim[], mode: 'linear' | 'nearest', ct: string, nearestMode: string): TflResizeFlags | undefined {
  return CANDIDATES.find((f) => dims.every((d) => agree(d, f, mode, ct, nearestMode)));
}
