// ONNX GridSample (2-D images and 5-D volumes: VoxelMorph's spatial transformer; bilinear / trilinear or nearest;
// zeros, border or reflection padding) → TFLite arithmetic on the grid and GATHER_ND from the channel-last input: the
// grid is unnormalized to pixel coordinates (align_corners), border clamps them, reflection folds them back (a
// triangle wave via FLOOR_MOD), zeros masks corners outside the image; bicubic (2-D) weighs the 4×4 pixels around each
// point by the cubic convolution coefficients (A = -0.75): 16 gathers. Each corner gathers [N, (Do,) Ho, Wo, C] rows
// at (n, (z,) y, x); linear modes sum the 4 (8) weighted corners. A grid stored in another order with its (x, y)
// axis last (BEVFormer's offsets, a Linear's query-major output viewed heads-first by the model) is read as stored
// when the result flows into no convolution: the arithmetic is per grid point, the batch index a constant in that
// order, and the output keeps the grid's order with the channels last.
import { attrInt, attrString } from '../attrs';
import { channelLast, isIdentity, permute } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse, takesDtype } from '../types';
import { Emitter } from './_emit';

/** Names of the cubic mode (opset 16 wrote bicubic, opset 20 cubic). */
const CUBIC = new Set(['bicubic', 'cubic']);

/** The cubic convolution weights (A = -0.75, as onnxruntime and PyTorch) of taps -1, 0, 1, 2 at fraction t ∈ [0, 1). */
function cubicWeights(e: Emitter, t: number): number[] {
  const A = -0.75;
  const f = (v: number) => e.scalar(v);
  const mul = (a: number, b: number) => e.bin('MUL', a, b);
  const add = (a: number, v: number) => e.bin('ADD', a, f(v));
  /** |x| ≤ 1: ((A + 2)·x − (A + 3))·x² + 1; 1 < |x| < 2: ((A·x − 5A)·x + 8A)·x − 4A. */
  const near = (x: number) => add(mul(add(mul(x, f(A + 2)), -(A + 3)), mul(x, x)), 1);
  const far = (x: number) => add(mul(add(mul(add(mul(x, f(A)), -5 * A), x), 8 * A), x), -4 * A);
  const u = e.bin('SUB', f(1), t);
  return [far(add(t, 1)), near(t), near(u), far(add(u, 1))];
}

