// A 1×1 Conv over the heads of an attention map (EfficientFormerV2's talking heads: Conv2d(heads, heads, 1) between
// q·kᵀ + biases and the Softmax, and between the Softmax and ·v) mixes the [N, heads, Tq, Tk] map across its axis 1.
// As a Conv it runs channel-last, so the map goes to NHWC and back around it (4 TRANSPOSE per attention); as
// Reshape [N, heads, Tq·Tk] → MatMul by the [O, heads] weights → Add of the bias [O, 1] → Reshape it stays in ONNX
// order, where the MatMul and the Softmax (over Tk, the last axis) read it.
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import { node } from '../onnx/builder';
import { folded, readersOf, spliceNodes } from './simplify-util';

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
  const candidates = g.nodes.filter((c) => c.opType === 'Conv' && !folded(c, constants) && isPointwise(c, constants) && fromMap(c.inputs[0]));
  const chosen = new Set(candidates);
  const replace = new Map<Node, Node[]>();
  for (const c of candidates) {
    const x = dims(c.inputs[0]);
    const y = c.outputs[0];
    const readers = uses.get(y) ?? [];
    // Read by the map's own ops: the Softmax over its last axis, the MatMul by v, or another talking-head conv.
    if (!x || x.length !== 4 || x.some((d) => !(d > 0)) || outs.has(y) || !readers.length
      || !readers.every((r) => (r.opType === 'MatMul' && r.inputs[0] === y) || chosen.has(r)
        || (r.opType === 'Softmax' && [-1, 3].includes(r.attrs.get('axis')?.type === 'int' ? r.attrs.get('axis')!.value as number : -1)))) continue;
    const [n, ci, h, w] = x;
    const wt = constants.get(c.inputs[1])!;
    const o = wt.dims[0];
    const base = `${c.name}/as_matmul`;
    const add = (name: string, t: Tensor) => { constants.set(name, t); g.values.set(name, { name, dtype: t.dtype, shape: [...t.dims] }); };
    add(`${base}/flat_shape`, { name: `${base}/flat_shape`, dtype: 'int64', dims: [3], data: BigInt64Array.from([n, ci, h * w].map(BigInt)) });
    add(`${base}/out_shape`, { name: `${base}/out_shape`, dtype: 'int64', dims: [4], data: BigInt64Array.from([n, o, h, w].map(BigInt)) });
    add(`${base}/weights`, { name: `${base}/weights`, dtype: 'float32', dims: [o, ci], data: toFloat32(wt).slice() });
    const bias = c.inputs[2] ? toFloat32(constants.get(c.inputs[2])!) : new Float32Array(o);
    add(`${base}/bias`, { name: `${base}/bias`, dtype: 'float32', dims: [o, 1], data: bias.slice() });
    for (const [v, s] of [[`${base}/flat`, [n, ci, h * w]], [`${base}/mixed`, [n, o, h * w]], [`${base}/biased`, [n, o, h * w]]] as const) {
      g.values.set(v, { name: v, dtype: 'float32', shape: [...s] });
    }
    replace.set(c, [
      node('Reshape', [c.inputs[0], `${base}/flat_shape`], [`${base}/flat`], {}, `${base}/flatten`),
      node('MatMul', [`${base}/weights`, `${base}/flat`], [`${base}/mixed`], {}, `${base}/matmul`),
      node('Add', [`${base}/mixed`, `${base}/bias`], [`${base}/biased`], {}, `${base}/bias_add`),
      node('Reshape', [`${base}/biased`, `${base}/out_shape`], [y], {}, `${base}/unflatten`),
    ]);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}
