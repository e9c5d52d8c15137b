// ONNX ReduceLogSum → TFLite SUM then LOG (see _reduce_composite.ts).
import { compositeReduce } from './_reduce_composite';

export default compositeReduce('ReduceLogSum', ['SUM', 'LOG'], (e, x, axes, out) => e.un('LOG', e.reduce('SUM', x, axes, true), out));