const GridSample: OpConverter = {
  op: 'GridSample', emits: ['SPLIT', 'ADD', 'SUB', 'MUL', 'FLOOR', 'ROUND', 'FLOOR_MOD', 'ABS', 'MAXIMUM', 'MINIMUM', 'CAST',
    'GREATER_EQUAL', 'LESS_EQUAL', 'LOGICAL_AND', 'CONCATENATION', 'GATHER_ND'],
  opset: [16, MAX_OPSET], dtypes: ['float32'], micro: false, layout: 'spatial',
  check(node, ctx) {
    const rank = ctx.rank(node.inputs[0]);
    if (rank !== 4 && rank !== 5) return refuse('rank', `GridSample is supported on 4-D and 5-D inputs only (this one is ${rank}-D)`);
    const mode = attrString(node, 'mode', 'bilinear');
    if (mode !== 'bilinear' && mode !== 'nearest' && mode !== 'linear' && !CUBIC.has(mode)) return refuse('attribute', `GridSample with mode=${mode} is not supported (bilinear, nearest or bicubic)`);
    if (CUBIC.has(mode) && rank !== 4) return refuse('attribute', `GridSample with mode=${mode} is defined on 4-D inputs only (this one is ${rank}-D)`);
    if (!takesDtype(['float32'], ctx.dtype(node.inputs[0]))) return refuse('dtype', `GridSample on ${ctx.dtype(node.inputs[0])} is not supported (float32 only)`);
    return undefined;
  },
  convert(node, ctx) {
    const [xName, gridName] = node.inputs;
    const [N, C, ...S] = ctx.shape(xName);
    const k = S.length;
    const align = attrInt(node, 'align_corners', 0) === 1;
    const padding = attrString(node, 'padding_mode', 'zeros');
    const nearest = attrString(node, 'mode', 'bilinear') === 'nearest';
    const cubic = CUBIC.has(attrString(node, 'mode', 'bilinear'));
    const e = new Emitter(ctx, node);
    const f = (v: number) => e.scalar(v);
    const x = ctx.inputChannelLast(xName);
    const gp = ctx.permOf(gridName);
    const asStored = !isIdentity(gp) && gp[k + 1] === k + 1 && !ctx.isDynamic(gridName) && !ctx.prefersChannelLast.has(node.outputs[0]);
    /** The grid's point axes (ONNX axes 0..k) in their stored order; the output keeps it, channels last. */
    const lead = asStored ? gp.slice(0, k + 1) : Array.from({ length: k + 1 }, (_, a) => a);
    const g = asStored ? ctx.input(gridName, gp) : ctx.inputOnnx(gridName);
    const points = permute(ctx.shape(gridName), lead);
    const part = [...points, 1];
    const outShape = [...points, C];
    const nStride = points.slice(lead.indexOf(0) + 1).reduce((a, b) => a * b, 1);
    const count = points.reduce((a, b) => a * b, 1);
    // The grid's last axis holds (x, y[, z]): the spatial dims in reverse order.
    const comps = Array.from({ length: k }, (_, i) => ctx.temp(part, 'FLOAT32', `${node.name}/g${'xyz'[i]}`));
    ctx.emit('SPLIT', [ctx.constInt32([k + 1], `${node.name}/split_axis`, []), g], comps, { numSplits: k });
    /** A coordinate folded back into the image (reflection padding: a triangle wave). */
    const reflect = (c: number, size: number) => {
      const [lo, hi] = align ? [0, size - 1] : [-0.5, size - 0.5];
      const span = hi - lo;
      if (span <= 0) return f(0);
      const t2 = e.bin('FLOOR_MOD', e.bin('SUB', c, f(lo)), f(2 * span));
      return e.bin('ADD', e.bin('SUB', f(span), e.un('ABS', e.bin('SUB', t2, f(span)))), f(lo));
    };
    // Pixel coordinates, then the padding mode's folding.
    const coord = (t: number, size: number) => {
      let c = align ? e.bin('MUL', e.bin('ADD', t, f(1)), f((size - 1) / 2)) : e.bin('SUB', e.bin('MUL', e.bin('ADD', t, f(1)), f(size / 2)), f(0.5));
      // Bicubic clamps each tap instead (clampIdx), as onnxruntime: clamping the point first would move its weights.
      if (padding === 'border' && !cubic) c = e.bin('MINIMUM', e.bin('MAXIMUM', c, f(0)), f(size - 1));
      if (padding === 'reflection') c = reflect(c, size);
      return c;
    };
    /** Float coordinates along each spatial dim, in ONNX order ([d,] h, w). */
    const at = S.map((size, d) => coord(comps[k - 1 - d]!, size));
    const nIdx = ctx.constInt32(Array.from({ length: count }, (_, i) => Math.floor(i / nStride) % N), `${node.name}/batch_index`, part);
    // Corner coordinates are whole numbers (FLOOR, + 1, ROUND): cast to INT32 once, then clamped and tested there.
    // In an int8 model a float clamp and float tests are quantized with the coordinates: dequantized half a step
    // past the range calibrated (255.5 → index 256), and LiteRT's int8 comparisons mishandle an input scale ≥ 1 (a
    // 256-pixel axis: wrong results, or an abort).
    const i32 = (v: number) => e.scalar(v, 'INT32');
    const ints = new Map<number, number>();
    // Held within [-1, size] before the CAST (a float far out of INT32's range has no defined conversion).
    const asInt = (t: number, size: number) => ints.get(t)
      ?? ints.set(t, e.cast(e.bin('MINIMUM', e.bin('MAXIMUM', t, f(-1)), f(size)), 'INT32')).get(t)!;
    const clampIdx = (t: number, size: number) => e.bin('MINIMUM', e.bin('MAXIMUM', asInt(t, size), i32(0)), i32(size - 1));
    const inside = (t: number, size: number) =>
      e.bin('LOGICAL_AND', e.bin('GREATER_EQUAL', asInt(t, size), i32(0)), e.bin('LESS_EQUAL', asInt(t, size), i32(size - 1)));
    /** x[n, (zc,) yc, xc, :] for float corner coordinates, times `weight` (zeros padding: 0 outside the volume). */
    const corner = (cs: number[], weight?: number) => {
      const idx = e.op('CONCATENATION', [nIdx, ...cs.map((c, d) => clampIdx(c, S[d]!))], [...points, k + 1], 'INT32', { axis: k + 1, fusedActivationFunction: 'NONE' });
      const v = e.op('GATHER_ND', [x, idx], outShape, 'FLOAT32');
      let w = weight;
      if (padding === 'zeros') {
        const m = e.cast(cs.map((c, d) => inside(c, S[d]!)).reduce((a, b) => e.bin('LOGICAL_AND', a, b)), 'FLOAT32');
        w = w === undefined ? m : e.bin('MUL', w, m);
      }
      return w === undefined ? v : e.bin('MUL', v, w);
    };
    const out = ctx.output(node.outputs[0], asStored ? [...lead.map((a) => (a === 0 ? 0 : a + 1)), 1] : channelLast(k + 2));
    if (nearest) {
      e.reshape(corner(at.map((c) => e.un('ROUND', c))), outShape, out);
      return;
    }
    if (cubic) {
      // Bicubic: the 4×4 pixels around each point (reflection folds each tap back as onnxruntime does), weighted by
      // the cubic convolution coefficients (A = -0.75) of the fractional parts, summed pairwise.
      const taps = at.map((c, d) => {
        const fl = e.un('FLOOR', c);
        return { at: [-1, 0, 1, 2].map((o) => { const t = e.bin('ADD', fl, f(o)); return padding === 'reflection' ? reflect(t, S[d]!) : t; }),
          w: cubicWeights(e, e.bin('SUB', c, fl)) };
      });
      let sum: number[] = [];
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) sum.push(corner([taps[0]!.at[i]!, taps[1]!.at[j]!], e.bin('MUL', taps[0]!.w[i]!, taps[1]!.w[j]!)));
      while (sum.length > 2) sum = Array.from({ length: sum.length / 2 }, (_, i) => e.bin('ADD', sum[2 * i]!, sum[2 * i + 1]!));
      e.bin('ADD', sum[0]!, sum[1]!, out);
      return;
    }
    // Bilinear (trilinear): the 2^k corners, each weighted by the product of its per-dim weights, summed pairwise.
    const lo = at.map((c) => e.un('FLOOR', c));
    const hi = lo.map((c) => e.bin('ADD', c, f(1)));
    const wHi = at.map((c, d) => e.bin('SUB', c, lo[d]!));
    const wLo = wHi.map((w) => e.bin('SUB', f(1), w));
    let terms = Array.from({ length: 2 ** k }, (_, m) => {
      const bit = (d: number) => (m >> (k - 1 - d)) & 1;
      const w = S.map((_, d) => (bit(d) ? wHi : wLo)[d]!).reduce((a, b) => e.bin('MUL', a, b));
      return corner(S.map((_, d) => (bit(d) ? hi : lo)[d]!), w);
    });
    while (terms.length > 2) terms = Array.from({ length: terms.length / 2 }, (_, i) => e.bin('ADD', terms[2 * i]!, terms[2 * i + 1]!));
    e.bin('ADD', terms[0]!, terms[1]!, out);
  },
};
export default GridSample;
