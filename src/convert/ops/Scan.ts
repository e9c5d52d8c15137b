// ONNX Scan: unrolled before conversion when its sequence length is static and small (control-flow.ts), so a Scan
// that reaches the converter is one that cannot be; check() says why (the compatibility view shows it).
import { scanPlan } from '../control-flow';
import { MAX_OPSET, OpConverter, refuse } from '../types';
import { NUMERIC } from './_elementwise';

const Scan: OpConverter = {
  op: 'Scan', emits: [], opset: [8, MAX_OPSET], dtypes: [...NUMERIC, 'bool'], int8: false, layout: 'onnx',
  check(node, ctx) {
    const plan = scanPlan(node, ctx.graph, ctx.opset);
    return 'refuse' in plan ? refuse(/static shape/.test(plan.refuse) ? 'dynamic-shape' : 'unsupported', plan.refuse) : undefined;
  },
  convert(node, ctx) {
    ctx.fail('Scan was not unrolled: its body could not be copied (too many nodes)');
  },
};
export default Scan;
