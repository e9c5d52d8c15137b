// Index helpers for the gather/scatter family (GatherElements, ScatterElements, GatherND, ScatterND): ONNX allows
// negative indices, TFLite's GATHER_ND / SCATTER_ND do not; and the "elements" ops become the ND ops by spelling
// out every coordinate of every element.
import { elementCount } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import type { ConvertContext } from '../context';
import { Emitter } from './_emit';

/** Coordinates of every element of an array of shape `dims` along dim `d`, as an int32 list (row-major). */
function grid(dims: number[], d: number): number[] {
  const n = elementCount(dims);
  const inner = dims.slice(d + 1).reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => Math.floor(i / inner) % dims[d]);
}

/**
 * The [..., rank] coordinate tensor that turns GatherElements/ScatterElements of `indices` (shape S, same rank as
 * the data) along `axis` into GATHER_ND/SCATTER_ND: coordinate `axis` is the (normalized) index, the others are the
 * element's own position.
 */
export function elementCoords(e: Emitter, indices: string, axis: number, dataDims: number[]): number {
  const ctx = e.ctx;
  const S = ctx.shape(indices);
  const r = S.length;
  const c = ctx.constant(indices);
  if (c) {
    const idx = toNumbers(c).map((v) => (v < 0 ? v + dataDims[axis] : v));
    const grids = S.map((_, d) => (d === axis ? idx : grid(S, d)));
    const n = elementCount(S);
    const flat = new Array<number>(n * r);
    for (let i = 0; i < n; i++) for (let d = 0; d < r; d++) flat[i * r + d] = grids[d][i];
    return ctx.constInt32(flat, `${e.node.name}/coords`, [...S, r]);
  }
  const parts = S.map((_, d) => {
    if (d !== axis) return ctx.constInt32(grid(S, d), `${e.node.name}/grid${d}`, [...S, 1]);
    const i = e.reshape(ctx.inputOnnx(indices), [...S, 1]);
    return e.bin('FLOOR_MOD', i, e.scalar(dataDims[axis], 'INT32'));
  });
  return e.op('CONCATENATION', parts, [...S, r], 'INT32', { axis: r, fusedActivationFunction: 'NONE' });
}

/** ND indices (last dim m indexes the first m data dims) with negative entries wrapped, for GATHER_ND/SCATTER_ND. */
export function ndIndices(e: Emitter, indices: string, dataDims: number[]): number {
  const ctx: ConvertContext = e.ctx;
  const S = ctx.dims(indices);
  const m = S[S.length - 1];
  const c = ctx.constant(indices);
  if (m < 0 || dataDims.slice(0, m).some((d) => d < 0)) ctx.fail('GatherND with index depth or data dims known only at run time is not supported');
  if (c) {
    const vals = toNumbers(c).map((v, i) => (v < 0 ? v + dataDims[i % m] : v));
    return ctx.constInt32(vals, `${e.node.name}/indices`, [...S]);
  }
  return e.bin('FLOOR_MOD', ctx.inputOnnx(indices), ctx.constInt32(dataDims.slice(0, m), `${e.node.name}/dims`, [m]));
}
