// ONNX Elu → TFLite ELU (elementwise, any layout) for alpha = 1; other alphas as relu(x) + alpha * ELU(min(x, 0)),
// every op with an int8 kernel (_elu.ts).
import { attrFloat } from '../attrs';
import { composite } from './_emit';
import { ELU_FORM_OPS, eluForm } from './_elu';

export default composite('Elu', ELU_FORM_OPS, (e, x, y, node) => {
  eluForm(e, x, { alpha: attrFloat(node, 'alpha', 1) }, y);
}, { int8: true });
