// QDQ models (ONNX QuantizeLinear → DequantizeLinear pairs, as ONNX Runtime's quantization tool writes them) for
// `--quantize int8`: before conversion, each activation pair is removed and its scale / zero point kept as the fixed
// int8 parameters of the float tensor it wrapped; DequantizeLinear of constant weights and int32 biases (and
// QuantizeLinear → DequantizeLinear of float constants) become float initializers, which the int8 pass quantizes
// again per channel: with ONNX Runtime's symmetric weights that reproduces the same integers and scales. onnxruntime's
// com.microsoft Quantize/DequantizeLinear (UseQDQContribOps) count as the same; a 16-bit pair (int16 / uint16
// activations) is removed too, but its scale is no int8 one: that tensor's int8 range comes from calibration.
import { foldNode, isQdqNode } from '../ir/fold';
import { ONNX_DTYPES, toFloat32 } from '../ir/tensor';
import { opsetOf, type Model, type Node, type Tensor } from '../ir/types';
import type { QParams } from './params';

function attrInt(n: Node, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  return a && a.type === 'int' ? a.value : dflt;
}

/** A Cast from a QuantizeLinear's output to the 8-bit type it already has (PyTorch's export writes one). */
function isIdentityCast(cast: Node, q: Node, consts: Map<string, Tensor>): boolean {
  const to = ONNX_DTYPES[attrInt(cast, 'to', 0)];
  const zp = q.inputs[2] ? consts.get(q.inputs[2]) : undefined;
  return to === (zp?.dtype ?? 'uint8');
}

interface Qp { scale: Float32Array; zp: Float32Array; unsigned: boolean; axis: number; bits: number }

const BITS: Record<string, number> = { int8: 8, uint8: 8, int16: 16, uint16: 16 };

export function hasQdq(model: Model): boolean {
  return model.graph.nodes.some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear');
}

