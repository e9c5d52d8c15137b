// The one seeded uniform [0, 1) generator (mulberry32) behind every "seeded random data" default: calibration without
// a folder, compare and deploy without --inputs. Same seed, same numbers, on every machine.

export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fills `vals` (a non-float input's elements, in ONNX order of `dims`) with the seeded values: integers 0; booleans
 * true over the first half (rounded up) of the last axis and false over the rest, and false when that axis has one
 * element (a flag). A boolean input is nearly always a mask: all false masks every key of Grounding DINO's
 * text_token_mask (True for a real token), all true every key of nn.MultiheadAttention's key_padding_mask (True for
 * padding); attention over no key is NaN in onnxruntime (0 / 0) and the self-check would compare nothing. Half true
 * is a real mask under either meaning.
 */
export function fillSeededNonFloat(dtype: string, dims: readonly number[], vals: Float64Array): void {
  vals.fill(0);
  const last = dims.length ? dims[dims.length - 1]! : 1;
  if (dtype !== 'bool' || last < 2) return;
  const on = Math.ceil(last / 2);
  for (let i = 0; i < vals.length; i++) if (i % last < on) vals[i] = 1;
}
