// Two ONNX values stored as one tensor (a Transpose left lazy: nn.MultiheadAttention's [B, T, C] → [T, B, C] of a
// residual stream) in different layouts: a copy of one moved to some order is the other's copy in the order that
// puts the stored axes the same way, so the second reader takes it instead of a TRANSPOSE of its own (htdemucs'
// attention input and the residual sum after it read the stream moved once).
import type { ValueRef } from './context';
import type { Perm } from './layout';
import { samePerm } from './layout';

/**
 * A copy already made of another value bound to `prim`'s tensor whose stored axes run in the order `want` gives
 * `prim`'s value (stored axis i of the copy = axis want[i] of the value), or undefined.
 */
export function twinCopy(name: string, prim: ValueRef, want: Perm, primary: ReadonlyMap<string, ValueRef>,
  versions: ReadonlyMap<string, ReadonlyMap<string, number>>): number | undefined {
  const target = want.map((j) => prim.perm.indexOf(j));
  for (const [other, ref] of primary) {
    if (other === name || ref.index !== prim.index || ref.perm.length !== prim.perm.length) continue;
    for (const [key, idx] of versions.get(other) ?? []) {
      if (idx === ref.index) continue;
      const w = key.split(',').map(Number);
      if (w.length === target.length && samePerm(w.map((j) => ref.perm.indexOf(j)), target)) return idx;
    }
  }
  return undefined;
}
