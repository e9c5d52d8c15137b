// What the TFLite writer (writer.ts) writes once and shares by offset or index: a flatbuffer may point many tables at
// one vector, and many tensors at one buffer, so equal content costs its bytes once. On a small int8 model (PP-OCR's
// direction classifier, 0.5 MB) the graph's tables are a third of the file: equal shape vectors (activations of one
// stage), equal options tables (every ADD with no activation), equal constants (the same scalar in each block).
import type * as flatbuffers from 'flatbuffers';

/** Per-builder map from a content key to the offset already written for it. */
export class SharedOffsets {
  private readonly seen = new Map<string, flatbuffers.Offset>();

  /** The offset written for `key`, else writes it with `make` and remembers it. */
  get(key: string, make: () => flatbuffers.Offset): flatbuffers.Offset {
    let off = this.seen.get(key);
    if (off === undefined) { off = make(); this.seen.set(key, off); }
    return off;
  }
}

/** Buffers up to this size are hashed for their key. */
const HASH_UP_TO = 65536;

/** FNV-1a over the bytes (a map key; equal keys are compared byte by byte). */
function hashBytes(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return h >>> 0;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Buffer list for constant data: equal contents share one buffer index (TFLite maps constants read-only, so
 *  tensors may share a buffer, as TFLite's own converter's do). Buffer 0 stays the empty sentinel. */
export class SharedBuffers {
  readonly data: (Uint8Array | undefined)[] = [undefined];
  private readonly byHash = new Map<string, number[]>();

  /** The index of a buffer holding `bytes` (shared when `share` and an equal one exists). Large buffers are keyed by
   *  their length alone (no hash over megabytes of weights): different weights of one length differ in their first
   *  bytes, so comparing them costs little; equal ones (a weight an unrolled decoder reads at every step) are shared. */
  add(bytes: Uint8Array, share: boolean): number {
    const key = bytes.length > HASH_UP_TO ? `${bytes.length}` : `${bytes.length}:${hashBytes(bytes)}`;
    const list = this.byHash.get(key);
    if (share && list) for (const i of list) if (sameBytes(this.data[i]!, bytes)) return i;
    this.data.push(bytes);
    const i = this.data.length - 1;
    if (share) { if (list) list.push(i); else this.byHash.set(key, [i]); }
    return i;
  }
}
