// ONNX-level clean-up before conversion: BatchNormalization folded into the Conv before it, and
// x * HardSigmoid(x) recognised as HardSwish, GELU written out with Erf or Tanh as Gelu (simplify-gelu.ts),
// PyTorch's GroupNorm (Reshape, InstanceNormalization, Reshape) as GroupNormalization (simplify-norm.ts), and
// attention's three head splits (packed or separate q, k, v projections) as one (simplify-attention.ts).
// (Identity and Dropout become aliases in their converters; constant subgraphs are folded by shape inference.)
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32, toNumbers } from '../ir/tensor';
import { fuseGelu } from './simplify-gelu';
import { fuseGroupNorm } from './simplify-norm';
import { fusePackedHeads, fuseSeparateProjections } from './simplify-attention';

function attrNum(n: Node, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  return a && (a.type === 'float' || a.type === 'int') ? a.value : dflt;
}

export function simplifyGraph(g: Graph, constants: Map<string, Tensor>): void {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of g.outputs) uses.set(o.name, (uses.get(o.name) ?? 0) + 1);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const drop = new Set<Node>();
  for (const bn of g.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.filter(Boolean).length !== 1) continue;
    const conv = producer.get(bn.inputs[0]);
    if (!conv || conv.opType !== 'Conv' || uses.get(bn.inputs[0]) !== 1) continue;
    const [, sN, bN, mN, vN] = bn.inputs;
    const W = constants.get(conv.inputs[1]);
    const params = [sN, bN, mN, vN].map((x) => constants.get(x));
    if (!W || params.some((p) => !p) || W.dtype !== 'float32') continue;
    const [scale, bias, mean, varc] = params.map((p) => toNumbers(p!));
    const eps = attrNum(bn, 'epsilon', 1e-5);
    const cout = W.dims[0];
    const per = W.data.length / cout;
    const w = toFloat32(W);
    const nw = new Float32Array(w.length);
    const oldB = conv.inputs[2] ? toNumbers(constants.get(conv.inputs[2])!) : new Array<number>(cout).fill(0);
    const nb = new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const k = scale[c] / Math.sqrt(varc[c] + eps);
      for (let j = 0; j < per; j++) nw[c * per + j] = w[c * per + j] * k;
      nb[c] = (oldB[c] - mean[c]) * k + bias[c];
    }
    const wName = `${conv.name}/folded_weight`;
    const bName = `${conv.name}/folded_bias`;
    constants.set(wName, { name: wName, dtype: 'float32', dims: [...W.dims], data: nw });
    constants.set(bName, { name: bName, dtype: 'float32', dims: [cout], data: nb });
    g.values.set(wName, { name: wName, dtype: 'float32', shape: [...W.dims] });
    g.values.set(bName, { name: bName, dtype: 'float32', shape: [cout] });
    conv.inputs = [conv.inputs[0], wName, bName];
    conv.outputs = [bn.outputs[0]];
    drop.add(bn);
  }
  // x * HardSigmoid(x) with PyTorch's alpha = 1/6, beta = 1/2 is HardSwish (opset < 14 exports it that way).
  for (const mul of g.nodes) {
    if (mul.opType !== 'Mul' || drop.has(mul)) continue;
    for (const side of [0, 1]) {
      const hs = producer.get(mul.inputs[side]);
      const x = mul.inputs[1 - side];
      if (!hs || hs.opType !== 'HardSigmoid' || hs.inputs[0] !== x || uses.get(hs.outputs[0]) !== 1 || drop.has(hs)) continue;
      if (Math.abs(attrNum(hs, 'alpha', 0.2) - 1 / 6) > 1e-6 || Math.abs(attrNum(hs, 'beta', 0.5) - 0.5) > 1e-6) continue;
      mul.opType = 'HardSwish';
      mul.inputs = [x];
      mul.attrs = new Map();
      drop.add(hs);
      break;
    }
  }
  if (drop.size) g.nodes = g.nodes.filter((n) => !drop.has(n));
  fuseGelu(g, constants);
  fuseGroupNorm(g, constants);
  fusePackedHeads(g, constants);
  fuseSeparateProjections(g, constants);
}
