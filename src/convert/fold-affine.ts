// Constant scales and shifts folded into the Conv next to them (ONNX level, before conversion): Paddle's
// "learnable affine blocks" (PP-LCNet, PP-OCR) put a Mul and an Add by scalars after a Conv and after its
// activation. Each is one more requantization in int8 and one more op everywhere.
// - after a Conv (its only reader): y·a + b with a, b scalars or per output channel → W·a, B·a + b (exact);
// - after a ConvTranspose (its only reader): y·a + b per output channel or a BatchNormalization → W·a, B·a + b
//   (paddle2onnx's separate bias, PP-OCR det's head);
// - before Convs (its only readers): Conv(x·a + b) with scalars → Conv with W·a and B + b·ΣW; before a padded
//   Conv only the scale folds (W·a) and x + b/a stays (its zero border is y's), foldIntoReaders.
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
  // After: ConvTranspose → Add / Mul of a constant per output channel (paddle2onnx writes the bias apart) or a
  // BatchNormalization (PP-OCR's detector head): into its weights and bias.
  for (const n of g.nodes) {
    if ((n.opType !== 'Add' && n.opType !== 'Mul' && n.opType !== 'BatchNormalization') || drop.has(n)) continue;
    for (const side of n.opType === 'BatchNormalization' ? [0] : [0, 1]) {
      const ct = producer.get(n.inputs[side]);
      if (!ct || ct.opType !== 'ConvTranspose' || drop.has(ct) || !single(n.inputs[side]) || constants.has(n.inputs[side])) continue;
      const W = constants.get(ct.inputs[1]);
      const w = floatConst(constants, ct.inputs[1]);
      const group = ct.attrs.get('group');
      if (!W || !w || W.dims.length < 3 || (group?.type === 'int' && group.value !== 1)) continue;
      const cout = W.dims[1];
      const b = ct.inputs[2] ? floatConst(constants, ct.inputs[2]) : new Float32Array(cout);
      const affine = n.opType === 'BatchNormalization' ? batchNormAffine(n, constants, cout) : perChannel(constants, n.inputs[1 - side], cout, W.dims.length);
      if (!b || b.length !== cout || !affine) continue;
      const [scale, shift] = affine instanceof Float32Array
        ? (n.opType === 'Add' ? [new Float32Array(cout).fill(1), affine] : [affine, new Float32Array(cout)]) : affine;
      // Weights [Cin, Cout, k...]: output channel c of element i is ⌊i / k⌋ mod Cout.
      const k = W.dims.slice(2).reduce((x, y) => x * y, 1);
      const tag = `${ct.name || ct.outputs[0]}/${n.opType === 'Add' ? 'shifted' : 'scaled'}`;
      const inputs = [ct.inputs[0], ct.inputs[1]];
      if (scale.some((x) => x !== 1)) {
        inputs[1] = `${tag}_weight`;
        constants.set(inputs[1], { name: inputs[1], dtype: 'float32', dims: [...W.dims], data: w.map((x, i) => x * scale[Math.floor(i / k) % cout]) });
        g.values.set(inputs[1], { name: inputs[1], dtype: 'float32', shape: [...W.dims] });
      }
      inputs.push(`${tag}_bias`);
      constants.set(inputs[2], { name: inputs[2], dtype: 'float32', dims: [cout], data: b.map((x, c) => x * scale[c] + shift[c]) });
      g.values.set(inputs[2], { name: inputs[2], dtype: 'float32', shape: [cout] });
      ct.inputs = inputs;
      ct.outputs = [n.outputs[0]];
      producer.set(n.outputs[0], ct);
      drop.add(n);
      break;
    }
  }
  foldIntoReaders(g, constants, producer, drop);
}

/** BatchNormalization (inference) as y = x·scale + shift per channel, for per-channel [C] statistics. */
function batchNormAffine(n: Node, constants: Consts, c: number): [Float32Array, Float32Array] | undefined {
  const [s, b, m, v] = n.inputs.slice(1, 5).map((x) => floatConst(constants, x));
  if (n.outputs.filter(Boolean).length !== 1 || ![s, b, m, v].every((p) => p && p.length === c)) return undefined;
  const eps = n.attrs.get('epsilon');
  const e = eps && eps.type === 'float' ? eps.value : 1e-5;
  const scale = s!.map((x, i) => x / Math.sqrt(v![i] + e));
  return [scale, b!.map((x, i) => x - m![i] * scale[i])];
}

