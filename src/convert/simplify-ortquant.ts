// onnxruntime's dynamic quantization (`onnxruntime.quantization.quantize_dynamic`, producer "onnx.quantize"):
//   (xq, xs, xzp) = DynamicQuantizeLinear(x)
//   y = Add(Mul(Cast(ConvInteger(xq, Wq, xzp, wzp), float), Mul(xs, ws)), bias)      (MatMulInteger alike)
// is the float op on x with the weights (Wq - wzp) * ws: the pattern becomes Conv(x, W, bias) / MatMul(x, W), and
// the weight's quantization step ws is returned per rewritten node, so the converted file stores those weights as
// int8 again on the same grid (ortWeightsToInt8, src/convert/ort-weights.ts) instead of four times their size in
// float32. Activations stay float: TFLite computes them exactly where onnxruntime rounds them to uint8 per tensor.
// Converted one node at a time, the pattern cost a float graph of ~12 ops per conv plus a layout transpose each.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { folded } from './simplify-util';

/** The quantization step (ws) of each rewritten node's weights, by node name. */
export type OrtWeightSteps = Map<string, number>;

function scalar(constants: Map<string, Tensor>, name: string | undefined): number | undefined {
  const t = name ? constants.get(name) : undefined;
  if (!t || t.data.length !== 1) return undefined;
  return toNumbers(t)[0];
}

export function fuseOrtDynamicQuant(g: Graph, constants: Map<string, Tensor>): OrtWeightSteps {
  const steps: OrtWeightSteps = new Map();
  if (!g.nodes.some((n) => n.opType === 'DynamicQuantizeLinear')) return steps;
  const live = g.nodes.filter((n) => !folded(n, constants));
  const uses = new Map<string, Node[]>();
  for (const n of live) for (const i of n.inputs) if (i) uses.set(i, [...(uses.get(i) ?? []), n]);
  const outputs = new Set(g.outputs.map((o) => o.name));
  const producer = new Map<string, Node>();
  for (const n of live) for (const o of n.outputs) if (o) producer.set(o, n);
  const only = (v: string, op: string): Node | undefined => {
    const u = uses.get(v);
    return u && u.length === 1 && u[0].opType === op && !outputs.has(v) ? u[0] : undefined;
  };
  const drop = new Set<Node>();
  for (const q of live) {
    if (q.opType !== 'ConvInteger' && q.opType !== 'MatMulInteger') continue;
    const [xq, wq, xzp, wzp] = q.inputs;
    const dql = producer.get(xq);
    const W = constants.get(wq);
    if (!dql || dql.opType !== 'DynamicQuantizeLinear' || dql.outputs[0] !== xq || (xzp && dql.outputs[2] !== xzp)) continue;
    if (!W || (W.dtype !== 'uint8' && W.dtype !== 'int8')) continue;
    const zw = wzp ? scalar(constants, wzp) : 0;
    if (zw === undefined) continue;
    const cast = only(q.outputs[0], 'Cast');
    if (!cast || cast.attrs.get('to')?.value !== 1) continue;
    const mul = only(cast.outputs[0], 'Mul');
    if (!mul) continue;
    const sName = mul.inputs[mul.inputs[0] === cast.outputs[0] ? 1 : 0];
    const sMul = producer.get(sName);
    if (!sMul || sMul.opType !== 'Mul') continue;
    const wsName = sMul.inputs[sMul.inputs[0] === dql.outputs[1] ? 1 : sMul.inputs[1] === dql.outputs[1] ? 0 : -1];
    const ws = scalar(constants, wsName);
    if (ws === undefined || !(ws > 0)) continue;
    // The float weights, on the grid of step ws.
    const wv = toNumbers(W);
    const wf = new Float32Array(wv.length);
    for (let i = 0; i < wv.length; i++) wf[i] = (wv[i] - zw) * ws;
    const wName = `${q.name || q.outputs[0]}/dequantized_weight`;
    constants.set(wName, { name: wName, dtype: 'float32', dims: [...W.dims], data: wf });
    g.values.set(wName, { name: wName, dtype: 'float32', shape: [...W.dims] });
    let out = mul.outputs[0];
    let bias: string | undefined;
    const add = q.opType === 'ConvInteger' ? only(out, 'Add') : undefined;
    if (add) {
      const bName = add.inputs[add.inputs[0] === out ? 1 : 0];
      const B = constants.get(bName);
      const cout = W.dims[0];
      const rank = W.dims.length;
      // A per-channel bias broadcast over the NC... output: [C], [C,1,1] or [1,C,1,1] for a 2-D conv.
      if (B && B.dtype === 'float32' && B.data.length === cout && B.dims.length <= rank
        && B.dims.every((d, k) => d === 1 || (d === cout && k === B.dims.length - (rank - 1)))) {
        bias = `${wName.replace(/weight$/, 'bias')}`;
        constants.set(bias, { name: bias, dtype: 'float32', dims: [cout], data: Float32Array.from(toNumbers(B)) });
        g.values.set(bias, { name: bias, dtype: 'float32', shape: [cout] });
        out = add.outputs[0];
        drop.add(add);
      }
    }
    q.opType = q.opType === 'ConvInteger' ? 'Conv' : 'MatMul';
    q.inputs = bias ? [dql.inputs[0], wName, bias] : [dql.inputs[0], wName];
    q.outputs = [out];
    drop.add(cast).add(mul);
    steps.set(q.name, ws);
  }
  if (drop.size === 0) return steps;
  g.nodes = g.nodes.filter((n) => !drop.has(n));
  // The scale products and DynamicQuantizeLinear nodes nothing reads any more.
  for (let changed = true; changed;) {
    changed = false;
    const read = new Set<string>(g.outputs.map((o) => o.name));
    for (const n of g.nodes) for (const i of n.inputs) if (i) read.add(i);
    const before = g.nodes.length;
    g.nodes = g.nodes.filter((n) => !((n.opType === 'DynamicQuantizeLinear' || n.opType === 'Mul') && n.outputs.every((o) => !o || !read.has(o))));
    changed = g.nodes.length !== before;
  }
  return steps;
}
