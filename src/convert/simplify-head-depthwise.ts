// ONNX-level pattern: a depthwise Conv whose kernel is one wide, over the model's move of [B, L, C, W] to [B, C, L, W]
// — Nyströmformer's 9-tap conv on V along the sequence with the heads as channels (`Conv2d(h, h, (9, 1), groups=h)` on
// v [B, h, L, d]). Converted as written, the conv takes its input channel-last [B, L, d, h], a move of the heads-first
// V, and its output comes back for the sum with the attention output: with the heads' d columns each a channel of
// their own, [B, C·W, L, 1] with the filters repeated W times, the conv reads the [B, L, C, W] rows where they lie
// (its channel-last input is [B, L, 1, C·W]) and writes [B, L, C, W], the order the head merge after the sum wants.
// The move may be of packed heads sliced after it (the head passes' one move of q / k / v): the slice is taken first.
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32, toNumbers } from '../ir/tensor';
import { int64Const, permAttr, readersOf } from './simplify-util';

function ints(n: Node, name: string): number[] | undefined {
  const a = n.attrs.get(name);
  return a?.type === 'ints' ? (a.value as number[]) : undefined;
}

export function headDepthwiseAsRows(g: Graph, constants: Map<string, Tensor>): void {
  const { producer } = readersOf(g, constants);
  const before = new Map<Node, Node[]>();
  const replace = new Map<Node, Node[]>();
  const dims = (v: string) => {
    const s = g.values.get(v)?.shape;
    return s && s.every((d) => typeof d === 'number' && d > 0) ? (s as number[]) : undefined;
  };
  for (const conv of g.nodes) {
    if (conv.opType !== 'Conv' || conv.inputs.length < 2) continue;
    const src = sourceRows(g, constants, producer, conv.inputs[0]);
    const t = src?.t;
    const perm = t ? permAttr(t) : undefined;
    const xd = src ? dims(conv.inputs[0])?.map((_, i, d) => d[[0, 2, 1, 3][i]]) : undefined;
    const yd = dims(conv.outputs[0]);
    const w = constants.get(conv.inputs[1]);
    const b = conv.inputs[2] ? constants.get(conv.inputs[2]) : undefined;
    if (!t || !perm || perm.join() !== '0,2,1,3' || !xd || xd.length !== 4 || !yd || !w || w.dtype !== 'float32' || (conv.inputs[2] && !b)) continue;
    const [B, L, C, W] = xd;
    const k = ints(conv, 'kernel_shape') ?? w.dims.slice(2);
    const one = (v: number[] | undefined, at: number, x: number) => !v || v[at] === x;
    const group = conv.attrs.get('group');
    if (W === 1 || C === 1 || group?.type !== 'int' || group.value !== C || w.dims.join() !== `${C},1,${k[0]},1` || k[1] !== 1
      || !one(ints(conv, 'strides'), 1, 1) || !one(ints(conv, 'dilations'), 1, 1) || !one(ints(conv, 'pads'), 1, 0)
      || !one(ints(conv, 'pads'), 3, 0) || (conv.attrs.get('auto_pad')?.type === 'string' && conv.attrs.get('auto_pad')!.value !== 'NOTSET')
      || yd[0] !== B || yd[1] !== C || yd[3] !== W) continue;
    const Lo = yd[2];
    const base = `${conv.name}/head_rows`;
    const v = (name: string, shape: number[]) => { g.values.set(name, { name, dtype: 'float32', shape }); return name; };
    const mk = (op: string, inputs: string[], out: string, attrs: [string, { type: 'ints'; value: number[] } | { type: 'int'; value: number }][] = []): Node =>
      ({ name: `${base}/${op}_${out.split('/').pop()}`, opType: op, domain: '', inputs, outputs: [out], attrs: new Map(attrs) });
    const wv = toFloat32(w);
    const wName = `${base}/weight`;
    const wData = new Float32Array(C * W * k[0]);
    for (let c = 0; c < C; c++) for (let j = 0; j < W; j++) wData.set(wv.subarray(c * k[0], (c + 1) * k[0]), (c * W + j) * k[0]);
    constants.set(wName, { name: wName, dtype: 'float32', dims: [C * W, 1, k[0], 1], data: wData });
    v(wName, [C * W, 1, k[0], 1]);
    const inputs = [v(`${base}/cols`, [B, C * W, L, 1]), wName];
    if (b) {
      const bv = toFloat32(b);
      const bName = `${base}/bias`;
      constants.set(bName, { name: bName, dtype: 'float32', dims: [C * W], data: Float32Array.from({ length: C * W }, (_, i) => bv[Math.floor(i / W)]) });
      inputs.push(v(bName, [C * W]));
    }
    const attrs = new Map(conv.attrs);
    attrs.set('group', { type: 'int', value: C * W });
    attrs.set('kernel_shape', { type: 'ints', value: [k[0], 1] });
    const made: Node[] = [];
    let x = t.inputs[0];
    if (src.slice) {
      const [from, to] = src.slice;
      x = v(`${base}/sliced`, xd);
      made.push(mk('Slice', [t.inputs[0], int64Const(g, constants, `${base}/from`, [from]), int64Const(g, constants, `${base}/to`, [to]),
        int64Const(g, constants, `${base}/axis`, [2])], x));
    }
    made.push(
      mk('Reshape', [x, int64Const(g, constants, `${base}/rows_shape`, [B, L, C * W])], v(`${base}/rows`, [B, L, C * W])),
      mk('Transpose', [`${base}/rows`], v(`${base}/rows_t`, [B, C * W, L]), [['perm', { type: 'ints', value: [0, 2, 1] }]]),
      mk('Reshape', [`${base}/rows_t`, int64Const(g, constants, `${base}/cols_shape`, [B, C * W, L, 1])], `${base}/cols`),
      { name: `${base}/Conv`, opType: 'Conv', domain: '', inputs, outputs: [v(`${base}/out`, [B, C * W, Lo, 1])], attrs },
      mk('Reshape', [`${base}/out`, int64Const(g, constants, `${base}/out_shape`, [B, C, W, Lo])], v(`${base}/out4`, [B, C, W, Lo])),
      mk('Transpose', [`${base}/out4`], conv.outputs[0], [['perm', { type: 'ints', value: [0, 1, 3, 2] }]]),
    );
    before.set(conv, made);
    replace.set(conv, []);
  }
  if (before.size) g.nodes = g.nodes.flatMap((n) => [...(before.get(n) ?? []), ...(replace.get(n) ?? [n])]);
}

/** The model's Transpose the conv input is, or a Slice along axis 1 (step 1) of it: the Transpose and the slice's
 *  bounds, which are along axis 2 of the Transpose's input. */
function sourceRows(g: Graph, constants: Map<string, Tensor>, producer: Map<string, Node>, x: string): { t: Node; slice?: [number, number] } | undefined {
  const p = producer.get(x);
  if (p?.opType === 'Transpose') return { t: p };
  if (p?.opType !== 'Slice' || p.inputs.length < 4) return undefined;
  const t = producer.get(p.inputs[0]);
  const args = p.inputs.slice(1, 5).map((i) => (i ? constants.get(i) : undefined));
  if (t?.opType !== 'Transpose' || args.slice(0, 3).some((a) => !a) || (p.inputs[4] && !args[3])) return undefined;
  const [from, to, axes, steps] = args.map((a) => (a ? toNumbers(a) : undefined));
  const d = g.values.get(x)?.shape;
  if (from!.length !== 1 || axes![0] !== 1 || (steps && steps[0] !== 1) || typeof d?.[1] !== 'number' || from![0] < 0) return undefined;
  return { t, slice: [from![0], from![0] + d[1]] };
}