/** Conv's explicit pads, [begin..., end...] (undefined for auto_pad SAME_*: they depend on the input's size). */
function explicitPads(n: Node, spatial: number): number[] | undefined {
  const auto = n.attrs.get('auto_pad');
  const autoPad = auto && auto.type === 'string' ? String(auto.value) : 'NOTSET';
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return undefined;
  const pads = n.attrs.get('pads');
  const list = autoPad === 'NOTSET' && pads && pads.type === 'ints' ? pads.value : [];
  return list.length === 2 * spatial ? [...list] : new Array<number>(2 * spatial).fill(0);
}

/** Before: y = x·a + b (scalars, either step optional; PP-OCR / PP-LCNet's learnable affine after a hard-swish) read
 *  only by Convs (as their input): each Conv takes W·a and B + b·ΣW (per output channel). A padded Conv padded y
 *  with zeros, which the shift would move: then the scale alone folds (W·a) and y = x + b/a stays. */
function foldIntoReaders(g: Graph, constants: Consts, producer: Map<string, Node>, drop: Set<Node>): void {
  const readers = new Map<string, Node[]>();
  for (const n of g.nodes) if (!drop.has(n)) for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  const outputs = new Set(g.outputs.map((o) => o.name));
  /** A Mul / Add of a non-constant value by a float scalar: [scalar, the other input]. */
  const scalarStep = (n: Node | undefined, op: string): [number, string] | undefined => {
    if (!n || n.opType !== op || drop.has(n)) return undefined;
    const k = [0, 1].find((s) => floatConst(constants, n.inputs[s])?.length === 1 && !constants.has(n.inputs[1 - s]));
    return k === undefined ? undefined : [floatConst(constants, n.inputs[k])![0], n.inputs[1 - k]];
  };
  for (const last of [...g.nodes]) {
    const tail = scalarStep(last, 'Add') ?? scalarStep(last, 'Mul');
    const y = last.outputs[0];
    const convs = readers.get(y) ?? [];
    if (!tail || outputs.has(y) || !convs.length || !convs.every((c) => c.opType === 'Conv' && !drop.has(c) && c.inputs[0] === y && !c.inputs.slice(1).includes(y))) continue;
    let a = 1;
    let b = 0;
    let src = tail[1];
    const taken = [last];
    if (last.opType === 'Add') {
      b = tail[0];
      const head = scalarStep(producer.get(src), 'Mul');
      const mul = producer.get(src)!;
      if (head && readers.get(src)?.length === 1 && !outputs.has(src)) { a = head[0]; src = head[1]; taken.push(mul); }
    } else a = tail[0];
    if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) continue;
    const parts = convs.map((c) => convParts(c, constants));
    const pads = convs.map((c, i) => explicitPads(c, (parts[i]?.dims.length ?? 2) - 2));
    if (parts.some((p) => !p) || pads.some((p) => !p)) continue;
    const shifted = b !== 0 && pads.some((p) => p!.some((v) => v));
    if (shifted && a === 1) continue;
    if (shifted) {
      // A padded reader padded y with zeros: the shift stays, before the scale (Conv(pad0(a·(x + b/a))) =
      // Conv_{W·a}(pad0(x + b/a)), exact). A Pad of value -b/a instead (the border x·a + b = 0) measured slower:
      // LiteRT's int8 PADV2 costs 2.2× its float32 one, and PP-OCRv4 rec int8 ran 13% slower.
      const name = `${y}/shift`;
      constants.set(name, { name, dtype: 'float32', dims: [], data: Float32Array.of(b / a) });
      g.values.set(name, { name, dtype: 'float32', shape: [] });
      last.inputs = [src, name];
      convs.forEach((conv, i) => setConv(conv, g, constants, parts[i]!.w.map((x) => x * a), parts[i]!.b, parts[i]!.dims, 'affine_in'));
      for (const t of taken) if (t !== last) drop.add(t);
      continue;
    }
    convs.forEach((conv, i) => {
      const { w, b: bias, dims } = parts[i]!;
      const per = w.length / dims[0];
      const nb = bias.map((x, c) => {
        let s = 0;
        for (let j = 0; j < per; j++) s += w[c * per + j];
        return x + b * s;
      });
      setConv(conv, g, constants, w.map((x) => x * a), nb, dims, 'affine_in');
      conv.inputs[0] = src;
    });
    for (const t of taken) drop.add(t);
  }
}
