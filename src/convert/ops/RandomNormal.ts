// ONNX RandomNormal (a constant `shape` attribute: Piper's duration-predictor noise) → RANDOM_STANDARD_NORMAL (_random.ts).
import { attrInts } from '../attrs';
import { identity } from '../layout';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import { emitRandomNormal } from './_random';

const RandomNormal: OpConverter = {
  op: 'RandomNormal', emits: ['RANDOM_STANDARD_NORMAL', 'MUL', 'ADD'], opset: [1, MAX_OPSET], dtypes: ['float32'], inputs: [0, 0],
  layout: 'onnx', int8: false, micro: false,
  check(node, ctx) {
    if (ctx.dtype(node.outputs[0]) !== 'float32') return refuse('dtype', `RandomNormal of ${ctx.dtype(node.outputs[0])} is not supported (float32 only)`);
    return undefined;
  },
  convert(node, ctx) {
    const dims = attrInts(node, 'shape') ?? [];
    emitRandomNormal(ctx, node, ctx.constInt32(dims, `${node.name}/shape`), identity(dims.length));
  },
};
export default RandomNormal;
