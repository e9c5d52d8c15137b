// ONNX ReduceL2 → TFLite MUL (x²), SUM, SQRT (see _reduce_composite.ts).
import { compositeReduce } from './_reduce_composite';

export default compositeReduce('ReduceL2', ['MUL', 'SUM', 'SQRT'], (e, x, axes, out) =>
  e.un('SQRT', e.reduce('SUM', e.bin('MUL', x, x), axes, true), out));
