// Which ops of a boolean-mask indexing region work on each selected row alone (masked-rows.ts). Taint before the
// rewrite: `idx` (NonZero's positions, transposed), `row` (values with one row per selected position, tagged with
// their mask; '*' for rows that are all alike, as ConstantOfShape of a row count makes), `shape` (sizes and indices
// computed from the row count; `dims` a Shape of rows, whose element 0 is the row count and the others are not). Then, on the rewritten graph's static shapes and folded constants, each row op's
// axes, slices, pads and scatter indices are checked to leave row 0 of every value as row 0 (no op mixes rows).
import { toNumbers } from '../ir/tensor';
import type { Graph, Node, Tensor } from '../ir/types';
import { isStaticShape } from '../ir/types';
import { readersOf } from './simplify-util';

type Consts = Map<string, Tensor>;
type Taint = { kind: 'idx' | 'row'; mask: string } | { kind: 'shape' | 'dims' };

export interface RowsPlan {
  nonZeros: Set<Node>;
  /** GatherND reading every selected row → its mask. */
  gathers: Map<Node, string>;
  /** ScatterND writing the rows back at the mask's positions → the mask it writes by. */
  scatters: Map<Node, string>;
  /** The other ops on rows, with their outputs' mask. */
  rowNodes: Map<Node, string>;
  /** Values computed from the row count that row ops read as data. */
  countData: Set<string>;
  /** Every value the region makes (inference computes them again), and those of them holding rows. */
  tainted: Set<string>;
  rows: Set<string>;
}

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Reciprocal', 'Floor',
  'Ceil', 'Round', 'Sign', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'Erf', 'Sin', 'Cos', 'Clip', 'Min',
  'Max', 'Mod', 'Where', 'Cast', 'Not', 'And', 'Or', 'Xor', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual',
  'Identity', 'IsNaN', 'IsInf', 'HardSigmoid', 'Elu', 'Selu', 'Gelu']);
/** Row ops and the input positions where sizes / axes / indices computed from the row count may come in. */
const SHAPE_INPUTS: Record<string, number[]> = {
  Reshape: [1], Expand: [1], Slice: [1, 2, 3, 4], Pad: [1, 3], Tile: [1], ScatterND: [1], Unsqueeze: [1], Squeeze: [1],
  Split: [1], ReduceSum: [1], ReduceMean: [1], ReduceMax: [1], ReduceMin: [1], ReduceProd: [1], CumSum: [1], Gather: [1],
  Softmax: [], LogSoftmax: [], GatherElements: [], Concat: [], Transpose: [], ArgMax: [], ArgMin: [], MatMul: [], Flatten: [],
};

function opsOn(op: string): number[] | undefined {
  return ELEMENTWISE.has(op) ? [] : SHAPE_INPUTS[op];
}

