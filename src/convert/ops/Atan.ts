// ONNX Atan: atan2(x, 1) → TFLite ATAN2 (which does not broadcast: the ones are a constant of x's shape).
import { elementCount } from '../../ir/types';
import { composite } from './_emit';

export default composite('Atan', ['ATAN2'], (e, x, y, node) => {
  const shape = e.shape(x);
  const ones = e.ctx.constFloat32(new Float32Array(elementCount(shape)).fill(1), shape, `${node.name}/ones`);
  e.bin('ATAN2', x, ones, y);
});
