// Index helpers for the gather/scatter family (GatherElements, ScatterElements, GatherND, ScatterND): ONNX allows
// negative indices, TFLite's GATHER_ND / SCATTER_ND do not; and the "elements" ops become the ND ops by spelling
// out every coordinate of every element.
import { elementCount } from '../../ir/types';
import { toNumbers } from '../../ir/tensor';
import type { ConvertContext } from '../context';
import type { Perm } from '../layout';
import { Emitter } from './_emit';

/** Largest gather (elements) whose other coordinates are written as constant grids; bigger ones broadcast a position
 *  list per dim at run time. */
const GRID_CONSTANT_MAX = 1 << 16;

/** Coordinates of every element of an array of shape `dims` along dim `d`, as an int32 list (row-major). */
function grid(dims: number[], d: number): number[] {
  const n = elementCount(dims);
  const inner = dims.slice(d + 1).reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => Math.floor(i / inner) % dims[d]);
}

/**
 * The [..., rank] coordinate tensor that turns GatherElements/ScatterElements of `indices` (shape S, same rank as
 * the data) along `axis` into GATHER_ND/SCATTER_ND: coordinate `axis` is the (normalized) index, the others are the
 * element's own position. `dataDims` and S may hold -1 (sizes known at run time: torchvision's per-level RoI
 * scatter), then positions come from RANGE over the measured dim, broadcast over the others.
 */
export function elementCoords(e: Emitter, indices: string, axis: number, dataDims: number[], stored?: Perm,
  indicesStored?: { index: number; perm: Perm }): number {
  // Coordinates into the data as stored under `stored` (stored axis k holds ONNX axis stored[k]): each element's
  // coordinate vector lists its ONNX coordinates in that order.
  const order = stored ?? dataDims.map((_, d) => d);
  const ctx = e.ctx;
  const r = ctx.dims(indices).length;
  // The indices read as stored under `indicesStored.perm` (static, not constant): every element's coordinates are
  // listed in that stored order, and GATHER_ND's output is stored the same way (HITNet's warp: a channel-last map
  // gathered along W by channel-last indices stays channel-last).
  const iPerm = indicesStored && !ctx.constant(indices) ? indicesStored.perm : ctx.dims(indices).map((_, d) => d);
  const S = iPerm.map((d) => ctx.dims(indices)[d]);
  const c = ctx.constant(indices);
  let constIdx = -1;
  if (c) {
    if (dataDims[axis] < 0 && toNumbers(c).some((v) => v < 0)) ctx.fail('negative constant indices into a dim known only at run time are not supported');
    const idx = toNumbers(c).map((v) => (v < 0 ? v + dataDims[axis] : v));
    const n = elementCount(S);
    if (n <= GRID_CONSTANT_MAX) {
      const grids = S.map((_, d) => (d === axis ? idx : grid(S, d)));
      const flat = new Array<number>(n * r);
      for (let i = 0; i < n; i++) for (let d = 0; d < r; d++) flat[i * r + d] = grids[order[d]][i];
      return ctx.constInt32(flat, `${e.node.name}/coords`, [...S, r]);
    }
    // A big constant index list: the indices alone are constant, the other coordinates broadcast below.
    constIdx = ctx.constInt32(idx, `${e.node.name}/index`, [...S, 1]);
  }
  const dynamic = S.some((d) => d < 0);
  const gridConstants = !dynamic && elementCount(S) <= GRID_CONSTANT_MAX;
  const col = [...S, 1];
  const idxIn = indicesStored && !c ? indicesStored.index : ctx.inputOnnx(indices);
  const i = constIdx >= 0 ? constIdx : dynamic ? e.op('EXPAND_DIMS', [idxIn, e.scalar(r, 'INT32')], col, 'INT32')
    : e.reshape(idxIn, col);
  const size = dataDims[axis] >= 0 ? e.scalar(dataDims[axis], 'INT32')
    : wrapDivisor(e, dimOf(e, ctx.inputOnnx(e.node.inputs[0]), dataDims.length, axis));
  const zeros = dynamic ? e.bin('MUL', i, e.scalar(0, 'INT32')) : -1;
  const parts = S.map((n, d) => {
    if (iPerm[d] === axis) return constIdx >= 0 ? constIdx : e.bin('FLOOR_MOD', i, size);
    if (gridConstants) return ctx.constInt32(grid(S, d), `${e.node.name}/grid${d}`, col);
    // Position along d, shaped [1, .., n, .., 1, 1], broadcast over the other dims: by BROADCAST_TO when static (a
    // full grid constant of a big gather is 4 bytes an element per dim: BiRefNet's deformable convs wrote 160 MB of
    // them), by adding zeros of the full shape when sized at run time.
    const along = col.map((_, k) => (k === d ? n : 1));
    const pos = n >= 0 ? ctx.constInt32(Array.from({ length: n }, (_, k) => k), `${e.node.name}/pos${d}`, along)
      : e.reshape(e.op('RANGE', [e.scalar(0, 'INT32'), dimOf(e, ctx.inputOnnx(indices), r, d), e.scalar(1, 'INT32')], [-1], 'INT32'), along);
    if (!dynamic) {
      const full = ctx.temp(col, 'INT32', `${e.node.name}/grid${d}`);
      ctx.emit('BROADCAST_TO', [pos, ctx.constInt32(col, `${e.node.name}/grid_shape`, [col.length])], [full], undefined, 2);
      return full;
    }
    return e.bin('ADD', zeros, pos);
  });
  // parts[k] holds the coordinate along ONNX axis iPerm[k]; the data wants them in its stored order.
  return e.op('CONCATENATION', order.map((d) => parts[iPerm.indexOf(d)]), [...S, r], 'INT32', { axis: r, fusedActivationFunction: 'NONE' });
}

