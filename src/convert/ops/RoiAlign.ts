// ONNX RoiAlign (avg mode, fixed sampling_ratio) from TFLite builtins, as ONNX's reference computes it: for each
// region, the (output_height·s) × (output_width·s) sample positions (y from the region's top and its bin height,
// [R, Sy]; x likewise, [R, Sx]), each read bilinearly from the channel-last feature map through GATHER of flat
// (batch·H + y)·W + x indices (four corners, weights zero outside [-1, H] × [-1, W]), then averaged over each bin's
// s × s samples by AVERAGE_POOL_2D. The region count may be known only at run time (detectors' proposals).
import type { Node } from '../../ir/types';
import type { TflSubgraph, TflTensor } from '../../tflite/model';
import { attrFloat, attrInt, attrString } from '../attrs';
import { ConvertContext } from '../context';
import { channelLast, identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { Emitter } from './_emit';

const RoiAlign: OpConverter = {
  op: 'RoiAlign', emits: ['GATHER', 'MUL', 'ADD', 'SUB', 'DIV', 'FLOOR', 'CAST', 'MINIMUM', 'MAXIMUM', 'SELECT_V2', 'AVERAGE_POOL_2D', 'RESHAPE',
    'WHILE', 'SHAPE', 'SLICE', 'CONCATENATION', 'FLOOR_DIV', 'LESS'],
  incidental: ['WHILE', 'SHAPE', 'SLICE', 'CONCATENATION', 'FLOOR_DIV', 'LESS'],
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
    const [, C, H, W] = ctx.dims(xName);
    const p: Params = {
      H, W, C, oh: attrInt(node, 'output_height', 1), ow: attrInt(node, 'output_width', 1), g: attrInt(node, 'sampling_ratio', 0),
      scale: attrFloat(node, 'spatial_scale', 1),
      halfPixel: ctx.opset >= 16 && attrString(node, 'coordinate_transformation_mode', 'half_pixel') === 'half_pixel',
    };
    const feat = ctx.input(xName, channelLast(4));
    const rois = ctx.input(roisName, identity(2));
    let batch = ctx.input(batchName, identity(1));
    if (ctx.tensors[batch].type !== 'INT32') batch = new Emitter(ctx, node).cast(batch, 'INT32');
    const out = ctx.output(node.outputs[0], channelLast(4));
    if (ctx.dims(roisName)[0] >= 0) emitRoiAlign(ctx, node, p, feat, rois, batch, out);
    else emitInChunks(ctx, node, p, feat, rois, batch, out);
  },
};

interface Params { H: number; W: number; C: number; oh: number; ow: number; g: number; scale: number; halfPixel: boolean }

/** The RoiAlign of `rois` ([R, 4]) with their `batch` indices (INT32 [R]) on the channel-last `feat`, into `out`
 *  ([R, oh, ow, C]) or a new tensor; returns it. */
export function emitRoiAlign(ctx: ConvertContext, node: Node, p: Params, feat: number, rois: number, batchIdx: number, out?: number): number {
    const { H, W, C, oh, ow, g, scale, halfPixel } = p;
    const e = new Emitter(ctx, node);
    const f = (v: number) => e.scalar(v);
    const i32 = (v: number) => e.scalar(v, 'INT32');
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
    const b = e.reshape(batchIdx, [-1, 1, 1]);
    const flat = e.reshape(feat, [-1, C]);
    const rows = (yi: number, xi: number) => e.bin('ADD', e.bin('MUL', e.bin('ADD', e.bin('MUL', b, i32(H)), e.reshape(yi, [-1, Sy, 1])), i32(W)),
      e.reshape(xi, [-1, 1, Sx]));
    const wy = (w: number) => e.reshape(w, [-1, Sy, 1, 1]);
    const wx = (w: number) => e.reshape(w, [-1, 1, Sx, 1]);
    const term = (yi: number, xi: number, w1: number, w2: number) =>
      e.bin('MUL', e.op('GATHER', [flat, rows(yi, xi)], [-1, Sy, Sx, C], 'FLOAT32', { axis: 0, batchDims: 0 }), e.bin('MUL', wy(w1), wx(w2)));
    const sum = e.bin('ADD', e.bin('ADD', term(y.low, x.low, y.wLow, x.wLow), term(y.low, x.high, y.wLow, x.wHigh)),
      e.bin('ADD', term(y.high, x.low, y.wHigh, x.wLow), term(y.high, x.high, y.wHigh, x.wHigh)));
    return e.op('AVERAGE_POOL_2D', [sum], [-1, oh, ow, C], 'FLOAT32',
      { padding: 'VALID', strideW: g, strideH: g, filterWidth: g, filterHeight: g, fusedActivationFunction: 'NONE' }, out);
}

/** Sampled elements (R · oh·g · ow·g · C) one chunk of regions may take per bilinear corner: ~32 MB of float32. */
const CHUNK_ELEMENTS = 8 * 2 ** 20;

/**
 * Regions counted only at run time (a detector's 1000 proposals): the sampling's intermediates hold R·(oh·g)·(ow·g)·C
 * floats each (200 MB for 1000 boxes at 7×7, s = 2, 256 channels; ~7 of them live at once, beyond LiteRT.js's 2 GB
 * heap), so the regions go through a WHILE in chunks of K: the body slices K regions (fewer in the last chunk), aligns
 * them as above and appends them to the result, which grows by K rows per step (WHILE resizes it).
 */
