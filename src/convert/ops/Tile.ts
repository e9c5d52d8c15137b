// ONNX Tile → TFLite TILE: constant repeats are remapped to the stored layout; computed ones (ONNX order) tile the
// input in ONNX order into an output sized at run time. A small input stored in another order is tiled in ONNX
// order when the big result meets ONNX-order partners (grown-layout.ts).
import { toNumbers } from '../../ir/tensor';
import { growsAgainstOnnx } from '../grown-layout';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET } from '../types';
import { vectorOf } from './_dynamic';
import { NUMERIC } from './_elementwise';
import { Emitter } from './_emit';

const Tile: OpConverter = {
  op: 'Tile', emits: ['TILE'], opset: [6, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'axis',
  convert(node, ctx) {
    if (!ctx.isConstant(node.inputs[1])) {
      const rank = ctx.rank(node.inputs[0]);
      const x = ctx.input(node.inputs[0], identity(rank));
      const reps = vectorOf(ctx, new Emitter(ctx, node), node.inputs[1]);
      const out = ctx.dynamicOutput(node.outputs[0], identity(rank), new Array<number>(rank).fill(-1));
      ctx.emit('TILE', [x, reps], [out]);
      return;
    }
    const x = growsAgainstOnnx(ctx, node) ? { index: ctx.inputOnnx(node.inputs[0]), perm: identity(ctx.rank(node.inputs[0])) } : ctx.inputAny(node.inputs[0]);
    const reps = toNumbers(ctx.constant(node.inputs[1])!);
    const out = ctx.output(node.outputs[0], x.perm);
    ctx.emit('TILE', [x.index, ctx.constInt32(x.perm.map((a) => reps[a]), `${node.name}/multiples`)], [out]);
  },
};
export default Tile;
