// ONNX ScatterND (reduction none, add; max / min / mul at constant unique indices) → TFLite SCATTER_ND with wrapped negative indices (_scatter.ts).
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { ndIndices } from './_indices';
import { emitScatter, scatterCheck } from './_scatter';
import { MAX_OPSET } from '../types';

const ScatterND: OpConverter = {
  op: 'ScatterND', emits: ['SCATTER_ND', 'FLOOR_MOD', 'GREATER', 'SELECT_V2', 'ADD', 'MINIMUM', 'MUL', 'SHAPE', 'FILL', 'SLICE', 'MAXIMUM', 'CAST',
    'RESHAPE', 'SUM', 'UNSORTED_SEGMENT_MAX', 'GATHER', 'EQUAL'],
  incidental: ['SHAPE', 'FILL', 'SLICE', 'MAXIMUM', 'CAST', 'RESHAPE', 'SUM', 'UNSORTED_SEGMENT_MAX', 'GATHER', 'EQUAL'] /* sizes known at run time; boolean data; last writers of computed indices */, opset: [11, MAX_OPSET], inputs: [3, 3],
  dtypes: ['float32', 'float64', 'int32', 'int64', 'bool'], layout: 'onnx',
  check: scatterCheck,
  convert(node, ctx) {
    const e = new Emitter(ctx, node);
    emitScatter(e, ndIndices(e, node.inputs[1], ctx.dims(node.inputs[0]), node.inputs[0]));
  },
};
export default ScatterND;
