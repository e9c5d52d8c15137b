// A 1×1 Conv over the heads of an attention map (EfficientFormerV2's talking heads: Conv2d(heads, heads, 1) between
// q·kᵀ + biases and the Softmax, and between the Softmax and ·v) mixes the [N, heads, Tq, Tk] map across its axis 1.
// As a Conv it runs channel-last, so the map goes to NHWC and back around it (4 TRANSPOSE per attention); as
// Reshape [N, heads, Tq·Tk] → MatMul by the [O, heads] weights → Add of the bias [O, 1] → Reshape it stays in ONNX
// order, where the MatMul and the Softmax (over Tk, the last axis) read it. CaiT's talking heads are Linear layers
// over the heads of the map moved heads-last (`proj_l(attn.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)`: Transpose,
// MatMul by the [heads, O] weights, Add of the bias, Transpose back; 4 TRANSPOSE per attention): the same MatMul.
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import { node } from '../onnx/builder';
import { folded, permAttr, readersOf, spliceNodes } from './simplify-util';

/** Ops an attention map passes through between its MatMul / Softmax and a talking-head conv. */
const ELEMENTWISE = new Set(['Add', 'Mul', 'Sub', 'Div']);
const MAP_OPS = new Set(['MatMul', 'Softmax']);

function intsAttr(n: Node, name: string): number[] | undefined {
  const a = n.attrs.get(name);
  return a?.type === 'ints' ? a.value : undefined;
}

/** A plain 1×1 Conv: constant float32 weights [O, C, 1, 1], group 1, unit strides and dilations, no padding. */
function isPointwise(c: Node, constants: Map<string, Tensor>): boolean {
  const w = constants.get(c.inputs[1]);
  if (!w || w.dtype !== 'float32' || w.dims.length !== 4 || w.dims[2] !== 1 || w.dims[3] !== 1) return false;
  if (c.inputs[2] && !constants.has(c.inputs[2])) return false;
  const g = c.attrs.get('group');
  const pad = c.attrs.get('auto_pad');
  return (g?.type !== 'int' || g.value === 1) && [intsAttr(c, 'strides'), intsAttr(c, 'dilations')].every((v) => !v || v.every((x) => x === 1))
    && (intsAttr(c, 'pads') ?? []).every((x) => x === 0) && (pad?.type !== 'string' || pad.value === 'NOTSET' || pad.value === 'VALID');
}

