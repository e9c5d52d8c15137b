// ONNX NonMaxSuppression → one TFLite NON_MAX_SUPPRESSION_V4 per batch and class (the box and score counts are
// static; ONNX's models from torchvision have one of each), each giving its kept box indices in score order, padded
// to max_output_size with a count of the valid ones: the valid ones are SLICEd off, joined with their batch and class
// into [n, 3] rows and CONCATENATEd in ONNX's order (batch, then class). The output is sized at run time.
// Boxes with center_point_box=1 ([x, y, w, h]) are turned into corners first; max_output_boxes_per_class is
// capped at the box count (torchvision exports 2^63 - 1), absent it is 0 (nothing selected); an absent
// score_threshold keeps every score.
// Boxes of zero area are moved apart first (see `spreadFlat`): onnxruntime keeps each once and lets it suppress
// nothing, TFLite would select it again and again. Equal scores are taken in index order as onnxruntime does (NMS
// runs on the boxes sorted by TOPK_V2, scored by rank), and IoU equal to the threshold does not suppress.
import { toNumbers } from '../../ir/tensor';
import { attrInt } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { scalarOf } from './_dynamic';
import { Emitter } from './_emit';

const MAX_PAIRS = 64;

const NonMaxSuppression: OpConverter = {
  op: 'NonMaxSuppression',
  emits: ['NON_MAX_SUPPRESSION_V4', 'SHAPE', 'GATHER', 'SLICE', 'CONCATENATION', 'RESHAPE', 'MINIMUM', 'ADD', 'MUL', 'SUB', 'ABS',
    'REDUCE_PROD', 'REDUCE_MAX', 'LESS_EQUAL', 'SELECT_V2', 'RANGE', 'CAST', 'TOPK_V2', 'GREATER'],
  opset: [10, MAX_OPSET], dtypes: ['float32'], layout: 'onnx',
  check(node, ctx) {
    const b = ctx.dims(node.inputs[0]);
    const s = ctx.dims(node.inputs[1]);
    if (b.length !== 3 || s.length !== 3) return refuse('rank', 'NonMaxSuppression needs boxes [batch, boxes, 4] and scores [batch, classes, boxes]');
    if (b[0] < 0 || s[0] < 0 || s[1] < 0) return refuse('dynamic-shape', 'NonMaxSuppression with batches or classes known only at run time is not supported');
    if (s[0] * s[1] > MAX_PAIRS) return refuse('unsupported', `NonMaxSuppression over ${s[0]}×${s[1]} batches×classes is not supported (at most ${MAX_PAIRS}: one TFLite op each)`);
    return undefined;
  },
  convert(node, ctx) {
    const [boxesName, scoresName, maxName, iouName, scoreName] = node.inputs;
    const [batches, n] = ctx.dims(boxesName);
    const classes = ctx.dims(scoresName)[1];
    const e = new Emitter(ctx, node);
    const int = (v: number[], what: string, shape?: number[]) => ctx.constInt32(v, `${node.name}/${what}`, shape);
    let boxes = ctx.input(boxesName, identity(3));
    if (attrInt(node, 'center_point_box', 0) === 1) boxes = corners(e, boxes, batches, n);
    const scores = ctx.input(scoresName, identity(3));
    // max_output_size: capped at the box count, or 0 when absent.
    // (A box count known only at run time comes from SHAPE.)
    const count = () => (n >= 0 ? int([n], 'n', [])
      : e.op('GATHER', [e.op('SHAPE', [boxes], [3], 'INT32', { outType: 'INT32' }), int([1], 'axis1', [])], [], 'INT32', { axis: 0, batchDims: 0 }));
    let maxOut: number;
    const mc = maxName ? ctx.constant(maxName) : undefined;
    if (!maxName) maxOut = int([0], 'max', []);
    else if (mc && n >= 0) maxOut = int([Math.max(0, Math.min(n, toNumbers(mc)[0]))], 'max', []);
    else if (mc) maxOut = e.bin('MINIMUM', int([Math.max(0, Math.min(2 ** 31 - 1, toNumbers(mc)[0]))], 'max', []), count());
    else maxOut = e.bin('MINIMUM', scalarOf(ctx, e, maxName), count());
    // TFLite suppresses at IoU ≥ its threshold, ONNX above it: for float32 IoUs, > t is ≥ the next float after t.
    const iouConst = iouName ? ctx.constant(iouName) : undefined;
    const iou = !iouName ? e.scalar(nextUp(0)) : iouConst ? e.scalar(nextUp(toNumbers(iouConst)[0])) : scalarOf(ctx, e, iouName, 'FLOAT32');
    const minScore = scoreName ? scalarOf(ctx, e, scoreName, 'FLOAT32') : e.scalar(-3.4e38);
    // Rank scores n, n-1, ..., 1 for the boxes sorted by score (TOPK_V2 puts equal scores in index order).
    const ranks = n >= 0 ? ctx.constFloat32(Array.from({ length: n }, (_, k) => n - k), [n], `${node.name}/ranks`)
      : e.op('RANGE', [e.cast(count(), 'FLOAT32'), e.scalar(0), e.scalar(-1)], [-1], 'FLOAT32');
    const rows: number[] = [];
    for (let b = 0; b < batches; b++) {
      const bx = spreadFlat(e, e.op('GATHER', [boxes, int([b], `b${b}`, [])], [n, 4], 'FLOAT32', { axis: 0, batchDims: 0 }), n, count);
      const sb = e.op('GATHER', [scores, int([b], `sb${b}`, [])], [classes, n], 'FLOAT32', { axis: 0, batchDims: 0 });
      for (let c = 0; c < classes; c++) {
        const sc = e.op('GATHER', [sb, int([c], `c${b}_${c}`, [])], [n], 'FLOAT32', { axis: 0, batchDims: 0 });
        // onnxruntime takes equal scores in index order, TFLite's queue in no set order: NMS runs on the boxes
        // sorted by score (ties by index) with their ranks as scores, all distinct, and below-threshold ones at -1.
        const sorted = ctx.temp([n], 'FLOAT32', `${node.name}/sorted${b}_${c}`);
        const order = ctx.temp([n], 'INT32', `${node.name}/order${b}_${c}`);
        ctx.emit('TOPK_V2', [sc, count()], [sorted, order]);
        const sortedBoxes = e.op('GATHER', [bx, order], [n, 4], 'FLOAT32', { axis: 0, batchDims: 0 });
        const rankScores = e.select(e.bin('GREATER', sorted, minScore), ranks, e.scalar(-1));
        const selected = ctx.temp([-1], 'INT32', `${node.name}/selected${b}_${c}`);
        const valid = ctx.temp([], 'INT32', `${node.name}/valid${b}_${c}`);
        ctx.emit('NON_MAX_SUPPRESSION_V4', [sortedBoxes, rankScores, maxOut, iou, e.scalar(0)], [selected, valid]);
        const at = e.op('SLICE', [selected, int([0], `at${b}_${c}`), e.reshape(valid, [1])], [-1], 'INT32');
        const kept = e.op('GATHER', [order, at], [-1], 'INT32', { axis: 0, batchDims: 0 });
        const col = e.reshape(kept, [-1, 1]);
        // [b, c] on every row: the column times 0 plus the pair (broadcast).
        const pair = e.bin('ADD', e.bin('MUL', col, int([0], `zero${b}_${c}`, [])), int([b, c], `pair${b}_${c}`, [1, 2]));
        rows.push(e.op('CONCATENATION', [pair, col], [-1, 3], 'INT32', { axis: 1, fusedActivationFunction: 'NONE' }));
      }
    }
    const out = ctx.dynamicOutput(node.outputs[0], identity(2), [-1, 3]);
    if (rows.length === 1) e.reshape(rows[0], [-1, 3], out);
    else ctx.emit('CONCATENATION', rows, [out], { axis: 0, fusedActivationFunction: 'NONE' });
  },
};

