// ONNX-level pattern: a Linear over a constant table whose output features the model then moves ahead of the table's
// rows — ConViT's gated positional self-attention, `pos_proj(rel_indices).permute(0, 3, 1, 2)` on its constant
// [1, N, N, 3] relative positions (a product bigger than its two factors, so the folder leaves it: src/ir/fold.ts).
// Converted as written, the product [1, N, N, H] is moved to [1, H, N, N] at run time (one TRANSPOSE a layer). The
// product moved is the Linear the other way round: Wᵀ · table, the table stored with its feature axis where the
// move puts the outputs (a constant, moved here once) and viewed [..., K, rows]; the bias a column. No TRANSPOSE.
import type { Graph, Node, Tensor } from '../ir/types';
import { makeTensor, toFloat32 } from '../ir/tensor';
import { node } from '../onnx/builder';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

const prod = (d: number[]) => d.reduce((a, b) => a * b, 1);

/** `perm` moves the last of r axes to position k and keeps the others in order: k, or undefined. */
function lastMovedTo(perm: number[]): number | undefined {
  const r = perm.length;
  const k = perm.indexOf(r - 1);
  if (k < 0 || k === r - 1) return undefined;
  return perm.filter((p) => p !== r - 1).every((p, i) => p === i) ? k : undefined;
}

/** `x` [..., K] moved so that its last axis sits at position k: [d0..dk-1, K, dk..], as float32 values. */
function movedLast(x: Tensor, k: number): Float32Array {
  const d = x.dims;
  const K = d[d.length - 1];
  const outer = prod(d.slice(0, k));
  const inner = prod(d.slice(k, -1));
  const v = toFloat32(x);
  const out = new Float32Array(v.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) for (let c = 0; c < K; c++) out[(o * K + c) * inner + i] = v[(o * inner + i) * K + c];
  }
  return out;
}

export function tableLinearMoves(g: Graph, constants: Map<string, Tensor>): void {
  const { producer, only } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  const f32 = (v: string) => { const t = constants.get(v); return t?.dtype === 'float32' ? t : undefined; };
  for (const t of g.nodes) {
    const perm = t.opType === 'Transpose' ? permAttr(t) : undefined;
    const k = perm && perm.length >= 3 ? lastMovedTo(perm) : undefined;
    if (k === undefined || k === 0) continue;
    let add = producer.get(t.inputs[0]);
    let mm = add;
    let bias: Tensor | undefined;
    if (add?.opType === 'Add' && only(add.outputs[0]) === t) {
      const side = producer.get(add.inputs[0])?.opType === 'MatMul' ? 0 : 1;
      mm = producer.get(add.inputs[side]);
      bias = f32(add.inputs[1 - side]);
      if (!bias) continue;
    } else add = undefined;
    if (mm?.opType !== 'MatMul' || only(mm.outputs[0]) !== (add ?? t)) continue;
    const [x, w] = [f32(mm.inputs[0]), f32(mm.inputs[1])];
    if (!x || !w || w.dims.length !== 2 || x.dims.length !== perm!.length || x.dims[x.dims.length - 1] !== w.dims[0]) continue;
    const [K, F] = w.dims;
    if (bias && (bias.dims.length < 1 || bias.dims[bias.dims.length - 1] !== F || prod(bias.dims) !== F)) continue;
    const lead = x.dims.slice(0, k);
    const rows = prod(x.dims.slice(k, -1));
    const key = `${t.name || t.outputs[0]}/table_linear`;
    const c = (name: string, dims: number[], v: Float32Array) => {
      constants.set(name, makeTensor(name, 'float32', dims, v));
      g.values.set(name, { name, dtype: 'float32', shape: dims });
      return name;
    };
    const wv = toFloat32(w);
    const wt = new Float32Array(K * F);
    for (let i = 0; i < K; i++) for (let j = 0; j < F; j++) wt[j * K + i] = wv[i * F + j];
    const table = c(`${key}/table`, [...lead, K, rows], movedLast(x, k));
    const weight = c(`${key}/weight`, [F, K], wt);
    const flat = `${key}/product`;
    g.values.set(flat, { name: flat, dtype: 'float32', shape: [...lead, F, rows] });
    const out: Node[] = [node('MatMul', [weight, table], [flat], {}, mm.name)];
    let y = flat;
    if (bias) {
      const b = c(`${key}/bias`, [F, 1], toFloat32(bias));
      y = `${key}/biased`;
      g.values.set(y, { name: y, dtype: 'float32', shape: [...lead, F, rows] });
      out.push(node('Add', [flat, b], [y], {}, add!.name));
    }
    const shape = `${key}/shape`;
    const outDims = perm!.map((p) => (p === perm!.length - 1 ? F : x.dims[p]));
    constants.set(shape, makeTensor(shape, 'int64', [outDims.length], BigInt64Array.from(outDims.map(BigInt))));
    g.values.set(shape, { name: shape, dtype: 'int64', shape: [outDims.length] });
    out.push(node('Reshape', [y, shape], [t.outputs[0]], {}, t.name));
    replace.set(t, out);
    skip.add(mm);
    if (add) skip.add(add);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
