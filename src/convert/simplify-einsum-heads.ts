// ONNX-level pattern: attention written as Einsums of head views (iTransformer / Time-Series-Library's
// FullAttention: `einsum("blhe,bshe->bhls", q, k)`, `einsum("bhls,bshd->blhd", a, v)` over q, k, v each a separate
// projection viewed [B, L, H, E]). The Einsum converter asks for its operands heads-first, so each of q, k and v took a
// TRANSPOSE of its own that the head-split passes could not see. A two-operand Einsum of rank-4 values with two batch
// labels, one contracted label and one free label each is written here as the Transposes and MatMul it means:
// A moved to [batch, freeA, contracted], B to [batch, contracted, freeB], MatMul, the product moved to the output's
// order (identity moves left out). fuseSeparateProjections then gives the three projections one head split.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { attrString } from './attrs';
import { isRefusal, parseEinsum } from './ops/_einsum';
import { readersOf, spliceNodes } from './simplify-util';

const isIdentity = (p: number[]) => p.every((v, i) => v === i);

/** The Transposes and MatMul of a two-operand rank-4 Einsum that is one batched product, or undefined. */
function asMatMul(n: Node, g: Graph, constants: Map<string, Tensor>): Node[] | undefined {
  if (n.opType !== 'Einsum' || n.inputs.length !== 2 || n.outputs.length !== 1) return undefined;
  const [a, b] = n.inputs;
  const shapes = [a, b, n.outputs[0]].map((v) => g.values.get(v)?.shape);
  if (constants.has(a) || constants.has(b) || shapes.some((s) => !s || s.length !== 4 || s.some((d) => typeof d !== 'number'))) return undefined;
  const dtype = g.values.get(a)?.dtype;
  if ((dtype !== 'float32' && dtype !== 'float64') || g.values.get(b)?.dtype !== dtype) return undefined;
  const s = parseEinsum(attrString(n, 'equation', ''), [4, 4]);
  if (isRefusal(s) || s.diagonals.some((d) => d.length) || s.out.length !== 4) return undefined;
  const [ta, tb] = s.terms;
  const batch = s.out.filter((l) => ta.includes(l) && tb.includes(l));
  const contracted = ta.filter((l) => tb.includes(l) && !s.out.includes(l));
  const freeA = ta.filter((l) => !tb.includes(l));
  const freeB = tb.filter((l) => !ta.includes(l));
  if (batch.length !== 2 || contracted.length !== 1 || freeA.length !== 1 || freeB.length !== 1) return undefined;
  if (!freeA.every((l) => s.out.includes(l)) || !freeB.every((l) => s.out.includes(l))) return undefined;
  const sizeOf = (l: string) => {
    const i = ta.indexOf(l);
    return (i >= 0 ? shapes[0]![i] : shapes[1]![tb.indexOf(l)]) as number;
  };
  // A broadcast batch dim (1 against n) is not a plain MatMul batch of these shapes: left to the Einsum converter.
  if (batch.some((l) => shapes[0]![ta.indexOf(l)] !== shapes[1]![tb.indexOf(l)])) return undefined;
  const pa = [...batch, freeA[0], contracted[0]].map((l) => ta.indexOf(l));
  const pb = [...batch, contracted[0], freeB[0]].map((l) => tb.indexOf(l));
  const prod = [...batch, freeA[0], freeB[0]];
  const po = s.out.map((l) => prod.indexOf(l));
  const key = n.name || n.outputs[0];
  const out: Node[] = [];
  const moved = (v: string, p: number[], labels: string[], tag: string) => {
    if (isIdentity(p)) return v;
    const name = `${key}/${tag}`;
    g.values.set(name, { name, dtype, shape: labels.map(sizeOf) });
    out.push(node('Transpose', [v], [name], { perm: p }, name));
    return name;
  };
  const ma = moved(a, pa, [...batch, freeA[0], contracted[0]], 'a_moved');
  const mb = moved(b, pb, [...batch, contracted[0], freeB[0]], 'b_moved');
  // The node that makes the Einsum's output keeps its name (the accuracy diff joins on it).
  if (isIdentity(po)) out.push({ ...node('MatMul', [ma, mb], [n.outputs[0]]), name: n.name });
  else {
    const p = `${key}/product`;
    g.values.set(p, { name: p, dtype, shape: prod.map(sizeOf) });
    out.push(node('MatMul', [ma, mb], [p], {}, p), { ...node('Transpose', [p], [n.outputs[0]], { perm: po }), name: n.name });
  }
  return out;
}

export function einsumHeadsAsMatMul(g: Graph, constants: Map<string, Tensor>): void {
  const replace = new Map<Node, Node[]>();
  for (const n of g.nodes) {
    const nodes = asMatMul(n, g, constants);
    if (nodes) replace.set(n, nodes);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}

/** What einsumHeadsAsMatMul leaves (an Einsum with a constant operand: Crossformer's router queries attend over the
 * variables' tokens): each non-constant operand that is a head view [B, L, H, d] read only by the Einsum, whose move
 * the Einsum's converter would write anyway, gets that move as an explicit Transpose (the term relabelled), so that
 * fuseSeparateProjections packs it with the other views of its input. Never an extra TRANSPOSE. */
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