/**
 * Boxes of zero area moved to unit squares of their own, beyond every box and apart from each other. TFLite's
 * NON_MAX_SUPPRESSION_V4 pushes a selected box back on its queue and suppresses it on the next pop by its IoU with
 * itself, which it takes as 0 when the box has no area (as onnxruntime, which never suppresses by such a box): the
 * same zero-area box would fill the output up to max_output_size. A unit square's IoU with itself is 1 and with
 * every other box 0, so it is selected once and suppresses nothing, which is onnxruntime's answer. The area is
 * computed as both runtimes do, |y2 - y1| · |x2 - x1| ≤ 0. Box i goes to [M+1, M+1+2i, M+2, M+2+2i], M the largest
 * coordinate (exact while M + 2n stays below 2^24).
 */
function spreadFlat(e: Emitter, bx: number, n: number, count: () => number): number {
  const ctx = e.ctx;
  const name = e.node.name;
  const side = e.un('ABS', e.bin('SUB',
    e.op('GATHER', [bx, ctx.constInt32([2, 3], `${name}/far`)], [n, 2], 'FLOAT32', { axis: 1, batchDims: 0 }),
    e.op('GATHER', [bx, ctx.constInt32([0, 1], `${name}/near`)], [n, 2], 'FLOAT32', { axis: 1, batchDims: 0 })));
  const flat = e.bin('LESS_EQUAL', e.reduce('REDUCE_PROD', side, [1], true), e.scalar(0));
  // i as a float column: a constant when the box count is known, else RANGE(0, n).
  const i = n >= 0 ? ctx.constFloat32(Array.from({ length: n }, (_, k) => k), [n, 1], `${name}/i`)
    : e.reshape(e.op('RANGE', [e.scalar(0), e.cast(count(), 'FLOAT32'), e.scalar(1)], [-1], 'FLOAT32'), [-1, 1]);
  const x1 = e.bin('MUL', i, e.scalar(2));
  const zero = e.bin('MUL', i, e.scalar(0));
  const unit = e.op('CONCATENATION', [zero, x1, e.bin('ADD', zero, e.scalar(1)), e.bin('ADD', x1, e.scalar(1))], [n, 4], 'FLOAT32',
    { axis: 1, fusedActivationFunction: 'NONE' });
  const past = e.bin('ADD', e.reduce('REDUCE_MAX', bx, [0, 1], false), e.scalar(1));
  return e.select(flat, e.bin('ADD', unit, past), bx);
}

