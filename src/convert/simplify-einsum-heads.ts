// ONNX-level pattern: attention written as Einsums of head views (iTransformer / Time-Series-Library's
// FullAttention: `einsum("blhe,bshe->bhls", q, k)`, `einsum("bhls,bshd->blhd", a, v)` over q, k, v each a separate
// projection viewed [B, L, H, E]). The Einsum converter asks for its operands heads-first, so each of q, k and v took a
// TRANSPOSE of its own that the head-split passes could not see. One pass, one parse of each equation:
// - a two-operand Einsum of rank-4 values with two batch labels, one contracted label and one free label each is
//   written as the Transposes and MatMul it means: A moved to [batch, freeA, contracted], B to
//   [batch, contracted, freeB], MatMul, the product moved to the output's order (identity moves left out);
// - any other two-operand rank-4 Einsum (a constant operand: Crossformer's router queries attend over the variables'
//   tokens) keeps its op, and each non-constant operand that is a head view [B, L, H, d] read only by it gets the move
//   the Einsum's converter would write anyway as an explicit Transpose (the term relabelled). Never an extra TRANSPOSE.
// fuseSeparateProjections then gives the projections one head split.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { attrString } from './attrs';
import { isRefusal, parseEinsum, type EinsumSpec } from './ops/_einsum';
import { readersOf, spliceNodes } from './simplify-util';

const isIdentity = (p: number[]) => p.every((v, i) => v === i);

interface EinsumHeads { equation: string; s: EinsumSpec; shapes: number[][] }

/** A two-operand Einsum of static operands both of rank 4 (or both of rank 3) and its parsed equation (no
 *  diagonal), or undefined. */
function parsed(n: Node, g: Graph): EinsumHeads | undefined {
  if (n.opType !== 'Einsum' || n.inputs.length !== 2 || n.outputs.length !== 1) return undefined;
  const equation = attrString(n, 'equation', '');
  const shapes = n.inputs.map((v) => g.values.get(v)?.shape);
  const r = shapes[0]?.length ?? 0;
  if ((r !== 3 && r !== 4) || shapes.some((d) => !d || d.length !== r || d.some((x) => typeof x !== 'number'))) return undefined;
  const s = parseEinsum(equation, [r, r]);
  if (isRefusal(s) || s.diagonals.some((d) => d.length)) return undefined;
  return { equation, s, shapes: shapes as number[][] };
}

/** The Transposes and MatMul of a two-operand rank-4 (two batch labels) or rank-3 (one: GATv2's 'ijh,jhf->ihf')
 *  Einsum that is one batched product, or undefined. */
function asMatMul(n: Node, { s, shapes: [sa, sb] }: EinsumHeads, g: Graph, constants: Map<string, Tensor>): Node[] | undefined {
  const [a, b] = n.inputs;
  const so = g.values.get(n.outputs[0])?.shape;
  const r = sa.length;
  if (constants.has(a) || constants.has(b) || !so || so.length !== r || so.some((d) => typeof d !== 'number')) return undefined;
  const dtype = g.values.get(a)?.dtype;
  if ((dtype !== 'float32' && dtype !== 'float64') || g.values.get(b)?.dtype !== dtype || s.out.length !== r) return undefined;
  const [ta, tb] = s.terms;
  const batch = s.out.filter((l) => ta.includes(l) && tb.includes(l));
  const contracted = ta.filter((l) => tb.includes(l) && !s.out.includes(l));
  const freeA = ta.filter((l) => !tb.includes(l));
  const freeB = tb.filter((l) => !ta.includes(l));
  if (batch.length !== r - 2 || contracted.length !== 1 || freeA.length !== 1 || freeB.length !== 1) return undefined;
  if (!freeA.every((l) => s.out.includes(l)) || !freeB.every((l) => s.out.includes(l))) return undefined;
  const sizeOf = (l: string) => {
    const i = ta.indexOf(l);
    return i >= 0 ? sa[i] : sb[tb.indexOf(l)];
  };
  // A broadcast batch dim (1 against n) is not a plain MatMul batch of these shapes: left to the Einsum converter.
  // So is a sum over a few terms (XLNet's segment term 'ijbs,ibns->bnij', s = 2): the converter may take it as a
  // MUL and a SUM of the operands as stored (ops/_einsum-mulsum.ts).
  if (batch.some((l) => sa[ta.indexOf(l)] !== sb[tb.indexOf(l)]) || sizeOf(contracted[0]) <= 4) return undefined;
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

/** The explicit head-view moves ahead of an Einsum asMatMul left (each operand [B, L, H, d] viewed by a Reshape that
 * only this Einsum reads, B and H batch labels, L not; explicit equations without ellipsis): the Einsum's inputs and equation are rewritten in place. */
function viewMoves(n: Node, { equation, s, shapes }: EinsumHeads, g: Graph, constants: Map<string, Tensor>,
  producer: Map<string, Node>, only: (v: string) => Node | undefined, k: { next: number }): Node[] {
  if (equation.includes('.') || !equation.includes('->')) return [];
  const batch = (l: string) => s.terms[0].includes(l) && s.terms[1].includes(l) && s.out.includes(l);
  const terms = s.terms.map((t) => [...t]);
  const moves: Node[] = [];
  n.inputs.forEach((v, i) => {
    const t = terms[i];
    if (producer.get(v)?.opType !== 'Reshape' || only(v) !== n || constants.has(v)) return;
    if (!batch(t[0]) || batch(t[1]) || !batch(t[2])) return;
    const dims = shapes[i];
    const moved = `${v}/einsum_heads_${k.next++}`;
    g.values.set(moved, { name: moved, dtype: g.values.get(v)?.dtype ?? 'float32', shape: [dims[0], dims[2], dims[1], dims[3]] });
    moves.push(node('Transpose', [v], [moved], { perm: [0, 2, 1, 3] }, moved));
    n.inputs[i] = moved;
    terms[i] = [t[0], t[2], t[1], t[3]];
  });
  // A new map: the attribute map is the source model's (callers copy the node list, not each node's attributes).
  if (moves.length) n.attrs = new Map(n.attrs).set('equation', { type: 'string', value: `${terms.map((t) => t.join('')).join(',')}->${s.out.join('')}` });
  return moves;
}

export function einsumHeads(g: Graph, constants: Map<string, Tensor>): void {
  const { producer, only } = readersOf(g, constants);
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const k = { next: 0 };
  for (const n of g.nodes) {
    const e = parsed(n, g);
    if (!e) continue;
    const nodes = asMatMul(n, e, g, constants);
    if (nodes) { replace.set(n, nodes); continue; }
    if (e.shapes[0].length !== 4) continue;
    const moves = viewMoves(n, e, g, constants, producer, only, k);
    if (moves.length) before.set(n, moves);
  }
  if (replace.size || before.size) spliceNodes(g, before, replace, new Set());
}
