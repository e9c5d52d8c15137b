// ONNX Expand → TFLite BROADCAST_TO to the inferred output shape (on the stored layout). An output with dims known
// only at run time (torchvision's index.expand(n, C, H, W) over n RoIs) broadcasts to the shape computed then:
// ONNX broadcasts both ways, so each target dim is the shape's, or the input's where the shape says 1.
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import { Perm, identity, sameMemoryOrder, samePerm } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { NUMERIC } from './_elementwise';
import { vectorOf } from './_dynamic';
import { Emitter } from './_emit';

const Expand: OpConverter = {
  op: 'Expand', emits: ['BROADCAST_TO', 'SHAPE', 'EQUAL', 'SELECT_V2', 'CAST', 'RESHAPE'],
  incidental: ['SHAPE', 'EQUAL', 'SELECT_V2', 'CAST', 'RESHAPE'] /* sizes known only at run time */,
  opset: [8, MAX_OPSET], inputs: [2, 2], dtypes: [...NUMERIC, 'bool'], layout: 'any',
  convert(node, ctx) {
    const y = node.outputs[0];
    const rank = ctx.rank(y);
    const dims = ctx.dims(y);
    if (dims.some((d) => d < 0)) {
      const e = new Emitter(ctx, node);
      const r = ctx.rank(node.inputs[0]);
      let x = ctx.inputOnnx(node.inputs[0]);
      // Leading unit dims up to the output's rank (a RESHAPE to [1, .., 1, dims of x] measured at run time).
      if (r < rank) {
        // A scalar's SHAPE would be an empty [0] tensor, which LiteRT cannot hold (DDQ's `mask[keep] = 1.0`).
        const full = r === 0 ? ctx.constInt32(new Array<number>(rank).fill(1), `${node.name}/ones`)
          : e.op('CONCATENATION', [ctx.constInt32(new Array<number>(rank - r).fill(1), `${node.name}/ones`),
            e.op('SHAPE', [x], [r], 'INT32', { outType: 'INT32' })], [rank], 'INT32', { axis: 0, fusedActivationFunction: 'NONE' });
        x = e.op('RESHAPE', [x, full], [...new Array<number>(rank - r).fill(1), ...ctx.dims(node.inputs[0])], e.type(x));
      }
      const s = vectorOf(ctx, e, node.inputs[1]);
      const target = e.select(e.bin('EQUAL', s, e.scalar(1, 'INT32')), e.op('SHAPE', [x], [rank], 'INT32', { outType: 'INT32' }), s);
      ctx.emit('BROADCAST_TO', [x, target], [ctx.dynamicOutput(y, identity(rank), dims)], undefined, 2);
      return;
    }
    const perm = readerOrder(ctx, node, rank) ?? ctx.commonPerm([node.inputs[0]], rank);
    const x = ctx.inputBroadcast(node.inputs[0], rank, perm);
    const out = ctx.output(y, perm);
    const shape = ctx.tensors[out].shape;
    ctx.emit('BROADCAST_TO', [x, ctx.constInt32(shape, `${node.name}/shape`)], [out], undefined, 2);
  },
};
export default Expand;

const JOINS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow', 'Sum', 'Mean']);

/**
 * The stored order of the map an Expand's only reader joins it with, when the Expand's input reaches that order by
 * moving unit dims only: a per-channel gate [N, C, 1, 1] expanded to the map it multiplies (CBAM's
 * `sigmoid(..).unsqueeze(2).unsqueeze(3).expand_as(x)`) is broadcast channel-last, not in ONNX order and then moved
 * whole for the Mul (the block before a global pool, whose value no convolution reads after, had no channel-last hint).
 */
function readerOrder(ctx: ConvertContext, node: Node, rank: number): Perm | undefined {
  const [x] = node.inputs;
  const y = node.outputs[0];
  if (ctx.isConstant(x) || ctx.rank(x) !== rank) return undefined;
  const readers = ctx.readersOf(y);
  if (readers.length !== 1 || !JOINS.has(readers[0].opType)) return undefined;
  const others = readers[0].inputs.filter((i) => i && i !== y && !ctx.isConstant(i) && ctx.has(i) && ctx.rank(i) === rank);
  if (!others.length) return undefined;
  const p = ctx.permOf(others[0]);
  if (!others.every((o) => samePerm(ctx.permOf(o), p)) || samePerm(p, ctx.permOf(x))) return undefined;
  return sameMemoryOrder(ctx.dims(x), ctx.permOf(x), p) ? p : undefined;
}
