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

/** The seeded value of every element of a non-float input: integers 0, booleans true. A boolean input is nearly always
 *  a mask or a flag (Grounding DINO's text_token_mask, True for a real token); all false would mask every position,
 *  and attention over no key is NaN in onnxruntime (0 / 0), so the self-check would compare nothing. */
export function seededNonFloat(dtype: string): number {
  return dtype === 'bool' ? 1 : 0;
}
