// DFT along an axis that is not next to real/imaginary in the stored layout (LaMa's Fourier units: rfftn over H and W
// of a channel-last map): the transform is applied from the left, BATCH_MATMUL of a constant [1, n_out, n] matrix with
// the value viewed as [rows, n, rest] (rest: the stored dims after the signal axis, real/imaginary last), so the
// stored order is kept and no TRANSPOSE is written. re' = C·re − s·S·im, im' = C·im + s·S·re (C, S the cos / sin
// matrices, s = +1 inverse / −1 forward): S·x's real/imaginary pairs are swapped and signed by a 2×2
// FULLY_CONNECTED; a real input's two results are concatenated on a new last axis.
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import type { Perm } from '../layout';
import { permute, sameMemoryOrder } from '../layout';
import { dftMatrix } from './_dft';
import type { Emitter } from './_emit';

export interface DftSpec { n: number; cin: number; L: number; nOut: number; inverse: boolean; axis: number }

/**
 * The stored order `have` with real/imaginary (the last ONNX dim) moved last when that moves no bytes (a real
 * input's unit dim), else `have` when it already ends with it; undefined when re/im would have to move.
 */
export function keptOrder(have: Perm, dims: readonly number[], axis: number): Perm | undefined {
  const ri = dims.length - 1;
  if (have.length !== dims.length) return undefined;
  const moved = [...have.filter((p) => p !== ri), ri];
  return sameMemoryOrder(dims, have, moved) ? moved : undefined;
}

/** [1, nOut, n] cos and s·sin matrices (scaled by 1/L for the inverse; columns past L are zero). */
function leftMatrices(spec: DftSpec): [Float32Array, Float32Array] {
  // dftMatrix's real-input rows are (k, re) = cos and (k, im) = s·sin over columns j.
  const w = dftMatrix(spec.n, 1, spec.L, spec.nOut, spec.inverse);
  const c = new Float32Array(spec.nOut * spec.n);
  const s = new Float32Array(spec.nOut * spec.n);
  for (let k = 0; k < spec.nOut; k++) {
    for (let j = 0; j < spec.n; j++) {
      c[k * spec.n + j] = w[(k * 2) * spec.n + j];
      s[k * spec.n + j] = w[(k * 2 + 1) * spec.n + j];
    }
  }
  return [c, s];
}

/** Emits the DFT of `x` in stored order `perm` (from keptOrder); the output keeps that order. */
export function leftTransform(e: Emitter, ctx: ConvertContext, node: Node, perm: Perm, spec: DftSpec): void {
  const x = node.inputs[0];
  const dims = ctx.shape(x);
  const stored = permute(dims, perm);
  const p = perm.indexOf(spec.axis);
  const batch = stored.slice(0, p).reduce((a, b) => a * b, 1);
  const inner = stored.slice(p + 1, -1).reduce((a, b) => a * b, 1);
  const k = inner * spec.cin;
  const out = ctx.output(node.outputs[0], perm);
  const xi = ctx.input(x, perm);
  if (inner === 1) {
    // The signal axis already sits next to real/imaginary: one FULLY_CONNECTED over [rows, n·cin].
    const w = ctx.constFloat32(dftMatrix(spec.n, spec.cin, spec.L, spec.nOut, spec.inverse), [spec.nOut * 2, spec.n * spec.cin], `${node.name}/dft`);
    const fc = e.op('FULLY_CONNECTED', [e.reshape(xi, [batch, spec.n * spec.cin]), w, -1], [batch, spec.nOut * 2], 'FLOAT32',
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT' });
    e.reshape(fc, ctx.tensors[out].shape, out);
    return;
  }
  const x3 = e.reshape(xi, [batch, spec.n, k]);
  const [c, s] = leftMatrices(spec);
  const mm = (m: Float32Array, what: string) => e.op('BATCH_MATMUL',
    [ctx.constFloat32(m, [1, spec.nOut, spec.n], `${node.name}/dft_${what}`), x3], [batch, spec.nOut, k], 'FLOAT32',
    { adjX: false, adjY: false });
  const rows = batch * spec.nOut * inner;
  const yc = mm(c, 'cos');
  const ys = mm(s, 'sin');
  let y: number;
  if (spec.cin === 1) {
    y = e.op('CONCATENATION', [e.reshape(yc, [rows, 1]), e.reshape(ys, [rows, 1])], [rows, 2], 'FLOAT32',
      { axis: 1, fusedActivationFunction: 'NONE' });
  } else {
    // s·S·x with (re, im) → (−im, re): re' = C·re − s·S·im, im' = C·im + s·S·re.
    const swap = ctx.constFloat32([0, -1, 1, 0], [2, 2], `${node.name}/dft_swap`);
    const turned = e.op('FULLY_CONNECTED', [e.reshape(ys, [rows, 2]), swap, -1], [rows, 2], 'FLOAT32',
      { fusedActivationFunction: 'NONE', weightsFormat: 'DEFAULT' });
    y = e.bin('ADD', e.reshape(yc, [rows, 2]), turned);
  }
  e.reshape(y, ctx.tensors[out].shape, out);
}
