// ONNX Resize (linear or nearest) whose scales are computed in the graph, with the output size known (inferred or
// declared): the sample positions depend on the scale values, so they are computed in the graph too, per spatial
// axis of the channel-last input: out index → source coordinate (half_pixel, pytorch_half_pixel, asymmetric,
// align_corners), then GATHERs of the neighbouring rows/columns (linear: two, blended by the fraction; nearest: the
// rounded one, per nearest_mode; cubic: four, by ONNX's cubic kernel).
import type { Node } from '../../ir/types';
import { attrFloat, attrInt, attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { identity } from '../layout';
import { Emitter } from './_emit';
import { refuse, type Refusal } from '../types';

const MODES = ['half_pixel', 'pytorch_half_pixel', 'asymmetric', 'align_corners'];

/** Why this Resize with computed scales cannot be converted, or undefined. */
export function scaledResizeReason(node: Node, mode: string, ct: string): Refusal | undefined {
  if (!MODES.includes(ct)) return refuse('computed-input', `Resize with computed scales and coordinate_transformation_mode=${ct} is not supported`);
  return undefined;
}

/** x: the channel-last input [N, H, W, C]; out: the output tensor (channel-last). With `scalesName` the output size
 *  is static (`ys`); with `sizesName` instead (ONNX's computed `sizes`, torchvision's per-box paste) the output's H
 *  and W are known only at run time (-1 in `ys`): the sample positions run over RANGE(0, size) and the scale is
 *  size / in, as ONNX takes it from sizes. */
export function emitScaledResize(ctx: ConvertContext, node: Node, x: number, scalesName: string | undefined, xs: number[], ys: number[], mode: string,
  ct: string, out: number, sizesName?: string): void {
  const e = new Emitter(ctx, node);
  const scales = scalesName ? ctx.input(scalesName, identity(1)) : undefined;
  let sizes = sizesName ? ctx.input(sizesName, identity(1)) : undefined;
  if (sizes !== undefined && e.type(sizes) !== 'INT32') sizes = e.cast(sizes, 'INT32');
  let cur = x;
  [2, 3].forEach((a, k) => {
    const n = xs[a];
    const m = ys[a];
    const axis = a - 1; // H → 1, W → 2 in NHWC
    const last = k === 1;
    const shape = [ys[0], k === 0 ? m : ys[2], m === ys[3] && k === 1 ? m : xs[3], xs[1]];
    let s: number;
    let idx: number;
    /** The output length is 1 (a BOOL scalar) when it is known only at run time. */
    let single: number | undefined;
    if (sizes !== undefined) {
      const mf = e.cast(e.op('GATHER', [sizes, ctx.constInt32([a], `${node.name}/axis${a}`, [])], [], 'INT32', { axis: 0, batchDims: 0 }), 'FLOAT32');
      s = e.bin('DIV', mf, e.scalar(n));
      idx = e.op('RANGE', [e.scalar(0), mf, e.scalar(1)], [-1], 'FLOAT32');
      single = e.bin('LESS_EQUAL', mf, e.scalar(1));
    } else {
      s = e.op('GATHER', [scales!, ctx.constInt32([a], `${node.name}/axis${a}`, [])], [], 'FLOAT32', { axis: 0, batchDims: 0 });
      idx = ctx.constFloat32(Array.from({ length: m }, (_, i) => i), [m], `${node.name}/out${a}`);
    }
    const zeroIf = (v: number) => (single !== undefined ? e.select(single, e.bin('MUL', v, e.scalar(0)), v) : e.bin('MUL', v, e.scalar(0)));
    let src: number;
    // align_corners divides by the scaled length n·s (ONNX's, not the floored output size).
    if (ct === 'align_corners' && single === undefined && m <= 1) src = e.bin('MUL', idx, e.scalar(0));
    else if (ct === 'align_corners') {
      const den = e.bin('SUB', e.bin('MUL', s, e.scalar(n)), e.scalar(1));
      // A run-time length of 1 would divide by 0: its one position is 0.
      src = e.bin('DIV', e.bin('MUL', idx, e.scalar(n - 1)), single !== undefined ? e.bin('MAXIMUM', den, e.scalar(1)) : den);
      if (single !== undefined) src = zeroIf(src);
    } else if (ct === 'asymmetric') src = e.bin('DIV', idx, s);
    else {
      src = e.bin('SUB', e.bin('DIV', e.bin('ADD', idx, e.scalar(0.5)), s), e.scalar(0.5));
      if (ct === 'pytorch_half_pixel' && (single !== undefined || m <= 1)) src = zeroIf(src);
    }
    const gather = (i: number, o?: number) => e.op('GATHER', [cur, i], shape, 'FLOAT32', { axis, batchDims: 0 }, o);
    const clampInt = (f: number) => e.bin('MINIMUM', e.bin('MAXIMUM', e.cast(f, 'INT32'), e.scalar(0, 'INT32')), e.scalar(n - 1, 'INT32'));
    if (mode === 'nearest') {
      const nm = attrString(node, 'nearest_mode', 'round_prefer_floor');
      const r = nm === 'floor' ? e.un('FLOOR', src) : nm === 'ceil' ? e.un('CEIL', src)
        : nm === 'round_prefer_ceil' ? e.un('FLOOR', e.bin('ADD', src, e.scalar(0.5))) : e.un('CEIL', e.bin('SUB', src, e.scalar(0.5)));
      cur = gather(clampInt(r), last ? out : undefined);
      return;
    }
    if (mode === 'cubic') {
      cur = cubic(e, node, src, n, m, axis, gather, last ? out : undefined, shape);
      return;
    }
    const c = e.bin('MINIMUM', e.bin('MAXIMUM', src, e.scalar(0)), e.scalar(n - 1));
    const lo = e.un('FLOOR', c);
    const w = e.reshape(e.bin('SUB', c, lo), axis === 1 ? [1, m, 1, 1] : [1, 1, m, 1]);
    const loI = clampInt(lo);
    const hiI = e.bin('MINIMUM', e.bin('ADD', loI, e.scalar(1, 'INT32')), e.scalar(n - 1, 'INT32'));
    const a0 = gather(loI);
    const a1 = gather(hiI);
    // a0 + (a1 - a0)·w
    cur = e.op('ADD', [a0, e.bin('MUL', e.bin('SUB', a1, a0), w)], shape, 'FLOAT32', { fusedActivationFunction: 'NONE' }, last ? out : undefined);
  });
}

/** Cubic: the four taps around each source coordinate (edge indices repeated), weighted by ONNX's cubic kernel with
 *  cubic_coeff_a; exclude_outside drops the taps outside the input and renormalizes. */
function cubic(e: Emitter, node: Node, src: number, n: number, m: number, axis: number, gather: (i: number, o?: number) => number,
  out: number | undefined, shape: number[]): number {
  const A = attrFloat(node, 'cubic_coeff_a', -0.75);
  const exclude = attrInt(node, 'exclude_outside', 0) === 1;
  const lo = e.un('FLOOR', src);
  const t = e.bin('SUB', src, lo);
  const loI = e.cast(lo, 'INT32');
  // Distances of the taps lo-1, lo, lo+1, lo+2: 1+t and 2-t use the outer piece, t and 1-t the inner one.
  const inner = (d: number) => e.bin('ADD', e.bin('MUL', e.bin('MUL', e.bin('SUB', e.bin('MUL', d, e.scalar(A + 2)), e.scalar(A + 3)), d), d), e.scalar(1));
  const outer = (d: number) => e.bin('SUB', e.bin('MUL', e.bin('ADD', e.bin('MUL', e.bin('SUB', e.bin('MUL', d, e.scalar(A)), e.scalar(5 * A)), d), e.scalar(8 * A)), d), e.scalar(4 * A));
  const one = e.scalar(1);
  let weights = [outer(e.bin('ADD', t, one)), inner(t), inner(e.bin('SUB', one, t)), outer(e.bin('SUB', e.scalar(2), t))];
  const taps = [-1, 0, 1, 2].map((k) => e.bin('ADD', loI, e.scalar(k, 'INT32')));
  if (exclude) {
    weights = weights.map((w, k) => e.bin('MUL', w, e.cast(e.bin('LOGICAL_AND', e.bin('GREATER_EQUAL', taps[k], e.scalar(0, 'INT32')),
      e.bin('LESS_EQUAL', taps[k], e.scalar(n - 1, 'INT32'))), 'FLOAT32')));
    const total = e.bin('ADD', e.bin('ADD', weights[0], weights[1]), e.bin('ADD', weights[2], weights[3]));
    weights = weights.map((w) => e.bin('DIV', w, total));
  }
  const clamp = (i: number) => e.bin('MINIMUM', e.bin('MAXIMUM', i, e.scalar(0, 'INT32')), e.scalar(n - 1, 'INT32'));
  const terms = taps.map((i, k) => e.bin('MUL', gather(clamp(i)), e.reshape(weights[k], axis === 1 ? [1, m, 1, 1] : [1, 1, m, 1])));
  return e.op('ADD', [e.bin('ADD', terms[0], terms[1]), e.bin('ADD', terms[2], terms[3])], shape, 'FLOAT32',
    { fusedActivationFunction: 'NONE' }, out);
}
