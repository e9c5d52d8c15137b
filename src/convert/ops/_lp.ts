// The p-norm pieces shared by LpPool, GlobalLpPool and LpNormalization: |x|^p (MUL for p = 2, ABS for p = 1, else
// POW of ABS) and its p-th root (SQRT, nothing, else POW by 1/p), elementwise on the tensor as stored.
import { attrInt } from '../attrs';
import type { Emitter } from './_emit';

export const LP_EMITS = ['MUL', 'ABS', 'POW', 'SQRT'];

export function lpOrder(e: Emitter): number {
  return attrInt(e.node, 'p', 2);
}

/** |x|^p */
export function lpPower(e: Emitter, x: number): number {
  const p = lpOrder(e);
  if (p === 2) return e.bin('MUL', x, x);
  const a = e.un('ABS', x);
  return p === 1 ? a : e.bin('POW', a, e.scalar(p));
}

/** s^(1/p), written to `out` when given. */
export function lpRoot(e: Emitter, s: number, out?: number): number {
  const p = lpOrder(e);
  if (p === 2) return e.un('SQRT', s, out);
  if (p === 1) return out === undefined ? s : e.reshape(s, e.shape(s), out);
  return e.bin('POW', s, e.scalar(1 / p), out);
}
