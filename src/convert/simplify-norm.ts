// ONNX-level pattern: PyTorch's GroupNorm export — Reshape to [N, G, -1], InstanceNormalization with per-group scale
// and bias, Reshape back to the input's shape, then usually Mul by γ and Add β shaped [C, 1, ...] — becomes one
// GroupNormalization node (per-channel scale and bias, γ and β folded in). Converted as is, the Reshape to [N, G, -1]
// would need the input in channel-first order (a TRANSPOSE before and after every GroupNorm of a CNN); the
// GroupNormalization converter splits the channel dim in whatever layout the input has.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { folded } from './simplify-util';

function attrFloatOf(n: Node, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  return a && (a.type === 'float' || a.type === 'int') ? a.value : dflt;
}

export function fuseGroupNorm(g: Graph, constants: Map<string, Tensor>): void {
  const uses = new Map<string, Node[]>();
  for (const n of g.nodes) if (!folded(n, constants)) for (const i of n.inputs) if (i) uses.set(i, [...(uses.get(i) ?? []), n]);
  for (const o of g.outputs) uses.set(o.name, [...(uses.get(o.name) ?? []), undefined as unknown as Node]);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const dims = (v: string) => {
    const s = constants.get(v)?.dims ?? g.values.get(v)?.shape;
    return s && s.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
  };
  const only = (v: string) => { const u = uses.get(v) ?? []; return u.length === 1 ? u[0] : undefined; };
  const floats = (v: string) => { const c = constants.get(v); return c && c.dtype === 'float32' ? toNumbers(c) : undefined; };
  /** A constant that broadcasts per channel against a [N, C, ...] value (shape [C, 1, ...] or [1, C, 1, ...]). */
  const perChannel = (v: string, rank: number, c: number): number[] | undefined => {
    const k = floats(v);
    const s = dims(v);
    if (!k || !s || s.length > rank) return undefined;
    const full = [...new Array<number>(rank - s.length).fill(1), ...s];
    if (full.some((d, i) => d !== (i === 1 ? c : 1)) && k.length !== 1) return undefined;
    return k.length === 1 ? new Array<number>(c).fill(k[0]) : k;
  };
  const drop = new Set<Node>();
  let count = 0;
  for (const inorm of g.nodes) {
    if (inorm.opType !== 'InstanceNormalization' || drop.has(inorm)) continue;
    const r1 = producer.get(inorm.inputs[0]);
    const r2 = only(inorm.outputs[0]);
    if (!r1 || r1.opType !== 'Reshape' || !r2 || r2.opType !== 'Reshape' || only(r1.outputs[0]) !== inorm) continue;
    const x = r1.inputs[0];
    const xd = dims(x);
    const rd = dims(r1.outputs[0]);
    const od = dims(r2.outputs[0]);
    if (!xd || !rd || !od || xd.length < 3 || rd.length !== 3 || od.join() !== xd.join() || rd[0] !== xd[0]) continue;
    if (g.values.get(x)?.dtype !== 'float32') continue;
    const [, groups] = rd;
    const c = xd[1];
    const s = floats(inorm.inputs[1]);
    const b = floats(inorm.inputs[2]);
    if (c % groups !== 0 || !s || !b || s.length !== groups || b.length !== groups) continue;
    let scale = Array.from({ length: c }, (_, i) => s[Math.floor(i / (c / groups))]);
    let bias = Array.from({ length: c }, (_, i) => b[Math.floor(i / (c / groups))]);
    let out = r2;
    // γ and β after it fold into the per-channel scale and bias.
    const mul = only(r2.outputs[0]);
    const gamma = mul?.opType === 'Mul' ? perChannel(mul.inputs[mul.inputs[0] === r2.outputs[0] ? 1 : 0], xd.length, c) : undefined;
    if (mul && gamma) {
      scale = scale.map((v, i) => v * gamma[i]);
      bias = bias.map((v, i) => v * gamma[i]);
      drop.add(r2);
      out = mul;
      const add = only(mul.outputs[0]);
      const beta = add?.opType === 'Add' ? perChannel(add.inputs[add.inputs[0] === mul.outputs[0] ? 1 : 0], xd.length, c) : undefined;
      if (add && beta) {
        bias = bias.map((v, i) => v + beta[i]);
        drop.add(mul);
        out = add;
      }
    }
    const key = `${out.name}/group_norm_${count++}`;
    for (const [name, v] of [[`${key}/scale`, scale], [`${key}/bias`, bias]] as const) {
      constants.set(name, { name, dtype: 'float32', dims: [c], data: Float32Array.from(v) });
      g.values.set(name, { name, dtype: 'float32', shape: [c] });
    }
    drop.add(r1);
    drop.add(inorm);
    out.opType = 'GroupNormalization';
    out.domain = '';
    out.inputs = [x, `${key}/scale`, `${key}/bias`];
    out.attrs = new Map([['num_groups', { type: 'int', value: groups }], ['epsilon', { type: 'float', value: attrFloatOf(inorm, 'epsilon', 1e-5) }]]);
  }
  if (drop.size) g.nodes = g.nodes.filter((n) => !drop.has(n));
}
