// ONNX ReduceSumSquare → TFLite MUL (x²) then SUM (see _reduce_composite.ts).
import { compositeReduce } from './_reduce_composite';

export default compositeReduce('ReduceSumSquare', ['MUL', 'SUM'], (e, x, axes, out) => e.reduce('SUM', e.bin('MUL', x, x), axes, true, out), ['float32', 'float64', 'int32', 'int64']);
