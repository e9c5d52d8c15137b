// ONNX Selu: gamma * (x > 0 ? x : alpha * (exp(x) - 1)) = gamma * relu(x) + alpha * gamma * ELU(min(x, 0)): TFLite's
// ELU has an int8 kernel, so full int8 runs it (written with EXP it stayed float32: _elu.ts).
import { attrFloat } from '../attrs';
import { composite } from './_emit';
import { ELU_FORM_OPS, eluForm } from './_elu';

export default composite('Selu', ELU_FORM_OPS, (e, x, y, node) => {
  const alpha = attrFloat(node, 'alpha', 1.67326319217681884765625);
  const gamma = attrFloat(node, 'gamma', 1.05070102214813232421875);
  eluForm(e, x, { alpha, gamma }, y);
}, { int8: true });
