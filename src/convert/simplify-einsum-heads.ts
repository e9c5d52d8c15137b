// ONNX-level pattern: attention written with einsum over head views (Time-Series-Library's FullAttention
// 'blhe,bshe->bhls' / 'bhls,bshd->blhd' in iTransformer, Informer, Crossformer...): q, k and v are Reshapes
// [B, L, H, d] of their projections read by the Einsum as they are, and the Einsum's converter moves each to
// [B, H, L, d] itself — one TRANSPOSE per operand, where the same attention written with MatMul gets one head split
// for the projections of one input (simplify-attention.ts `fuseSeparateProjections` packs q, k, v of one input, or
// k, v of a memory, and moves them once). The move is made explicit here, as that head swap (Transpose [0, 2, 1, 3]
// of the view, the Einsum's term relabelled to match), so that the packing pass sees the MatMul form. Only a view
// whose one reader is the Einsum and whose move the Einsum needs anyway (its second label is a row, its third a
// batch label, as heads are): the TRANSPOSE written is the one the converter would write, never an extra.
import type { Graph, Tensor } from '../ir/types';
import { isRefusal, parseEinsum } from './ops/_einsum';
import { readersOf } from './simplify-util';

export function einsumHeadViewsMoved(g: Graph, constants: Map<string, Tensor>): void {
  const { producer, only } = readersOf(g, constants);
  const shape = (v: string) => g.values.get(v)?.shape;
  let k = 0;
  const inserted = new Map<(typeof g.nodes)[number], (typeof g.nodes)[number][]>();
  for (const n of g.nodes) {
    if (n.opType !== 'Einsum' || n.inputs.length !== 2) continue;
    const eqAttr = n.attrs.get('equation');
    const equation = eqAttr?.type === 'string' ? eqAttr.value : undefined;
    if (!equation || equation.includes('.') || !equation.includes('->')) continue;
    const shapes = n.inputs.map(shape);
    if (shapes.some((s) => !s || s.length !== 4 || s.some((d) => typeof d !== 'number'))) continue;
    const s = parseEinsum(equation, [4, 4]);
    if (isRefusal(s) || s.diagonals.some((d) => d.length)) continue;
    const batch = (l: string) => s.terms[0].includes(l) && s.terms[1].includes(l) && s.out.includes(l);
    const terms = s.terms.map((t) => [...t]);
    const moves: (typeof g.nodes)[number][] = [];
    n.inputs.forEach((v, i) => {
      const t = terms[i];
      const view = producer.get(v);
      if (view?.opType !== 'Reshape' || only(v) !== n || constants.has(v)) return;
      if (!batch(t[0]) || batch(t[1]) || !batch(t[2])) return;
      const dims = shape(v) as number[];
      const moved = `${v}/einsum_heads_${k++}`;
      g.values.set(moved, { name: moved, dtype: g.values.get(v)?.dtype ?? 'float32', shape: [dims[0], dims[2], dims[1], dims[3]] });
      moves.push({ name: moved, opType: 'Transpose', domain: '', inputs: [v], outputs: [moved],
        attrs: new Map([['perm', { type: 'ints', value: [0, 2, 1, 3] }]]) });
      n.inputs[i] = moved;
      terms[i] = [t[0], t[2], t[1], t[3]];
    });
    if (!moves.length) continue;
    n.attrs.set('equation', { type: 'string', value: `${terms.map((t) => t.join('')).join(',')}->${s.out.join('')}` });
    inserted.set(n, moves);
  }
  if (inserted.size) g.nodes = g.nodes.flatMap((n) => [...(inserted.get(n) ?? []), n]);
}
