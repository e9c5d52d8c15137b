// com.microsoft DynamicQuantizeLSTM (onnxruntime's quantize_dynamic of an LSTM): int8 / uint8 W [dirs, input, 4·hidden]
// and R [dirs, hidden, 4·hidden] (transposed against LSTM's) with per-direction or per-column scales and zero points;
// onnxruntime rounds X and H to uint8 per step inside. Here the weights are dequantized (folded, in LSTM's layout) and
// the float LSTM runs on float activations, so the outputs differ from onnxruntime's by that activation rounding.
import { makeTensor, toNumbers } from '../../ir/tensor';
import type { Node } from '../../ir/types';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse } from '../types';
import LSTM from './LSTM';

/** (q - zp) · scale of W [dirs, K, 4H] (scale / zp [dirs] or [dirs, 4H]) as LSTM's float [dirs, 4H, K]. */
function floatWeights(ctx: ConvertContext, node: Node, q: string, s: string, z: string): string {
  const key = `${node.name}/${q}__float`;
  const [c, sc, zc] = [ctx.constant(q)!, ctx.constant(s)!, z ? ctx.constant(z) : undefined];
  const [D, K, G] = c.dims;
  const v = toNumbers(c);
  const sv = toNumbers(sc);
  const zv = zc ? toNumbers(zc) : [0];
  const at = (arr: number[], d: number, j: number) => (arr.length === 1 ? arr[0] : arr.length === D ? arr[d] : arr[d * G + j]);
  const out = new Float32Array(D * G * K);
  for (let d = 0; d < D; d++) for (let k = 0; k < K; k++) for (let j = 0; j < G; j++) {
    out[(d * G + j) * K + k] = (v[(d * K + k) * G + j] - at(zv, d, j)) * at(sv, d, j);
  }
  ctx.constants.set(key, makeTensor(key, 'float32', [D, G, K], out));
  return key;
}

const DynamicQuantizeLSTM: OpConverter = {
  op: 'DynamicQuantizeLSTM', domain: 'com.microsoft', emits: LSTM.emits, incidental: LSTM.incidental, opset: [1, MAX_OPSET], inputs: [12, 12],
  dtypes: ['float32'], micro: false, layout: 'onnx',
  check(node, ctx) {
    const [, w, r, , , , , , ws, wz, rs, rz] = node.inputs;
    for (const t of [w, r, ws, rs, wz, rz]) {
      if (t && !ctx.isConstant(t)) return refuse('computed-input', `${node.opType} with computed weights, scales or zero points is not supported`);
    }
    for (const t of [w, r]) if (!['int8', 'uint8'].includes(ctx.dtype(t))) return refuse('dtype', `${node.opType} with ${ctx.dtype(t)} weights is not supported (int8, uint8)`);
    return undefined;
  },
  convert(node, ctx) {
    const [x, w, r, b, seq, h0, c0, p, ws, wz, rs, rz] = node.inputs;
    const fnode: Node = { ...node, opType: 'LSTM', domain: '', inputs: [x, floatWeights(ctx, node, w, ws, wz), floatWeights(ctx, node, r, rs, rz), b, seq, h0, c0, p] };
    while (fnode.inputs.length && !fnode.inputs[fnode.inputs.length - 1]) fnode.inputs.pop();
    const why = LSTM.check?.(fnode, ctx);
    if (why) ctx.fail(why.message, why.code);
    LSTM.convert(fnode, ctx);
  },
};
export default DynamicQuantizeLSTM;
