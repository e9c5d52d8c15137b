// ONNX-level pattern: q, k, v (and a gate) unbound from one packed projection and read by Einsums that take them in
// another order (AlphaFold's / OpenFold's gated attention: `q, k, v, g = qkvg(x).view(b, r, l, 4, h, d).unbind(3)`,
// `einsum('brqhd,brkhd->brhqk', q, k)`, `einsum('brhqk,brkhd->brqhd', a, v) * sigmoid(g)`). The Einsum converter
// moves each operand heads-first on its own (a TRANSPOSE for q, k and v) and the gated product back for the gate
// (a fourth). The packed value is moved once instead, before the Split, into the order the Einsums take their
// operands (batch labels first, in the output's order): each part's term is relabelled to that order, the
// gate's Einsum writes its product in it too, and the gated product is moved back once after the gate's Mul (the
// head merge the math needs). Two moves where there were four.
// Matched: a Split into unit parts along one axis, each Squeezed there, each part read (through unary ops and
// ops by scalar constants) by one Einsum of two operands (explicit labels, no diagonal), or as the gate: a Mul
// with the product of one of those Einsums that only the Mul reads. Every Einsum part must want the same order.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { attrString } from './attrs';
import { invert, isIdentity } from './layout';
import { isRefusal, parseEinsum, type EinsumSpec } from './ops/_einsum';
import { int64Const, intsArg, readersOf, spliceNodes } from './simplify-util';

const UNARY = new Set(['Sigmoid', 'Tanh', 'Relu', 'Neg', 'Exp', 'Softplus', 'Abs', 'Identity']);
const BY_SCALAR = new Set(['Div', 'Mul', 'Add', 'Sub']);

type Use = { kind: 'einsum'; e: Node; i: number; s: EinsumSpec; perm: number[] } | { kind: 'gate'; mul: Node; e: Node };
interface Part { squeeze: Node; chain: Node[]; end: string; use: Use }

/** The parsed equation of a two-operand Einsum of explicit labels with no diagonal, or undefined. */
function spec(e: Node, g: Graph): EinsumSpec | undefined {
  if (e.opType !== 'Einsum' || e.inputs.length !== 2 || e.outputs.length !== 1) return undefined;
  const eq = attrString(e, 'equation', '');
  if (eq.includes('.') || !eq.includes('->')) return undefined;
  const ranks = e.inputs.map((v) => g.values.get(v)?.shape?.length ?? -1);
  const s = parseEinsum(eq, ranks);
  return isRefusal(s) || s.diagonals.some((d) => d.length) ? undefined : s;
}

/** The order (as a perm of its term) the operand's labels take: labels shared by both terms and the output first, in
 *  the output's order, then the others as the term has them. */
function wanted(s: EinsumSpec, i: number): number[] {
  const t = s.terms[i];
  const batch = s.out.filter((l) => s.terms.every((u) => u.includes(l)));
  return [...batch, ...t.filter((l) => !batch.includes(l))].map((l) => t.indexOf(l));
}

const equation = (s: EinsumSpec) => `${s.terms.map((t) => t.join('')).join(',')}->${s.out.join('')}`;

