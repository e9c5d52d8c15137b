// Shared lowering of ONNX NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. The scores are brought class-last
// and flattened to [M, C] (M = N·d1·..., any rank works and C is TFLite's LOG_SOFTMAX axis); the target becomes a
// ONE_HOT over the classes (an out-of-range ignore_index picks nothing), the picked log-probability and its class
// weight come out of MUL + SUM over the classes, and the reduction is a SUM (divided by the summed weights for
// 'mean').
import type { Node } from '../../ir/types';
import { attrString } from '../attrs';
import type { ConvertContext } from '../context';
import { channelLast, identity, samePerm } from '../layout';
import { Emitter } from './_emit';
import { refuse } from '../types';
import type { Refusal } from '../types';

export function lossCheck(node: Node, ctx: ConvertContext): Refusal | undefined {
  const reduction = attrString(node, 'reduction', 'mean');
  if (!['none', 'sum', 'mean'].includes(reduction)) return refuse('attribute', `${node.opType} with reduction=${reduction} is not supported`);
  if (ctx.dtype(node.inputs[0]) !== 'float32') return refuse('dtype', `${node.opType} on ${ctx.dtype(node.inputs[0])} is not supported (float32 only)`);
  return undefined;
}

/** ONNX [N, C, d1..] scores as a [N·d1·..., C] tensor. */
export function classLast2d(e: Emitter, name: string): number {
  const { ctx } = e;
  const dims = ctx.shape(name);
  const [N, C] = dims;
  const D = dims.slice(2).reduce((a, b) => a * b, 1);
  const perm = channelLast(dims.length);
  if (dims.length === 2 || samePerm(ctx.permOf(name), perm)) return e.reshape(ctx.input(name, perm), [N * D, C]);
  // [N, C, D] in ONNX order, then its class-last version from the layout pass.
  const ncd = `${ctx.resolve(name)}__ncd`;
  ctx.declare(ncd, ctx.dtype(name), [N, C, D]);
  e.reshape(ctx.inputOnnx(name), [N, C, D], ctx.output(ncd, identity(3)));
  return e.reshape(ctx.input(ncd, [0, 2, 1]), [N * D, C]);
}

/** Writes the loss of [M, C] log-probabilities `logp` against `target` ([N, d1..]) into ONNX value `out`. */
export function emitNll(e: Emitter, logp: number, target: string, weight: string | undefined, out: string): void {
  const { ctx, node } = e;
  const [M, C] = e.shape(logp);
  const tShape = ctx.shape(target);
  const reduction = attrString(node, 'reduction', 'mean');
  const iiAttr = node.attrs.get('ignore_index');
  const ii = iiAttr ? Number(iiAttr.value) : undefined;
  const t = e.reshape(ctx.inputOnnx(target), [M]);
  const onehot = e.op('ONE_HOT', [t, e.scalar(C, 'INT32'), e.scalar(1), e.scalar(0)], [M, C], 'FLOAT32', { axis: -1 });
  const picked = e.reduce('SUM', e.bin('MUL', logp, onehot), [1], false);
  let w: number | undefined;
  if (weight) w = e.reduce('SUM', e.bin('MUL', onehot, ctx.inputOnnx(weight)), [1], false);
  if (ii !== undefined && (!w || (ii >= 0 && ii < C))) {
    const mask = e.cast(e.bin('NOT_EQUAL', t, e.scalar(ii, 'INT32')), 'FLOAT32');
    w = w ? e.bin('MUL', w, mask) : mask;
  }
  // The loss is [N, d1..] for reduction 'none', else a scalar (declared here: shape inference may not know the op).
  ctx.declare(out, 'float32', reduction === 'none' ? tShape : []);
  const y = ctx.output(out, identity(reduction === 'none' ? tShape.length : 0));
  const neg = e.un('NEG', picked);
  const loss = w ? e.bin('MUL', neg, w) : neg;
  if (reduction === 'none') {
    e.reshape(loss, tShape, y);
    return;
  }
  if (reduction === 'sum') {
    e.reduce('SUM', loss, [0], false, y);
    return;
  }
  const total = e.reduce('SUM', loss, [0], false);
  const count = w ? e.reduce('SUM', w, [0], false) : e.scalar(M);
  e.bin('DIV', total, count, y);
}
