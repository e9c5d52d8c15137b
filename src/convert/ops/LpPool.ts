// ONNX LpPool: (Σ over each window |x|^p)^(1/p) → |x|^p (ops/_lp.ts) channel-last, the AveragePool converter with
// count_include_pad=1 (padding counts as zeros, as in the sum) times the window size, the root. Opsets 2-24
// (dilations and ceil_mode from 18, as AveragePool takes them).
import { attrInts } from '../attrs';
import { channelLast } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { Emitter } from './_emit';
import { LP_EMITS, lpPower, lpRoot } from './_lp';
import { checkPool, emitPool } from './_pool';

const LpPool: OpConverter = {
  op: 'LpPool', emits: [...LP_EMITS, 'AVERAGE_POOL_2D', 'PAD', 'RESHAPE', 'STRIDED_SLICE', 'ADD'], opset: [2, MAX_OPSET], dtypes: ['float32'],
  int8: false, layout: 'spatial', check: checkPool,
  convert(node, ctx) {
    const [x] = node.inputs;
    const y = node.outputs[0];
    const rank = ctx.rank(x);
    const e = new Emitter(ctx, node);
    const [powered, mean] = [`${y}__lp_power`, `${y}__lp_mean`];
    ctx.declare(powered, 'float32', ctx.shape(x));
    ctx.declare(mean, 'float32', ctx.shape(y));
    ctx.bind(powered, lpPower(e, ctx.inputChannelLast(x)), channelLast(rank));
    const attrs = new Map(node.attrs);
    attrs.set('count_include_pad', { type: 'int', value: 1 });
    attrs.delete('p');
    emitPool(ctx, { ...node, opType: 'AveragePool', inputs: [powered], outputs: [mean], attrs }, 'AVERAGE_POOL_2D');
    const k = (attrInts(node, 'kernel_shape') ?? []).reduce((a, b) => a * b, 1);
    lpRoot(e, e.bin('MUL', ctx.inputChannelLast(mean), e.scalar(k)), ctx.output(y, channelLast(rank)));
  },
};
export default LpPool;