export function einsumUnbindHeads(g: Graph, constants: Map<string, Tensor>): void {
  const { only, outs } = readersOf(g, constants);
  const isScalar = (v: string) => { const c = constants.get(v); return !!c && c.dims.every((d) => d === 1); };
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  let k = 0;
  for (const split of g.nodes) {
    if (split.opType !== 'Split' || split.outputs.length < 2 || split.outputs.some((o) => !o || outs.has(o))) continue;
    const x = split.inputs[0];
    const xd = g.values.get(x)?.shape;
    if (!xd || xd.length > 6 || xd.some((d) => typeof d !== 'number') || constants.has(x)) continue;
    const r = xd.length;
    const a = ((Number(split.attrs.get('axis')?.value ?? 0)) + r) % r;
    if (xd[a] !== split.outputs.length) continue;
    const parts: Part[] = [];
    for (const o of split.outputs) {
      const sq = only(o);
      const axes = sq?.opType === 'Squeeze' ? intsArg(sq, 1, 'axes', constants) : undefined;
      if (!sq || !axes || axes.length !== 1 || (axes[0] + r) % r !== a) break;
      const chain: Node[] = [];
      let v = sq.outputs[0];
      let n = only(v);
      while (n && n.outputs.length === 1 && (UNARY.has(n.opType) && n.inputs.length === 1
        || BY_SCALAR.has(n.opType) && n.inputs.length === 2 && n.inputs[0] === v && isScalar(n.inputs[1]))) {
        chain.push(n);
        v = n.outputs[0];
        n = only(v);
      }
      if (!n) break;
      const s = spec(n, g);
      if (s && n.inputs.indexOf(v) === n.inputs.lastIndexOf(v)) {
        const i = n.inputs.indexOf(v);
        parts.push({ squeeze: sq, chain, end: v, use: { kind: 'einsum', e: n, i, s, perm: wanted(s, i) } });
        continue;
      }
      if (n.opType !== 'Mul' || n.inputs.length !== 2 || n.inputs[0] === n.inputs[1]) break;
      const other = n.inputs[0] === v ? n.inputs[1] : n.inputs[0];
      const e = g.nodes.find((m) => m.outputs[0] === other);
      if (!e || only(other) !== n || !spec(e, g)) break;
      parts.push({ squeeze: sq, chain, end: v, use: { kind: 'gate', mul: n, e } });
    }
    if (parts.length !== split.outputs.length) continue;
    const einsumParts = parts.filter((p) => p.use.kind === 'einsum').map((p) => p.use as Extract<Use, { kind: 'einsum' }>);
    const perm = einsumParts[0]?.perm;
    if (!perm || isIdentity(perm) || einsumParts.some((u) => u.perm.join() !== perm.join())) continue;
    if (einsumParts.length < 2) continue;
    const gates = parts.filter((p) => p.use.kind === 'gate').map((p) => p.use as Extract<Use, { kind: 'gate' }>);
    // A gate's Einsum must read one of these parts (its product is then laid out as the parts are).
    if (gates.some((gt) => !einsumParts.some((u) => u.e === gt.e) || spec(gt.e, g)!.out.length !== perm.length)) continue;
    if (new Set(gates.map((gt) => gt.e)).size !== gates.length) continue;
    // The moved packed value: the parts' order with the split axis kept ahead of every dim that moves.
    const toX = (j: number) => (j < a ? j : j + 1);
    const firstMoved = perm.findIndex((p, j) => p !== j);
    const at = Math.min(a, firstMoved);
    const full = perm.map(toX);
    full.splice(at, 0, a);
    const key = `${x}/unbind_heads_${k++}`;
    const dtype = g.values.get(x)?.dtype;
    const shapeOf = (v: string, p: number[]) => { const d = g.values.get(v)?.shape; return d && p.map((j) => d[j]); };
    const moved = `${key}/moved`;
    g.values.set(moved, { name: moved, dtype, shape: full.map((j) => xd[j]) });
    const pieces = split.outputs.map((o, i) => {
      const name = `${key}/part${i}`;
      g.values.set(name, { name, dtype, shape: full.map((j) => (j === a ? 1 : xd[j])) });
      return name;
    });
    const axis = new Map(split.attrs).set('axis', { type: 'int', value: at });
    before.set(split, [node('Transpose', [x], [moved], { perm: full }, moved)]);
    replace.set(split, [{ ...split, inputs: [moved, ...split.inputs.slice(1)], outputs: pieces, attrs: axis }]);
    parts.forEach((p, i) => {
      const sq = p.squeeze;
      const sqNode: Node = sq.inputs[1]
        ? { ...sq, inputs: [pieces[i], int64Const(g, constants, `${key}/axes${i}`, [at])] }
        : { ...sq, inputs: [pieces[i]], attrs: new Map(sq.attrs).set('axes', { type: 'ints', value: [at] }) };
      replace.set(sq, [sqNode]);
      for (const v of [sq.outputs[0], ...p.chain.map((c) => c.outputs[0])]) {
        const s = shapeOf(v, perm);
        g.values.set(v, { ...g.values.get(v)!, shape: s });
      }
    });
    // Each Einsum's terms for these parts relabelled into the parts' order (a new attribute map: the source model's
    // nodes share theirs).
    const specs = new Map<Node, EinsumSpec>();
    for (const u of einsumParts) {
      const s = specs.get(u.e) ?? { ...u.s, terms: u.s.terms.map((t) => [...t]) };
      s.terms[u.i] = perm.map((j) => u.s.terms[u.i][j]);
      specs.set(u.e, s);
    }
    for (const gt of gates) {
      const s = specs.get(gt.e)!;
      const y = gt.e.outputs[0];
      s.out = perm.map((j) => s.out[j]);
      g.values.set(y, { ...g.values.get(y)!, shape: shapeOf(y, perm) });
      // The gated product, in the parts' order, moved back for its readers; the move keeps the Mul's name.
      const z = gt.mul.outputs[0];
      const gated = `${z}/heads_order`;
      g.values.set(gated, { name: gated, dtype: g.values.get(z)?.dtype, shape: shapeOf(z, perm) });
      replace.set(gt.mul, [{ ...gt.mul, name: gated, outputs: [gated] },
        { ...node('Transpose', [gated], [z], { perm: invert(perm) }), name: gt.mul.name }]);
    }
    for (const [e, s] of specs) e.attrs = new Map(e.attrs).set('equation', { type: 'string', value: equation(s) });
  }
  if (replace.size) spliceNodes(g, before, replace, new Set());
}
