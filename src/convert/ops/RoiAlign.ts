// ONNX RoiAlign (avg mode, fixed sampling_ratio) from TFLite builtins, as ONNX's reference computes it: for each
// region, the (output_height·s) × (output_width·s) sample positions (y from the region's top and its bin height,
// [R, Sy]; x likewise, [R, Sx]), each read bilinearly from the channel-last feature map through GATHER of flat
// (batch·H + y)·W + x indices (four corners, weights zero outside [-1, H] × [-1, W]), then averaged over each bin's
// s × s samples by AVERAGE_POOL_2D. The region count may be known only at run time (detectors' proposals).
import { attrFloat, attrInt, attrString } from '../attrs';
import { channelLast, identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const RoiAlign: OpConverter = {
  op: 'RoiAlign', emits: ['GATHER', 'MUL', 'ADD', 'SUB', 'DIV', 'FLOOR', 'CAST', 'MINIMUM', 'MAXIMUM', 'SELECT_V2', 'AVERAGE_POOL_2D', 'RESHAPE'],
  opset: [10, MAX_OPSET], dtypes: ['float32'], int8: false, micro: false, layout: 'spatial',
  check(node, ctx) {
    if (attrString(node, 'mode', 'avg') !== 'avg') return refuse('attribute', 'RoiAlign with mode=max is not supported (avg only)');
    if (attrInt(node, 'sampling_ratio', 0) <= 0) {
      return refuse('attribute', 'RoiAlign with sampling_ratio=0 (as many samples as each region needs, known only at run time) is not supported; export it with a fixed sampling_ratio');
    }
    const x = ctx.dims(node.inputs[0]);
    if (x.length !== 4 || x.some((d) => d < 0)) return refuse('rank', 'RoiAlign needs a 4-D feature map of static size');
    return undefined;
  },
  convert(node, ctx) {
    const [xName, roisName, batchName] = node.inputs;
    const [, , H, W] = ctx.dims(xName);
    const C = ctx.dims(xName)[1];
    const oh = attrInt(node, 'output_height', 1);
    const ow = attrInt(node, 'output_width', 1);
    const g = attrInt(node, 'sampling_ratio', 0);
    const scale = attrFloat(node, 'spatial_scale', 1);
    const halfPixel = ctx.opset >= 16 && attrString(node, 'coordinate_transformation_mode', 'half_pixel') === 'half_pixel';
    const e = new Emitter(ctx, node);
    const f = (v: number) => e.scalar(v);
    const i32 = (v: number) => e.scalar(v, 'INT32');
    const rois = ctx.input(roisName, identity(2));
    const col = (k: number) => e.op('GATHER', [rois, ctx.constInt32([k], `${node.name}/c${k}`)], [-1, 1], 'FLOAT32', { axis: 1, batchDims: 0 });
    const start = (k: number) => e.bin('SUB', e.bin('MUL', col(k), f(scale)), f(halfPixel ? 0.5 : 0));
    // Sample positions along one axis: start + bin · (p + (i + 0.5) / g) for bin p and sample i, [R, n·g].
    const positions = (k0: number, k1: number, n: number) => {
      const s = start(k0);
      let size = e.bin('SUB', start(k1), s);
      if (!halfPixel) size = e.bin('MAXIMUM', size, f(1));
      const steps = Array.from({ length: n * g }, (_, j) => Math.floor(j / g) + ((j % g) + 0.5) / g);
      return e.bin('ADD', s, e.bin('MUL', e.bin('DIV', size, f(n)), ctx.constFloat32(steps, [1, n * g], `${node.name}/steps${k0}`)));
    };
    // Bilinear corners and weights along one axis of `len` positions, as ONNX's reference clamps them.
    const corners = (p: number, len: number) => {
      const inside = e.cast(e.bin('LOGICAL_AND', e.bin('GREATER_EQUAL', p, f(-1)), e.bin('LESS_EQUAL', p, f(len))), 'FLOAT32');
      let v = e.bin('MAXIMUM', p, f(0));
      const floor = e.un('FLOOR', v);
      const last = f(len - 1);
      v = e.bin('MINIMUM', v, e.select(e.bin('GREATER_EQUAL', floor, last), last, v));
      const lowF = e.bin('MINIMUM', floor, last);
      const low = e.cast(lowF, 'INT32');
      const high = e.bin('MINIMUM', e.bin('ADD', low, i32(1)), i32(len - 1));
      const frac = e.bin('SUB', v, lowF);
      const wLow = e.bin('MUL', e.bin('SUB', f(1), frac), inside);
      const wHigh = e.bin('MUL', frac, inside);
      return { low, high, wLow, wHigh };
    };
    const Sy = oh * g;
    const Sx = ow * g;
    const y = corners(positions(1, 3, oh), H);
    const x = corners(positions(0, 2, ow), W);
    // Flat row index (batch·H + y)·W + x into the feature map seen as [N·H·W, C].
    let batch = ctx.input(batchName, identity(1));
    if (e.type(batch) !== 'INT32') batch = e.cast(batch, 'INT32');
    const b = e.reshape(batch, [-1, 1, 1]);
    const feat = e.reshape(ctx.input(xName, channelLast(4)), [-1, C]);
    const rows = (yi: number, xi: number) => e.bin('ADD', e.bin('MUL', e.bin('ADD', e.bin('MUL', b, i32(H)), e.reshape(yi, [-1, Sy, 1])), i32(W)),
      e.reshape(xi, [-1, 1, Sx]));
    const wy = (w: number) => e.reshape(w, [-1, Sy, 1, 1]);
    const wx = (w: number) => e.reshape(w, [-1, 1, Sx, 1]);
    const term = (yi: number, xi: number, w1: number, w2: number) =>
      e.bin('MUL', e.op('GATHER', [feat, rows(yi, xi)], [-1, Sy, Sx, C], 'FLOAT32', { axis: 0, batchDims: 0 }), e.bin('MUL', wy(w1), wx(w2)));
    const sum = e.bin('ADD', e.bin('ADD', term(y.low, x.low, y.wLow, x.wLow), term(y.low, x.high, y.wLow, x.wHigh)),
      e.bin('ADD', term(y.high, x.low, y.wHigh, x.wLow), term(y.high, x.high, y.wHigh, x.wHigh)));
    const out = ctx.output(node.outputs[0], channelLast(4));
    ctx.emit('AVERAGE_POOL_2D', [sum], [out], { padding: 'VALID', strideW: g, strideH: g, filterWidth: g, filterHeight: g, fusedActivationFunction: 'NONE' });
  },
};
export default RoiAlign;
