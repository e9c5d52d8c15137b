// ONNX ReduceL1 → TFLite ABS then SUM (see _reduce_composite.ts).
import { compositeReduce } from './_reduce_composite';

export default compositeReduce('ReduceL1', ['ABS', 'SUM'], (e, x, axes, out) => e.reduce('SUM', e.un('ABS', x), axes, true, out), ['float32', 'float64', 'int32', 'int64']);