export function talkingHeadsAsMatMul(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { uses, outs, producer } = readersOf(g, constants);
  /** The value comes from a MatMul or Softmax through elementwise ops (an attention map). */
  const fromMap = (v: string): boolean => {
    for (let p = producer.get(v), k = 0; p && k < 4; p = producer.get(p.inputs.find((i) => !constants.has(i)) ?? ''), k++) {
      if (MAP_OPS.has(p.opType)) return true;
      if (!ELEMENTWISE.has(p.opType)) return false;
    }
    return false;
  };
  /** Read by the map's own ops: the Softmax over its last axis, the MatMul by v, or another talking-head mix. */
  const readByMap = (y: string, chosen: Set<Node>) => !outs.has(y) && (uses.get(y) ?? []).length > 0
    && (uses.get(y) ?? []).every((r) => (r.opType === 'MatMul' && r.inputs[0] === y) || chosen.has(r)
      || (r.opType === 'Softmax' && [-1, 3].includes(r.attrs.get('axis')?.type === 'int' ? r.attrs.get('axis')!.value as number : -1)));
  const only = (v: string) => { const u = uses.get(v) ?? []; return u.length === 1 && !outs.has(v) ? u[0] : undefined; };
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  const mix = (first: Node, x: string, weights: Float32Array, o: number, bias: Float32Array, y: string) => {
    const [n, ci, h, w] = dims(x)!;
    const base = `${first.name}/as_matmul`;
    const add = (name: string, t: Tensor) => { constants.set(name, t); g.values.set(name, { name, dtype: t.dtype, shape: [...t.dims] }); };
    add(`${base}/flat_shape`, { name: `${base}/flat_shape`, dtype: 'int64', dims: [3], data: BigInt64Array.from([n, ci, h * w].map(BigInt)) });
    add(`${base}/out_shape`, { name: `${base}/out_shape`, dtype: 'int64', dims: [4], data: BigInt64Array.from([n, o, h, w].map(BigInt)) });
    add(`${base}/weights`, { name: `${base}/weights`, dtype: 'float32', dims: [o, ci], data: weights });
    add(`${base}/bias`, { name: `${base}/bias`, dtype: 'float32', dims: [o, 1], data: bias });
    for (const [v, s] of [[`${base}/flat`, [n, ci, h * w]], [`${base}/mixed`, [n, o, h * w]], [`${base}/biased`, [n, o, h * w]]] as const) {
      g.values.set(v, { name: v, dtype: 'float32', shape: [...s] });
    }
    replace.set(first, [
      node('Reshape', [x, `${base}/flat_shape`], [`${base}/flat`], {}, `${base}/flatten`),
      node('MatMul', [`${base}/weights`, `${base}/flat`], [`${base}/mixed`], {}, `${base}/matmul`),
      node('Add', [`${base}/mixed`, `${base}/bias`], [`${base}/biased`], {}, `${base}/bias_add`),
      node('Reshape', [`${base}/biased`, `${base}/out_shape`], [y], {}, `${base}/unflatten`),
    ]);
  };
  const static4 = (v: string) => { const d = dims(v); return !!d && d.length === 4 && d.every((k) => k > 0); };
  const candidates = g.nodes.filter((c) => c.opType === 'Conv' && !folded(c, constants) && isPointwise(c, constants) && fromMap(c.inputs[0]));
  const linears = g.nodes.filter((t) => t.opType === 'Transpose' && permAttr(t)?.join() === '0,2,3,1' && fromMap(t.inputs[0]) && static4(t.inputs[0]))
    .map((t) => headsLinear(t, only, constants)).filter((l): l is HeadsLinear => !!l);
  const chosen = new Set<Node>([...candidates, ...linears.map((l) => l.first)]);
  for (const c of candidates) {
    if (!static4(c.inputs[0]) || !readByMap(c.outputs[0], chosen)) continue;
    const wt = constants.get(c.inputs[1])!;
    const o = wt.dims[0];
    mix(c, c.inputs[0], toFloat32(wt).slice(), o, c.inputs[2] ? toFloat32(constants.get(c.inputs[2])!).slice() : new Float32Array(o), c.outputs[0]);
  }
  for (const l of linears) {
    if (!readByMap(l.last.outputs[0], chosen)) continue;
    // MatMul's weights are [C, O] (the Linear's transposed): the mix wants [O, C].
    const [ci, o] = l.weights.dims;
    const wv = toFloat32(l.weights);
    const wt = new Float32Array(o * ci);
    for (let i = 0; i < ci; i++) for (let j = 0; j < o; j++) wt[j * ci + i] = wv[i * o + j];
    mix(l.first, l.first.inputs[0], wt, o, l.bias ? toFloat32(l.bias).slice() : new Float32Array(o), l.last.outputs[0]);
    for (const n of l.rest) skip.add(n);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}

interface HeadsLinear { first: Node; rest: Node[]; last: Node; weights: Tensor; bias?: Tensor }

/** Transpose (0, 2, 3, 1) → MatMul by constant [C, O] weights → Add of a constant [O] bias (optional) → Transpose
 *  (0, 3, 1, 2), each value read only by the next. */
function headsLinear(t: Node, only: (v: string) => Node | undefined, constants: Map<string, Tensor>): HeadsLinear | undefined {
  const mm = only(t.outputs[0]);
  const weights = mm?.opType === 'MatMul' && mm.inputs[0] === t.outputs[0] ? constants.get(mm.inputs[1]) : undefined;
  if (!mm || !weights || weights.dtype !== 'float32' || weights.dims.length !== 2) return undefined;
  let next = only(mm.outputs[0]);
  let bias: Tensor | undefined;
  const rest = [mm];
  if (next?.opType === 'Add') {
    bias = constants.get(next.inputs[next.inputs[0] === mm.outputs[0] ? 1 : 0]);
    if (!bias || bias.dtype !== 'float32' || bias.dims.join() !== String(weights.dims[1])) return undefined;
    rest.push(next);
    next = only(next.outputs[0]);
  }
  if (next?.opType !== 'Transpose' || permAttr(next)?.join() !== '0,3,1,2') return undefined;
  rest.push(next);
  return { first: t, rest, last: next, weights, bias };
}