export function analyzeRows(g: Graph, consts: Consts): RowsPlan | undefined {
  // Folded nodes (Shape of a static value...) are neither readers nor producers here: they are never converted.
  const { uses: readers, producer } = readersOf(g, consts);
  const staticShape = (v: string) => { const s = g.values.get(v)?.shape; return isStaticShape(s) ? s : undefined; };
  const canon = (v: string): string => {
    const p = producer.get(v);
    const a = staticShape(v);
    const b = p?.opType === 'Expand' ? staticShape(p.inputs[0]) : undefined;
    return p && a && b && a.join() === b.join() ? canon(p.inputs[0]) : v;
  };
  const plan: RowsPlan = { nonZeros: new Set(), gathers: new Map(), scatters: new Map(), rowNodes: new Map(), countData: new Set(), tainted: new Set(), rows: new Set() };
  const taint = new Map<string, Taint>();
  const isTranspose10 = (n: Node) => { const p = n.attrs.get('perm'); return n.opType === 'Transpose' && p?.type === 'ints' && p.value.join() === '1,0'; };
  for (const n of g.nodes) {
    if (n.opType !== 'NonZero' || consts.has(n.outputs[0]) || g.values.get(n.inputs[0])?.dtype !== 'bool' || !staticShape(n.inputs[0])) continue;
    const rs = readers.get(n.outputs[0]) ?? [];
    if (!rs.length || !rs.every(isTranspose10)) continue;
    plan.nonZeros.add(n);
    for (const t of rs) taint.set(t.outputs[0], { kind: 'idx', mask: n.inputs[0] });
  }
  if (!plan.nonZeros.size) return undefined;
  const skip = new Set<Node>([...plan.nonZeros, ...[...plan.nonZeros].flatMap((z) => readers.get(z.outputs[0]) ?? [])]);
  const outputs = new Set(g.outputs.map((o) => o.name));
  for (const n of g.nodes) {
    if (skip.has(n)) continue;
    const ts = n.inputs.map((i) => (i ? taint.get(i) : undefined));
    if (!ts.some(Boolean)) continue;
    if ([...n.attrs.values()].some((a) => a.type === 'graph' || a.type === 'graphs')) return undefined;
    const set = (t: Taint) => n.outputs.forEach((o) => o && taint.set(o, t));
    const idx = ts[1]?.kind === 'idx' ? ts[1] : undefined;
    if (n.opType === 'Shape') { set({ kind: (ts[0]!.kind === 'row' || ts[0]!.kind === 'idx') && !n.attrs.has('start') ? 'dims' : 'shape' }); continue; }
    if (n.opType === 'Size') { set({ kind: 'shape' }); continue; }
    if (ts[0]?.kind === 'dims' && !otherDims(n, consts)) { set({ kind: 'shape' }); continue; }
    if (ts[0]?.kind === 'dims') continue; // the other dims: as static as before
    if (n.opType === 'GatherND' && idx && !ts[0]) {
      const bd = n.attrs.get('batch_dims');
      const xs = staticShape(n.inputs[0]);
      const ms = staticShape(idx.mask)!;
      if ((bd && bd.type === 'int' && bd.value !== 0) || !xs || xs.slice(0, ms.length).join() !== ms.join()) return undefined;
      plan.gathers.set(n, idx.mask);
      set({ kind: 'row', mask: canon(idx.mask) });
      continue;
    }
    if (n.opType === 'ScatterND' && idx) {
      const u = ts[2];
      const red = n.attrs.get('reduction');
      if (ts[0] || u?.kind !== 'row' || u.mask !== canon(idx.mask) || (red?.type === 'string' && red.value !== 'none')) return undefined;
      if (staticShape(n.inputs[0])?.join() !== staticShape(idx.mask)?.join()) return undefined;
      plan.scatters.set(n, idx.mask);
      continue; // its output holds no selected rows: untainted
    }
    if (ts.some((t) => t?.kind === 'idx')) return undefined;
    for (const [i, t] of ts.entries()) if (t?.kind === 'dims') ts[i] = { kind: 'shape' };
    const rows = ts.filter((t): t is Taint & { kind: 'row' } => t?.kind === 'row');
    if (!rows.length) { set({ kind: 'shape' }); continue; }
    const allowed = opsOn(n.opType);
    if (!allowed) return undefined;
    ts.forEach((t, i) => { if (t?.kind === 'shape' && !allowed.includes(i)) plan.countData.add(n.inputs[i]); });
    const masks = new Set(rows.map((r) => r.mask));
    if (masks.size > 1) return undefined;
    const mask = [...masks][0];
    plan.rowNodes.set(n, mask);
    set({ kind: 'row', mask });
  }
  for (const [v, t] of taint) {
    if (outputs.has(v) && t.kind !== 'idx') return undefined;
    plan.tainted.add(v);
    if (t.kind === 'row') plan.rows.add(v);
  }
  return plan.scatters.size ? plan : undefined;
}

/** A Gather / Slice of a Shape of rows that reads none of element 0 (the row count). */
function otherDims(n: Node, consts: Consts): boolean {
  const c = (i: number) => (n.inputs[i] && consts.has(n.inputs[i]) ? toNumbers(consts.get(n.inputs[i])!) : undefined);
  if (n.opType === 'Gather') { const k = c(1); return !!k && k.length > 0 && k.every((v) => v !== 0); }
  if (n.opType === 'Slice') { const st = c(1); const ax = c(3); const sp = c(4); return !!st && st.length === 1 && st[0] >= 1 && (!ax || ax[0] === 0) && (!sp || sp[0] === 1); }
  return false;
}

