// ONNX Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) = relu(x) + alpha * ELU(min(x, 0) / alpha), every op
// with an int8 kernel (_elu.ts).
import { attrFloat } from '../attrs';
import { composite } from './_emit';
import { ELU_FORM_OPS, eluForm } from './_elu';

export default composite('Celu', ELU_FORM_OPS, (e, x, y, node) => {
  const alpha = attrFloat(node, 'alpha', 1);
  eluForm(e, x, { alpha, scale: alpha }, y);
}, { int8: true });
