// ONNX ReduceLogSumExp → TFLite REDUCE_MAX, SUB, EXP, SUM, LOG, ADD: log(Σ exp(x - max)) + max, which does not
// overflow (see _reduce_composite.ts).
import { compositeReduce } from './_reduce_composite';

export default compositeReduce('ReduceLogSumExp', ['REDUCE_MAX', 'SUB', 'EXP', 'SUM', 'LOG', 'ADD'], (e, x, axes, out) => {
  const m = e.reduce('REDUCE_MAX', x, axes, true);
  const s = e.reduce('SUM', e.un('EXP', e.bin('SUB', x, m)), axes, true);
  return e.bin('ADD', e.un('LOG', s), m, out);
});