/** The rewritten graph's checks (static shapes, folded constants): every row op leaves each row where it was. */
export function checkRows(g: Graph, consts: Consts, fewer: Consts, plan: RowsPlan): boolean {
  for (const v of plan.countData) if (!sameForAnyCount(consts.get(v), fewer.get(v))) return false;
  const shape = (v: string) => { const s = g.values.get(v)?.shape; return isStaticShape(s) ? s : undefined; };
  const ints = (v: string | undefined) => (v && consts.has(v) ? toNumbers(consts.get(v)!) : undefined);
  const attrInt = (n: Node, k: string, d: number) => { const a = n.attrs.get(k); return a?.type === 'int' ? a.value : d; };
  const attrInts = (n: Node, k: string) => { const a = n.attrs.get(k); return a?.type === 'ints' ? a.value : undefined; };
  const rowSet = plan.rows;
  for (const [n, mask] of plan.rowNodes) {
    const P = shape(mask)?.reduce((a, b) => a * b, 1);
    const outs = n.outputs.filter(Boolean).map(shape);
    const ins = n.inputs.map((i) => (i ? shape(i) : undefined));
    if (outs.some((s) => !s) || (P !== undefined && outs.some((s) => s!.length === 0 || s![0] !== P))) return false;
    if (P !== undefined && n.inputs.some((v, i) => rowSet.has(v) && ins[i]?.[0] !== P)) return false;
    const rank = (ins[0] ?? outs[0]!).length;
    const notRow0 = (a: number | undefined, r = rank) => a !== undefined && ((a % r) + r) % r !== 0;
    // Values outside the region broadcast along the rows (leading dim 1, or fewer dims).
    for (const [i, s] of ins.entries()) {
      const v = n.inputs[i];
      if (!v || rowSet.has(v) || plan.tainted.has(v)) continue;
      if (s && s.length >= outs[0]!.length && s[0] !== 1 && ELEMENTWISE.has(n.opType)) return false;
    }
    switch (n.opType) {
      case 'Softmax': case 'LogSoftmax': if (!notRow0(attrInt(n, 'axis', -1))) return false; break;
      case 'Concat': case 'Flatten': case 'ArgMax': case 'ArgMin': case 'GatherElements':
        if (!notRow0(attrInt(n, 'axis', n.opType === 'Flatten' ? 1 : 0))) return false;
        if (n.opType === 'GatherElements' && !rowSet.has(n.inputs[1])) return false;
        break;
      case 'Gather': if (rowSet.has(n.inputs[0]) ? !notRow0(attrInt(n, 'axis', 0)) || rowSet.has(n.inputs[1]) : attrInt(n, 'axis', 0) !== 0) return false; break;
      case 'Split': if (!notRow0(attrInt(n, 'axis', 0))) return false; break;
      case 'CumSum': { const a = ints(n.inputs[1]); if (!a || !notRow0(a[0])) return false; break; }
      case 'ReduceSum': case 'ReduceMean': case 'ReduceMax': case 'ReduceMin': case 'ReduceProd': {
        const axes = attrInts(n, 'axes') ?? ints(n.inputs[1]);
        if (!axes?.length || axes.some((a) => !notRow0(a))) return false;
        break;
      }
      case 'Transpose': if (attrInts(n, 'perm')?.[0] !== 0) return false; break;
      case 'Unsqueeze': case 'Squeeze': {
        const axes = attrInts(n, 'axes') ?? ints(n.inputs[1]);
        const r = n.opType === 'Unsqueeze' ? outs[0]!.length : rank;
        if (!axes?.length || axes.some((a) => !notRow0(a, r))) return false;
        break;
      }
      case 'Reshape': case 'Expand': case 'Tile': case 'MatMul':
        if (ins[0]?.[0] !== outs[0]![0] || (n.opType === 'MatMul' && rank < 2)) return false;
        if (n.opType === 'MatMul' && rowSet.has(n.inputs[1])) return false;
        break;
      case 'Slice': {
        const [st, en, ax, sp] = [1, 2, 3, 4].map((i) => ints(n.inputs[i]));
        if (!st || !en) return false;
        const axes = ax ?? st.map((_, i) => i);
        for (const [k, a] of axes.entries()) {
          if (notRow0(a)) continue;
          if (st[k] !== 0 || (sp && sp[k] !== 1) || en[k] < ins[0]![0]) return false;
        }
        break;
      }
      case 'Pad': {
        const pads = ints(n.inputs[1]) ?? attrInts(n, 'pads');
        if (!pads || n.inputs[3] || pads[0] !== 0 || pads[rank] !== 0) return false;
        break;
      }
      case 'ScatterND': {
        const idx = consts.get(n.inputs[1]);
        if (!idx || !rowSet.has(n.inputs[0]) || !identityRows(idx, ins[0]![0])) return false;
        break;
      }
      default:
        if (!ELEMENTWISE.has(n.opType) && n.opType !== 'ConstantOfShape') return false;
    }
  }
  return true;
}

/** A value folded with P rows and with P - 1: equal, or the same row repeated in both. */
function sameForAnyCount(a: Tensor | undefined, b: Tensor | undefined): boolean {
  if (!a || !b) return false;
  const x = toNumbers(a);
  const y = toNumbers(b);
  if (a.dims.join() === b.dims.join()) return x.every((v, i) => Object.is(v, y[i]));
  if (a.dims.length !== b.dims.length || a.dims[0] !== b.dims[0] + 1 || a.dims.slice(1).join() !== b.dims.slice(1).join()) return false;
  const row = x.length / a.dims[0];
  return x.every((v, i) => Object.is(v, x[i % row])) && y.every((v, i) => Object.is(v, x[i % row]));
}

/** Scatter indices [P, ..., q] whose k-th slab writes only into row k. */
function identityRows(idx: Tensor, P: number): boolean {
  const q = idx.dims[idx.dims.length - 1];
  if (idx.dims[0] !== P || q < 1) return false;
  const v = toNumbers(idx);
  const perRow = v.length / P;
  for (let i = 0; i < v.length; i += q) if (v[i] !== Math.floor(i / perRow)) return false;
  return true;
}