function emitInChunks(ctx: ConvertContext, node: Node, p: Params, feat: number, rois: number, batch: number, out: number): void {
  const k = Math.max(1, Math.floor(CHUNK_ELEMENTS / (p.oh * p.g * p.ow * p.g * p.C)));
  const e = new Emitter(ctx, node);
  const count = e.op('GATHER', [e.op('SHAPE', [rois], [2], 'INT32', { outType: 'INT32' }), ctx.constInt32([0], `${node.name}/dim0`)], [1], 'INT32', { axis: 0, batchDims: 0 });
  const chunks = e.reshape(e.op('FLOOR_DIV', [e.bin('ADD', count, e.scalar(k - 1, 'INT32')), e.scalar(k, 'INT32')], [1], 'INT32'), []);
  const acc0 = ctx.constTensor({ name: `${node.name}/empty`, type: 'FLOAT32', shape: [0, p.oh, p.ow, p.C], data: new Uint8Array(0) });
  const vars = [ctx.constInt32([0], `${node.name}/chunk0`, []), chunks, feat, rois, batch, acc0];
  const like = (t: TflTensor, name: string): TflTensor => ({ name, type: t.type, shape: [...t.shape], ...(t.shapeSignature ? { shapeSignature: [...t.shapeSignature] } : {}) });
  const grown = (t: TflTensor, name: string): TflTensor => ({ ...like(t, name), shape: [1, p.oh, p.ow, p.C], shapeSignature: [-1, p.oh, p.ow, p.C] });
  const varTensors = (prefix: string) => vars.map((v, j) => (j === 5 ? grown : like)(ctx.tensors[v], `${prefix}${j}`));

  // cond: chunk < chunks
  const condTensors = varTensors('v');
  condTensors.push({ name: 'more', type: 'BOOL', shape: [] });
  const cond: TflSubgraph = { name: `${node.name}/cond`, tensors: condTensors, inputs: vars.map((_, j) => j), outputs: [vars.length],
    operators: [{ opcode: 'LESS', inputs: [0, 1], outputs: [vars.length], onnxNode: node.name }] };
  ctx.subgraphs.push(cond);
  const condIndex = ctx.subgraphs.length;

  // body: regions [chunk·K, chunk·K + n) with n = min(K, R - chunk·K), aligned and appended.
  const b = new ConvertContext(ctx.graph, ctx.constants, ctx.opset, new Set());
  b.subgraphs = ctx.subgraphs;
  b.current = node;
  const ins = varTensors('in').map((t) => b.temp(t.shapeSignature ?? t.shape, t.type, t.name));
  const [chunk, n, fIn, rIn, bIn, accIn] = ins;
  const be = new Emitter(b, node);
  const start = be.reshape(be.bin('MUL', chunk, be.scalar(k, 'INT32')), [1]);
  const total = be.op('GATHER', [be.op('SHAPE', [rIn], [2], 'INT32', { outType: 'INT32' }), b.constInt32([0], 'dim0')], [1], 'INT32', { axis: 0, batchDims: 0 });
  const len = be.bin('MINIMUM', be.bin('SUB', total, start), b.constInt32([k], 'chunk', [1]));
  const cat = (xs: number[]) => be.op('CONCATENATION', xs, [xs.length], 'INT32', { axis: 0, fusedActivationFunction: 'NONE' });
  const r = be.op('SLICE', [rIn, cat([start, b.constInt32([0], 'zero', [1])]), cat([len, b.constInt32([4], 'four', [1])])], [-1, 4], b.tensors[rIn].type);
  const bi = be.op('SLICE', [bIn, start, len], [-1], 'INT32');
  const aligned = emitRoiAlign(b, node, p, fIn, r, bi);
  const accOut = be.op('CONCATENATION', [accIn, aligned], [-1, p.oh, p.ow, p.C], 'FLOAT32', { axis: 0, fusedActivationFunction: 'NONE' });
  const next = be.bin('ADD', chunk, be.scalar(1, 'INT32'));
  // Loop variables passed on unchanged are copied (a subgraph output must not be one of its inputs).
  const copy = (t: number) => {
    const x = b.tensors[t];
    const c = b.temp(x.shapeSignature ?? x.shape, x.type, `${x.name}_out`);
    if (x.shapeSignature) b.emit('CAST', [t], [c]);
    else b.emit('RESHAPE', [t, b.constInt32(x.shape, `${x.name}_shape`)], [c], { newShape: x.shape });
    return c;
  };
  ctx.subgraphs.push({ name: `${node.name}/body`, tensors: b.tensors, operators: b.operators, inputs: ins,
    outputs: [next, copy(n), copy(fIn), copy(rIn), copy(bIn), accOut] });
  const bodyIndex = ctx.subgraphs.length;
  const outs = vars.map((v, j) => (j === 5 ? out : ctx.temp(ctx.tensors[v].shapeSignature ?? ctx.tensors[v].shape, ctx.tensors[v].type, `${node.name}/var${j}_out`)));
  ctx.emit('WHILE', vars, outs, { condSubgraphIndex: condIndex, bodySubgraphIndex: bodyIndex });
}
export default RoiAlign;
