// `x[torch.where(cond)] = v` with a constant v (Mask2Former's masked attention: `attn_mask[torch.where(attn_mask.sum(-1)
// == attn_mask.shape[-1])] = False`, so that a query whose mask hides every pixel sees them all) is exported as
// NonZero(cond) → Transpose → Split → Squeeze → Expand → Unsqueeze → Concat: a ScatterND of a run-time number of
// coordinates, with v expanded to that many rows. Its value is Where(cond, v, x) with cond viewed over x's trailing
// dims: static shapes, no NonZero (the data-dependent count had left an empty tensor in the model, which LiteRT cannot
// run, and was refused).
import type { Graph, Node, Tensor } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { readersOf, spliceNodes } from './simplify-util';

/** The constant every element of `v` equals, following Reshape / Expand of a constant; else undefined. */
function filledWith(v: string, producer: Map<string, Node>, constants: Map<string, Tensor>): number | undefined {
  for (let hops = 0; hops < 4; hops++) {
    const c = constants.get(v);
    if (c) {
      const vals = toNumbers(c);
      return vals.length > 0 && vals.every((x) => x === vals[0]) ? vals[0] : undefined;
    }
    const p = producer.get(v);
    if (p?.opType !== 'Reshape' && p?.opType !== 'Expand') return undefined;
    v = p.inputs[0];
  }
  return undefined;
}

/** The NonZero's input when `indices` is its coordinates tuple, axis by axis (torch's index_put export). */
function nonZeroCondition(indices: string, producer: Map<string, Node>): { cond: string; chain: Node[] } | undefined {
  const cat = producer.get(indices);
  if (cat?.opType !== 'Concat') return undefined;
  const chain: Node[] = [cat];
  let nz: Node | undefined;
  for (let i = 0; i < cat.inputs.length; i++) {
    const un = producer.get(cat.inputs[i]);
    let v = un?.opType === 'Unsqueeze' ? un.inputs[0] : undefined;
    const ex = v ? producer.get(v) : undefined;
    if (ex?.opType === 'Expand') v = ex.inputs[0];
    const sq = v ? producer.get(v) : undefined;
    const sp = sq?.opType === 'Squeeze' ? producer.get(sq.inputs[0]) : undefined;
    if (!un || !sq || sp?.opType !== 'Split' || sp.outputs[i] !== sq.inputs[0] || sp.outputs.length !== cat.inputs.length) return undefined;
    const tr = producer.get(sp.inputs[0]);
    const perm = tr?.attrs.get('perm');
    if (tr?.opType !== 'Transpose' || perm?.type !== 'ints' || perm.value.join() !== '1,0') return undefined;
    const z = producer.get(tr.inputs[0]);
    if (z?.opType !== 'NonZero' || (nz && z !== nz)) return undefined;
    nz = z;
    chain.push(un, sq, ...(ex?.opType === 'Expand' ? [ex] : []), ...(i === 0 ? [sp, tr, z] : []));
  }
  return nz ? { cond: nz.inputs[0], chain } : undefined;
}

export function maskedFillAsWhere(g: Graph, constants: Map<string, Tensor>): void {
  const { producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const maybeDead = new Set<Node>();
  for (const sc of g.nodes) {
    const reduction = sc.attrs.get('reduction');
    if (sc.opType !== 'ScatterND' || (reduction?.type === 'string' && reduction.value !== 'none')) continue;
    const [data, indices, updates] = sc.inputs;
    const dd = g.values.get(data)?.shape as number[] | undefined;
    const dtype = g.values.get(data)?.dtype;
    const found = nonZeroCondition(indices, producer);
    if (!dd || !dtype || !found || g.values.get(found.cond)?.dtype !== 'bool') continue;
    const cd = g.values.get(found.cond)?.shape as number[] | undefined;
    const k = producer.get(indices)!.inputs.length;
    if (!cd || cd.length !== k || k > dd.length || cd.some((d, i) => d !== dd[i] || !(d > 0))) continue;
    const v = filledWith(updates, producer, constants);
    if (v === undefined) continue;
    const name = (what: string) => `${sc.name}/masked_fill_${what}`;
    const viewed = [...cd, ...dd.slice(k).map(() => 1)];
    constants.set(name('shape'), makeTensor(name('shape'), 'int64', [viewed.length], viewed));
    g.values.set(name('shape'), { name: name('shape'), dtype: 'int64', shape: [viewed.length] });
    constants.set(name('value'), makeTensor(name('value'), dtype, [], [v]));
    g.values.set(name('value'), { name: name('value'), dtype, shape: [] });
    g.values.set(name('cond'), { name: name('cond'), dtype: 'bool', shape: viewed });
    replace.set(sc, [node('Reshape', [found.cond, name('shape')], [name('cond')], {}, name('cond')),
      node('Where', [name('cond'), name('value'), data], [sc.outputs[0]], {}, sc.name)]);
    for (const n of found.chain) maybeDead.add(n);
    for (let p = producer.get(updates); p && (p.opType === 'Reshape' || p.opType === 'Expand'); p = producer.get(p.inputs[0])) maybeDead.add(p);
  }
  if (!replace.size) return;
  spliceNodes(g, new Map(), replace, new Set());
  // The coordinates' chain (NonZero...) has no reader left: dropped, so that its run-time count is not converted.
  // (readersOf's producers leave out folded nodes: constants stay.)
  const outs = new Set(g.outputs.map((o) => o.name));
  for (let changed = true; changed;) {
    changed = false;
    const read = new Set(g.nodes.flatMap((n) => n.inputs));
    const dead = g.nodes.filter((n) => maybeDead.has(n) && n.outputs.every((o) => !o || (!read.has(o) && !outs.has(o))));
    if (dead.length) {
      g.nodes = g.nodes.filter((n) => !dead.includes(n));
      // What only they read (the Shapes sizing the Expands) goes too.
      for (const n of dead) for (const i of n.inputs) { const p = producer.get(i); if (p) maybeDead.add(p); }
      changed = true;
    }
  }
}