/** Rewrites `model` in place (no QDQ nodes left that it can remove); returns fixed parameters by ONNX value name. */
export function stripQdq(model: Model): Map<string, QParams> {
  const g = model.graph;
  const consts = new Map<string, Tensor>(g.initializers);
  for (const n of g.nodes) {
    const v = n.attrs.get('value');
    if (n.opType === 'Constant' && v?.type === 'tensor') consts.set(n.outputs[0], v.value);
    // PyTorch's quantized export computes its bias zero points (ConstantOfShape → Cast to int32): small constant
    // subgraphs other than Q/DQ are evaluated here so that their values count as constants.
    else if (n.opType !== 'QuantizeLinear' && n.opType !== 'DequantizeLinear' && n.inputs.every((i) => !i || consts.has(i))) {
      const outs = foldNode(n, n.inputs.map((i) => (i ? consts.get(i) : undefined)), opsetOf(model), [], { maxElements: 4096 });
      if (outs) outs.forEach((t, k) => { if (n.outputs[k]) consts.set(n.outputs[k], { ...t, name: n.outputs[k] }); });
    }
  }
  const params = (n: Node): Qp | undefined => {
    const s = consts.get(n.inputs[1]);
    const z = n.inputs[2] ? consts.get(n.inputs[2]) : undefined;
    if (!s || (n.inputs[2] && !z)) return undefined;
    const scale = toFloat32(s);
    const unsigned = !z || z.dtype === 'uint8' || z.dtype === 'uint16';
    return { scale, zp: z ? toFloat32(z) : new Float32Array(scale.length), unsigned, axis: attrInt(n, 'axis', 1), bits: BITS[z?.dtype ?? 'uint8'] ?? 8 };
  };
  const fixed = new Map<string, QParams>();
  const rename = new Map<string, string>();
  const dead = new Set<Node>();
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const outputs = new Set(g.outputs.map((o) => o.name));

  const dequantize = (q: Tensor, p: Qp, name: string): Tensor => {
    const v = toFloat32(q);
    const inner = p.scale.length > 1 ? q.dims.slice((p.axis + q.dims.length) % q.dims.length + 1).reduce((a, b) => a * b, 1) : 1;
    const ch = (i: number) => (p.scale.length > 1 ? Math.floor(i / inner) % p.scale.length : 0);
    return { name, dtype: 'float32', dims: [...q.dims], data: Float32Array.from(v, (x, i) => (x - p.zp[ch(i)]) * p.scale[ch(i)]) };
  };
  const quantize = (f: Tensor, p: Qp): Tensor => {
    const v = toFloat32(f);
    const top = 2 ** p.bits;
    const [lo, hi] = p.unsigned ? [0, top - 1] : [-top / 2, top / 2 - 1];
    const inner = p.scale.length > 1 ? f.dims.slice((p.axis + f.dims.length) % f.dims.length + 1).reduce((a, b) => a * b, 1) : 1;
    const ch = (i: number) => (p.scale.length > 1 ? Math.floor(i / inner) % p.scale.length : 0);
    const data = Float32Array.from(v, (x, i) => {
      const y = x / p.scale[ch(i)];
      const r = Math.abs(y % 1) === 0.5 ? 2 * Math.round(y / 2) : Math.round(y);
      return Math.max(lo, Math.min(hi, r + p.zp[ch(i)]));
    });
    return { name: f.name, dtype: 'float32', dims: [...f.dims], data };
  };

  for (const dq of g.nodes) {
    if (!isQdqNode(dq, 'DequantizeLinear')) continue;
    const p = params(dq);
    if (!p) continue;
    const y = dq.outputs[0];
    const xq = dq.inputs[0];
    const c = consts.get(xq);
    if (c) {
      // Constant weights / biases.
      const t = dequantize(c, p, y);
      g.initializers.set(y, t);
      consts.set(y, t);
      g.values.set(y, { name: y, dtype: 'float32', shape: [...t.dims] });
      dead.add(dq);
      continue;
    }
    // PyTorch writes QuantizeLinear → Cast (to the same 8-bit type) → DequantizeLinear.
    let q = producer.get(xq);
    if (q?.opType === 'Cast' && producer.get(q.inputs[0])?.opType === 'QuantizeLinear' && isIdentityCast(q, producer.get(q.inputs[0])!, consts)) q = producer.get(q.inputs[0]);
    if (!q || !isQdqNode(q, 'QuantizeLinear') || p.scale.length !== 1) continue;
    const qp = params(q);
    if (!qp || qp.scale.length !== 1) continue;
    const x = q.inputs[0];
    const fc = consts.get(x);
    if (fc) {
      const t = dequantize(quantize(fc, qp), p, y);
      g.initializers.set(y, t);
      consts.set(y, t);
      g.values.set(y, { name: y, dtype: 'float32', shape: [...t.dims] });
      dead.add(dq);
      continue;
    }
    // A 16-bit pair's scale is no int8 one: the tensor is calibrated instead.
    const fp: QParams | undefined = p.bits === 8 ? { scale: p.scale[0], zeroPoint: p.zp[0] - (p.unsigned ? 128 : 0) } : undefined;
    if (outputs.has(y)) {
      // Keep the output's name: the float tensor x takes it.
      rename.set(x, y);
      if (fp) fixed.set(y, fp);
      const px = producer.get(x);
      if (px) px.outputs = px.outputs.map((o) => (o === x ? y : o));
      else continue;
    } else {
      rename.set(y, x);
      if (fp) fixed.set(x, fp);
    }
    dead.add(dq);
  }
  // QuantizeLinear nodes (and PyTorch's Casts after them) that no longer feed anything.
  for (const kind of ['Cast', 'QuantizeLinear']) {
    const used = new Set<string>();
    for (const n of g.nodes) if (!dead.has(n)) for (const i of n.inputs) used.add(i);
    for (const n of g.nodes) {
      if (n.opType !== kind || n.outputs.some((o) => used.has(o) || outputs.has(o))) continue;
      if (kind === 'QuantizeLinear' || producer.get(n.inputs[0])?.opType === 'QuantizeLinear') dead.add(n);
    }
  }
  g.nodes = g.nodes.filter((n) => !dead.has(n));
  const map = (s: string) => rename.get(s) ?? s;
  for (const n of g.nodes) n.inputs = n.inputs.map(map);
  for (const [from, to] of rename) {
    const v = g.values.get(from);
    if (v && outputs.has(to)) g.values.set(to, { ...v, name: to });
  }
  return fixed;
}
