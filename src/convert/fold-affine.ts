// Constant scales and shifts folded into the Conv next to them (ONNX level, before conversion): Paddle's
// "learnable affine blocks" (PP-LCNet, PP-OCR) put a Mul and an Add by scalars after a Conv and after its
// activation. Each is one more requantization in int8 and one more op everywhere.
// - after a Conv (its only reader): y·a + b with a, b scalars or per output channel → W·a, B·a + b (exact);
// - after a ConvTranspose (its only reader): y + b per output channel → B + b (paddle2onnx's separate bias);
// - before a Conv without padding (its only reader): Conv(x·a + b) with scalars → Conv with W·a and
//   B + b·ΣW (exact; with padding the border would differ, so padded convs are left alone).
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';

type Consts = Map<string, Tensor>;

function floatConst(constants: Consts, name: string | undefined): Float32Array | undefined {
  const t = name ? constants.get(name) : undefined;
  return t && (t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16') ? toFloat32(t) : undefined;
}

/** A constant as one value per output channel of a [N, C, ...] tensor, or undefined when it broadcasts otherwise. */
function perChannel(constants: Consts, name: string, c: number, rank: number): Float32Array | undefined {
  const t = constants.get(name);
  const v = floatConst(constants, name);
  if (!t || !v) return undefined;
  if (v.length === 1) return new Float32Array(c).fill(v[0]);
  const dims = [...t.dims];
  while (dims.length > rank - 1 && dims[0] === 1) dims.shift();
  return v.length === c && dims.length === rank - 1 && dims[0] === c && dims.slice(1).every((d) => d === 1) ? v : undefined;
}

function convParts(n: Node, constants: Consts): { w: Float32Array; b: Float32Array; dims: number[] } | undefined {
  const W = constants.get(n.inputs[1]);
  const w = floatConst(constants, n.inputs[1]);
  if (!W || !w || W.dims.length < 3) return undefined;
  const cout = W.dims[0];
  const b = n.inputs[2] ? floatConst(constants, n.inputs[2]) : new Float32Array(cout);
  return b && b.length === cout ? { w, b, dims: [...W.dims] } : undefined;
}

function setConv(n: Node, g: Graph, constants: Consts, w: Float32Array, b: Float32Array, dims: number[], tag: string): void {
  const wName = `${n.name || n.outputs[0]}/${tag}_weight`;
  const bName = `${n.name || n.outputs[0]}/${tag}_bias`;
  constants.set(wName, { name: wName, dtype: 'float32', dims, data: w });
  constants.set(bName, { name: bName, dtype: 'float32', dims: [dims[0]], data: b });
  g.values.set(wName, { name: wName, dtype: 'float32', shape: dims });
  g.values.set(bName, { name: bName, dtype: 'float32', shape: [dims[0]] });
  n.inputs = [n.inputs[0], wName, bName];
}

function unpadded(n: Node): boolean {
  const pads = n.attrs.get('pads');
  const auto = n.attrs.get('auto_pad');
  const autoPad = auto && auto.type === 'string' ? String(auto.value) : 'NOTSET';
  const padList = pads && pads.type === 'ints' ? pads.value : [];
  return (autoPad === 'NOTSET' || autoPad === 'VALID') && padList.every((p) => p === 0);
}

export function foldConvAffine(g: Graph, constants: Consts, uses: Map<string, number>, producer: Map<string, Node>, drop: Set<Node>): void {
  const single = (t: string) => uses.get(t) === 1 && !g.outputs.some((o) => o.name === t);
  // After: Conv → Mul/Add by a constant (chains fold one after the other, in graph order).
  for (const n of g.nodes) {
    if ((n.opType !== 'Mul' && n.opType !== 'Add') || drop.has(n)) continue;
    for (const side of [0, 1]) {
      const conv = producer.get(n.inputs[side]);
      if (!conv || conv.opType !== 'Conv' || drop.has(conv) || !single(n.inputs[side]) || constants.has(n.inputs[side])) continue;
      const parts = convParts(conv, constants);
      const v = parts && perChannel(constants, n.inputs[1 - side], parts.dims[0], parts.dims.length);
      if (!parts || !v) continue;
      const { w, b, dims } = parts;
      const per = w.length / dims[0];
      const nw = n.opType === 'Mul' ? w.map((x, i) => x * v[Math.floor(i / per)]) : w;
      const nb = b.map((x, c) => (n.opType === 'Mul' ? x * v[c] : x + v[c]));
      setConv(conv, g, constants, nw, nb, dims, n.opType === 'Mul' ? 'scaled' : 'shifted');
      conv.outputs = [n.outputs[0]];
      producer.set(n.outputs[0], conv);
      drop.add(n);
      break;
    }
  }
  // After: ConvTranspose → Add of a constant per output channel (paddle2onnx writes the bias apart): into its bias.
  for (const n of g.nodes) {
    if (n.opType !== 'Add' || drop.has(n)) continue;
    for (const side of [0, 1]) {
      const ct = producer.get(n.inputs[side]);
      if (!ct || ct.opType !== 'ConvTranspose' || drop.has(ct) || !single(n.inputs[side]) || constants.has(n.inputs[side])) continue;
      const W = constants.get(ct.inputs[1]);
      const group = ct.attrs.get('group');
      if (!W || W.dims.length < 3 || (group?.type === 'int' && group.value !== 1)) continue;
      const cout = W.dims[1];
      const b = ct.inputs[2] ? floatConst(constants, ct.inputs[2]) : new Float32Array(cout);
      const v = perChannel(constants, n.inputs[1 - side], cout, W.dims.length);
      if (!b || b.length !== cout || !v) continue;
      const bName = `${ct.name || ct.outputs[0]}/shifted_bias`;
      constants.set(bName, { name: bName, dtype: 'float32', dims: [cout], data: b.map((x, c) => x + v[c]) });
      g.values.set(bName, { name: bName, dtype: 'float32', shape: [cout] });
      ct.inputs = [ct.inputs[0], ct.inputs[1], bName];
      ct.outputs = [n.outputs[0]];
      producer.set(n.outputs[0], ct);
      drop.add(n);
      break;
    }
  }
  // Before: x·a + b (scalars) read only by an unpadded Conv.
  for (const conv of g.nodes) {
    if (conv.opType !== 'Conv' || drop.has(conv) || !unpadded(conv)) continue;
    let a = 1;
    let b = 0;
    let src = conv.inputs[0];
    const taken: Node[] = [];
    const step = (op: string): boolean => {
      const p = producer.get(src);
      if (!p || p.opType !== op || drop.has(p) || !single(src)) return false;
      const k = [0, 1].find((s) => floatConst(constants, p.inputs[s])?.length === 1 && !constants.has(p.inputs[1 - s]));
      if (k === undefined) return false;
      const c = floatConst(constants, p.inputs[k])![0];
      // Walking upstream: Conv reads a·src + b; src = s'·c gives a·c·s' + b, src = s' + c gives a·s' + (b + a·c).
      if (op === 'Add') b += a * c; else a *= c;
      taken.push(p);
      src = p.inputs[1 - k];
      return true;
    };
    // Walking back: Add (shift) then Mul (scale), each optional.
    const hadAdd = step('Add');
    step('Mul');
    if (!hadAdd && taken.length === 0) continue;
    const parts = convParts(conv, constants);
    if (!parts) continue;
    const { w, b: bias, dims } = parts;
    const per = w.length / dims[0];
    const nb = bias.map((x, c) => {
      let s = 0;
      for (let i = 0; i < per; i++) s += w[c * per + i];
      return x + b * s;
    });
    setConv(conv, g, constants, w.map((x) => x * a), nb, dims, 'affine_in');
    conv.inputs[0] = src;
    for (const t of taken) drop.add(t);
  }
}
