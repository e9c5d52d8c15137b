// ONNX ScatterND (reduction none, add; max / min / mul at constant unique indices) → TFLite SCATTER_ND with wrapped
// negative indices (_scatter.ts); max / min / mul at computed or repeated indices apply the index rows one after
// another (_scatter-serial.ts).
import { attrString } from '../attrs';
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { ndIndices } from './_indices';
import { emitScatter, scatterCheck } from './_scatter';
import { emitSerialScatter, serialReason } from './_scatter-serial';
import { MAX_OPSET, refuse } from '../types';

const COMBINED = new Set(['max', 'min', 'mul']);

const ScatterND: OpConverter = {
  op: 'ScatterND', emits: ['SCATTER_ND', 'FLOOR_MOD', 'GREATER', 'SELECT_V2', 'ADD', 'MINIMUM', 'MUL', 'SHAPE', 'FILL', 'SLICE', 'MAXIMUM', 'CAST',
    'RESHAPE', 'SUM', 'UNSORTED_SEGMENT_MAX', 'GATHER', 'EQUAL'],
  incidental: ['SHAPE', 'FILL', 'SLICE', 'MAXIMUM', 'CAST', 'RESHAPE', 'SUM', 'UNSORTED_SEGMENT_MAX', 'GATHER', 'EQUAL'] /* sizes known at run time; boolean data; last writers of computed indices */, opset: [11, MAX_OPSET], inputs: [3, 3],
  dtypes: ['float32', 'float64', 'int32', 'int64', 'bool'], layout: 'onnx',
  check(node, ctx) {
    const first = scatterCheck(node, ctx);
    if (!first || first.code !== 'attribute' || !COMBINED.has(attrString(node, 'reduction', 'none'))) return first;
    // Computed or repeated indices: row by row, when the rows are few and every size is known.
    const why = serialReason(node, ctx);
    if (why) return refuse('attribute', why);
    const dt = ctx.dtype(node.inputs[0]);
    return ['float32', 'float64', 'int32', 'int64'].includes(dt) ? undefined : refuse('dtype', `ScatterND on ${dt} is not supported`);
  },
  convert(node, ctx) {
    const e = new Emitter(ctx, node);
    const coords = ndIndices(e, node.inputs[1], ctx.dims(node.inputs[0]), node.inputs[0]);
    if (COMBINED.has(attrString(node, 'reduction', 'none')) && scatterCheck(node, ctx)) emitSerialScatter(e, coords);
    else emitScatter(e, coords);
  },
};
export default ScatterND;
