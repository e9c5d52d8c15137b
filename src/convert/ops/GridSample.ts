// ONNX GridSample (2-D; bilinear or nearest; zeros, border or reflection padding) → TFLite arithmetic on the
// grid and GATHER_ND from the channel-last input: the grid is unnormalized to pixel coordinates (align_corners),
// border clamps them, reflection folds them back (a triangle wave via FLOOR_MOD), zeros masks corners outside the
// image. Each corner gathers [N, Ho, Wo, C] rows at (n, y, x); bilinear sums four weighted corners.
import { attrInt, attrString } from '../attrs';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse, takesDtype } from '../types';
import { Emitter } from './_emit';

const GridSample: OpConverter = {
  op: 'GridSample', emits: ['SPLIT', 'ADD', 'SUB', 'MUL', 'FLOOR', 'ROUND', 'FLOOR_MOD', 'ABS', 'MAXIMUM', 'MINIMUM', 'CAST',
    'GREATER_EQUAL', 'LESS_EQUAL', 'LOGICAL_AND', 'CONCATENATION', 'GATHER_ND'],
  opset: [16, MAX_OPSET], dtypes: ['float32'], micro: false, layout: 'spatial',
  check(node, ctx) {
    if (ctx.rank(node.inputs[0]) !== 4) return refuse('rank', 'GridSample is supported on 4-D inputs only');
    const mode = attrString(node, 'mode', 'bilinear');
    if (mode !== 'bilinear' && mode !== 'nearest' && mode !== 'linear') return refuse('attribute', `GridSample with mode=${mode} is not supported (bilinear or nearest)`);
    if (!takesDtype(['float32'], ctx.dtype(node.inputs[0]))) return refuse('dtype', `GridSample on ${ctx.dtype(node.inputs[0])} is not supported (float32 only)`);
    return undefined;
  },
  convert(node, ctx) {
    const [xName, gridName] = node.inputs;
    const [N, C, H, W] = ctx.shape(xName);
    const [, Ho, Wo] = ctx.shape(gridName);
    const align = attrInt(node, 'align_corners', 0) === 1;
    const padding = attrString(node, 'padding_mode', 'zeros');
    const nearest = attrString(node, 'mode', 'bilinear') === 'nearest';
    const e = new Emitter(ctx, node);
    const f = (v: number) => e.scalar(v);
    const x = ctx.inputChannelLast(xName);
    const g = ctx.inputOnnx(gridName);
    const half = [N, Ho, Wo, 1];
    const gx = ctx.temp(half, 'FLOAT32', `${node.name}/gx`);
    const gy = ctx.temp(half, 'FLOAT32', `${node.name}/gy`);
    ctx.emit('SPLIT', [ctx.constInt32([3], `${node.name}/split_axis`, []), g], [gx, gy], { numSplits: 2 });
    // Pixel coordinates, then the padding mode's folding.
    const coord = (t: number, size: number) => {
      let c = align ? e.bin('MUL', e.bin('ADD', t, f(1)), f((size - 1) / 2)) : e.bin('SUB', e.bin('MUL', e.bin('ADD', t, f(1)), f(size / 2)), f(0.5));
      if (padding === 'border') c = e.bin('MINIMUM', e.bin('MAXIMUM', c, f(0)), f(size - 1));
      if (padding === 'reflection') {
        const [lo, hi] = align ? [0, size - 1] : [-0.5, size - 0.5];
        const span = hi - lo;
        if (span > 0) {
          const t2 = e.bin('FLOOR_MOD', e.bin('SUB', c, f(lo)), f(2 * span));
          c = e.bin('ADD', e.bin('SUB', f(span), e.un('ABS', e.bin('SUB', t2, f(span)))), f(lo));
        } else c = f(0);
      }
      return c;
    };
    const ix = coord(gx, W);
    const iy = coord(gy, H);
    const nIdx = ctx.constInt32(Array.from({ length: N * Ho * Wo }, (_, i) => Math.floor(i / (Ho * Wo))), `${node.name}/batch_index`, half);
    const clampIdx = (t: number, size: number) => e.cast(e.bin('MINIMUM', e.bin('MAXIMUM', t, f(0)), f(size - 1)), 'INT32');
    const inside = (t: number, size: number) => e.bin('LOGICAL_AND', e.bin('GREATER_EQUAL', t, f(0)), e.bin('LESS_EQUAL', t, f(size - 1)));
    /** x[n, yc, xc, :] for float corner coordinates, times `weight` (zeros padding: 0 outside the image). */
    const corner = (yc: number, xc: number, weight?: number) => {
      const idx = e.op('CONCATENATION', [nIdx, clampIdx(yc, H), clampIdx(xc, W)], [N, Ho, Wo, 3], 'INT32', { axis: 3, fusedActivationFunction: 'NONE' });
      const v = e.op('GATHER_ND', [x, idx], [N, Ho, Wo, C], 'FLOAT32');
      let w = weight;
      if (padding === 'zeros') {
        const m = e.cast(e.bin('LOGICAL_AND', inside(yc, H), inside(xc, W)), 'FLOAT32');
        w = w === undefined ? m : e.bin('MUL', w, m);
      }
      return w === undefined ? v : e.bin('MUL', v, w);
    };
    const out = ctx.output(node.outputs[0], channelLast(4));
    if (nearest) {
      const v = corner(e.un('ROUND', iy), e.un('ROUND', ix));
      e.reshape(v, [N, Ho, Wo, C], out);
      return;
    }
    const x0 = e.un('FLOOR', ix);
    const y0 = e.un('FLOOR', iy);
    const x1 = e.bin('ADD', x0, f(1));
    const y1 = e.bin('ADD', y0, f(1));
    const wx1 = e.bin('SUB', ix, x0);
    const wy1 = e.bin('SUB', iy, y0);
    const wx0 = e.bin('SUB', f(1), wx1);
    const wy0 = e.bin('SUB', f(1), wy1);
    const top = e.bin('ADD', corner(y0, x0, e.bin('MUL', wy0, wx0)), corner(y0, x1, e.bin('MUL', wy0, wx1)));
    const bottom = e.bin('ADD', corner(y1, x0, e.bin('MUL', wy1, wx0)), corner(y1, x1, e.bin('MUL', wy1, wx1)));
    e.bin('ADD', top, bottom, out);
  },
};
export default GridSample;
