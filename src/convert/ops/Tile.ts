// ONNX Tile → TFLite TILE with the repeats remapped to the stored layout.
import { toNumbers } from '../../ir/tensor';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { NUMERIC } from './_elementwise';

const Tile: OpConverter = {
  op: 'Tile', emits: ['TILE'], opset: [6, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], layout: 'axis',
  check(node, ctx) {
    return ctx.isConstant(node.inputs[1]) ? undefined : refuse('computed-input', 'Tile with non-constant repeats is not supported');
  },
  convert(node, ctx) {
    const x = ctx.inputAny(node.inputs[0]);
    const reps = toNumbers(ctx.constant(node.inputs[1])!);
    const out = ctx.output(node.outputs[0], x.perm);
    ctx.emit('TILE', [x.index, ctx.constInt32(x.perm.map((a) => reps[a]), `${node.name}/multiples`)], [out]);
  },
};
export default Tile;
