// ONNX ScatterElements (reduction none or add) → TFLite SCATTER_ND with every element's full coordinates (the axis
// coordinate from the indices), see _indices.ts and _scatter.ts; data and indices may be sized at run time.
import { attrInt, normAxis } from '../attrs';
import type { OpConverter } from '../types';
import { Emitter } from './_emit';
import { elementCoords } from './_indices';
import { emitScatter, scatterCheck } from './_scatter';
import { MAX_OPSET } from '../types';
import { emitRowScatter, rowSource } from './_scatter_rows';

const ScatterElements: OpConverter = {
  op: 'ScatterElements',
  emits: ['SCATTER_ND', 'CONCATENATION', 'RESHAPE', 'FLOOR_MOD', 'GREATER', 'SELECT_V2', 'ADD', 'SHAPE', 'GATHER', 'EXPAND_DIMS', 'MUL',
    'RANGE', 'FILL', 'CAST', 'STRIDED_SLICE', 'MAXIMUM'],
  incidental: ['SHAPE', 'GATHER', 'EXPAND_DIMS', 'MUL', 'RANGE', 'FILL', 'CAST', 'STRIDED_SLICE', 'MAXIMUM'] /* sizes known only at run time */,
  opset: [11, MAX_OPSET], inputs: [3, 3],
  // Layout: ONNX order, except a row scatter (one index per row, _scatter_rows.ts), which keeps the updates' layout.
  dtypes: ['float32', 'float64', 'int32', 'int64'], layout: 'onnx',
  check: scatterCheck,
  convert(node, ctx) {
    const rows = rowSource(ctx, node);
    if (rows) return emitRowScatter(ctx, node, rows);
    const dims = ctx.dims(node.inputs[0]);
    const e = new Emitter(ctx, node);
    emitScatter(e, elementCoords(e, node.inputs[1], normAxis(attrInt(node, 'axis', 0), dims.length), dims));
  },
};
export default ScatterElements;