/** Dim `d` of a rank-`rank` tensor as a 0-D INT32 tensor measured at run time. */
export function dimOf(e: Emitter, t: number, rank: number, d: number): number {
  const shape = e.op('SHAPE', [t], [rank], 'INT32', { outType: 'INT32' });
  return e.op('GATHER', [shape, e.ctx.constInt32([d], `${e.node.name}/dim${d}`, [])], [], 'INT32', { axis: 0, batchDims: 0 });
}

/** A dim measured at run time as a FLOOR_MOD divisor: at least 1. It is 0 only when the data is empty (no
 *  detections), and then there are no valid indices to wrap, but TFLite's FLOOR_MOD fails on a 0 divisor even when
 *  the dividend is empty ("Division by 0"). */
export function wrapDivisor(e: Emitter, size: number): number {
  return e.bin('MAXIMUM', size, e.scalar(1, 'INT32'));
}

/** ND indices (last dim m indexes the first m data dims) with negative entries wrapped, for GATHER_ND/SCATTER_ND.
 *  Data dims known only at run time (Paraformer's CIF scatters into a row count the data decides) are measured:
 *  the divisors are the data's SHAPE sliced to its first m dims (at least 1, `wrapDivisor`). */
export function ndIndices(e: Emitter, indices: string, dataDims: number[], data?: string): number {
  const ctx: ConvertContext = e.ctx;
  const S = ctx.dims(indices);
  const m = S[S.length - 1];
  const c = ctx.constant(indices);
  const runTime = m >= 0 && dataDims.slice(0, m).some((d) => d < 0);
  if (m < 0 || (runTime && !data)) ctx.fail('GatherND with index depth or data dims known only at run time is not supported');
  if (c) {
    const vals = toNumbers(c).map((v, i) => (v < 0 ? v + dataDims[i % m] : v));
    if (runTime && toNumbers(c).some((v, i) => v < 0 && dataDims[i % m] < 0)) ctx.fail('negative constant indices into a dim known only at run time are not supported');
    return ctx.constInt32(vals, `${e.node.name}/indices`, [...S]);
  }
  if (!runTime) return e.bin('FLOOR_MOD', ctx.inputOnnx(indices), ctx.constInt32(dataDims.slice(0, m), `${e.node.name}/dims`, [m]));
  const shape = e.op('SHAPE', [ctx.inputOnnx(data!)], [dataDims.length], 'INT32', { outType: 'INT32' });
  const lead = e.op('SLICE', [shape, ctx.constInt32([0], `${e.node.name}/lead0`), ctx.constInt32([m], `${e.node.name}/leadm`)], [m], 'INT32');
  return e.bin('FLOOR_MOD', ctx.inputOnnx(indices), wrapDivisor(e, lead));
}