/** The smallest float32 above t (t itself when NaN or +Infinity). */
function nextUp(t: number): number {
  const f = new Float32Array([t]);
  const u = new Uint32Array(f.buffer);
  if (Number.isNaN(f[0]) || f[0] === Infinity) return f[0];
  if (f[0] === 0) u[0] = 1;
  else if (f[0] > 0) u[0] += 1;
  else u[0] -= 1;
  return f[0];
}

/** [x_center, y_center, width, height] boxes → [y1, x1, y2, x2] corners (TFLite's order, as ONNX's default). */
function corners(e: Emitter, boxes: number, batches: number, n: number): number {
  const ctx = e.ctx;
  // centre [xc, yc] reversed to [yc, xc]; half size [h/2, w/2].
  const centre = e.op('GATHER', [boxes, ctx.constInt32([1, 0], `${e.node.name}/yx`)], [batches, n, 2], 'FLOAT32', { axis: 2, batchDims: 0 });
  const half = e.bin('MUL', e.op('GATHER', [boxes, ctx.constInt32([3, 2], `${e.node.name}/hw`)], [batches, n, 2], 'FLOAT32', { axis: 2, batchDims: 0 }), e.scalar(0.5));
  return e.op('CONCATENATION', [e.bin('SUB', centre, half), e.bin('ADD', centre, half)], [batches, n, 4], 'FLOAT32',
    { axis: 2, fusedActivationFunction: 'NONE' });
}
export default NonMaxSuppression;
