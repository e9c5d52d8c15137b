// ONNX Scan: unrolled before conversion when its sequence length is static and small (control-flow.ts), so a Scan
// that reaches the converter is one that cannot be; check() says why (the compatibility view shows it).
import { scanPlan } from '../control-flow';
import type { OpConverter } from '../types';

const Scan: OpConverter = {
  op: 'Scan', emits: [], opset: [8, 23], dtypes: ['float32', 'int32', 'int64', 'bool'], int8: false, micro: true, layout: 'onnx',
  check(node, ctx) {
    const plan = scanPlan(node, ctx.graph, ctx.opset);
    return 'refuse' in plan ? plan.refuse : undefined;
  },
  convert(node, ctx) {
    ctx.fail('Scan was not unrolled: its body could not be copied (too many nodes)');
  },
};
export default Scan;
