// ONNX-level pattern: a value repeated along one of its axes written as Unsqueeze → Expand → Reshape (PyTorch's
// repeat_interleave, per slice once its sequence loop is unrolled, and `x.unsqueeze(k).expand(...).reshape(...)`
// tiling) becomes a Concat of the value with itself r times, and a Concat of such Concats along the same axis one
// Concat. Converted as is, the Reshape that merges the new axis needs the value in ONNX's channel-first order (a
// TRANSPOSE back to channel-last before the next convolution); a Concat works in whatever layout its inputs have.
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { readersOf } from './simplify-util';

/** Most copies written as one Concat. */
const MAX_COPIES = 256;

function axisAttr(n: Node): number {
  const a = n.attrs.get('axis');
  return a?.type === 'int' ? a.value : 0;
}

export function fuseRepeats(g: Graph, constants: Map<string, Tensor>): void {
  const { only } = readersOf(g, constants);
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const dims = (v: string) => {
    const s = constants.get(v)?.dims ?? g.values.get(v)?.shape;
    return s && s.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
  };
  const drop = new Set<Node>();
  const made = new Set<Node>();
  for (const r of g.nodes) {
    if (r.opType !== 'Reshape' || constants.has(r.outputs[0])) continue;
    const e = producer.get(r.inputs[0]);
    if (!e || e.opType !== 'Expand' || only(e.outputs[0]) !== r) continue;
    const u = producer.get(e.inputs[0]);
    if (!u || u.opType !== 'Unsqueeze' || only(u.outputs[0]) !== e) continue;
    const x = u.inputs[0];
    const [X, U, E, R] = [x, u.outputs[0], e.outputs[0], r.outputs[0]].map(dims);
    if (!X || !U || !E || !R || U.length !== X.length + 1 || E.length !== U.length || R.length !== X.length) continue;
    const axesName = u.inputs[1]; // opset 13 on; before, the `axes` attribute
    const axesAttr = u.attrs.get('axes');
    const axes = axesName ? (constants.has(axesName) ? toNumbers(constants.get(axesName)!) : undefined) : axesAttr?.type === 'ints' ? axesAttr.value : undefined;
    if (!axes || axes.length !== 1) continue;
    const k = axes[0] < 0 ? axes[0] + U.length : axes[0];
    const copies = E[k];
    if (U[k] !== 1 || copies < 1 || copies > MAX_COPIES || E.some((d, j) => j !== k && d !== U[j])) continue;
    // Merging the new axis with the one after it repeats the whole axis; with the one before it, when that axis is
    // 1, too (each of its one slices repeated).
    const same = (axis: number) => R.every((d, j) => (j === axis ? d === X[j] * copies : d === X[j]));
    const axis = k < X.length && same(k) ? k : k >= 1 && X[k - 1] === 1 && same(k - 1) ? k - 1 : -1;
    if (axis < 0) continue;
    r.opType = 'Concat';
    r.inputs = new Array<string>(copies).fill(x);
    r.attrs = new Map([['axis', { type: 'int', value: axis }]]);
    drop.add(e);
    drop.add(u);
    made.add(r);
  }
  if (!made.size) return;
  // A Concat of those along the same axis takes their inputs.
  for (const c of g.nodes) {
    if (c.opType !== 'Concat' || drop.has(c)) continue;
    const rank = dims(c.outputs[0])?.length;
    if (rank === undefined) continue;
    const norm = (a: number) => (a < 0 ? a + rank : a);
    const inputs = c.inputs.flatMap((i) => {
      const p = producer.get(i);
      if (!p || !made.has(p) || drop.has(p) || only(i) !== c || norm(axisAttr(p)) !== norm(axisAttr(c))) return [i];
      drop.add(p);
      return p.inputs;
    });
    c.inputs = inputs;
  }
  g.nodes = g.nodes.filter((n) => !drop.has(n));
}
