// ONNX Softplus: log(1 + exp(x)), computed as relu(x) + log(1 + exp(-|x|)) so that large inputs do not overflow.
import { composite, softplusOf } from './_emit';

export default composite('Softplus', ['ABS', 'NEG', 'EXP', 'ADD', 'LOG', 'RELU'], (e, x, y) => {
  softplusOf(e, x, y);
});
