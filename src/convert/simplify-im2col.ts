// nn.Unfold / F.unfold (GTCRN's subband feature extraction, FullSubNet's neighbour frequencies) is exported by
// torch's im2col as Pad → Gather (rows of each block, axis 2) → Gather (columns, axis 4) → rank-6 Transpose
// (0, 1, 2, 4, 3, 5) → Reshape [N, C·kh·kw, L]: two TRANSPOSE on a channel-last map, one of rank 6. The same values
// are a depthwise Conv with one-hot filters: output channel c·kh·kw + i·kw + j takes input channel c at kernel
// position (i, j) (exact: one product by 1, the rest by 0), with im2col's strides, dilations and pads read from the
// gathered indices and a zero Pad (a reflect Pad stays before the Conv); kernels up to 7 × 7; a Reshape to [N, C·kh·kw, L] follows (the usual Reshape back to a map cancels it).
import type { Graph, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { node } from '../onnx/builder';
import { permAttr, readersOf, spliceNodes } from './simplify-util';

const IM2COL = [0, 1, 2, 4, 3, 5];
const MAX_KERNEL = 49;

/** Stride and dilation of im2col's block indices [k, o] (index = i·dilation + o·stride), or undefined. */
function blockSteps(idx: Tensor): { stride: number; dilation: number } | undefined {
  if (idx.dims.length !== 2) return undefined;
  const [k, o] = idx.dims;
  const v = toNumbers(idx);
  const dilation = k > 1 ? v[o] - v[0] : 1;
  const stride = o > 1 ? v[1] - v[0] : 1;
  if (v[0] !== 0 || dilation < 1 || stride < 1) return undefined;
  for (let i = 0; i < k; i++) for (let j = 0; j < o; j++) if (v[i * o + j] !== i * dilation + j * stride) return undefined;
  return { stride, dilation };
}

/** The Pad's [top, left] when it pads only H and W, with zeros, the same before and after; [0, 0] without a Pad. */
function spatialPads(pad: Node | undefined, constants: Map<string, Tensor>): [number, number] | undefined {
  if (!pad) return [0, 0];
  const mode = pad.attrs.get('mode');
  if (mode && mode.value !== 'constant') return undefined;
  const value = pad.inputs[2] ? constants.get(pad.inputs[2]) : undefined;
  if (pad.inputs[2] && (!value || toNumbers(value)[0] !== 0)) return undefined;
  const attr = pad.attrs.get('pads');
  const p = pad.inputs[1] ? (constants.has(pad.inputs[1]) ? toNumbers(constants.get(pad.inputs[1])!) : undefined)
    : attr?.type === 'ints' ? attr.value as number[] : undefined;
  if (!p || p.length !== 8 || p[0] || p[1] || p[4] || p[5] || p[2] !== p[6] || p[3] !== p[7]) return undefined;
  return [p[2], p[3]];
}

export function im2colAsConv(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { only, producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const t of g.nodes) {
    if (t.opType !== 'Transpose' || permAttr(t)?.join() !== IM2COL.join()) continue;
    const cols = producer.get(t.inputs[0]);
    const rows = cols?.opType === 'Gather' ? producer.get(cols.inputs[0]) : undefined;
    const rs = only(t.outputs[0]);
    if (!cols || rows?.opType !== 'Gather' || rs?.opType !== 'Reshape') continue;
    if (cols.attrs.get('axis')?.value !== 4 || rows.attrs.get('axis')?.value !== 2) continue;
    if (only(cols.outputs[0]) !== t || only(rows.outputs[0]) !== cols) continue;
    const padNode = producer.get(rows.inputs[0]);
    // A zero Pad becomes the Conv's pads; another (reflect) stays in front of it.
    const pad = padNode?.opType === 'Pad' && only(padNode.outputs[0]) === rows && spatialPads(padNode, constants) ? padNode : undefined;
    const x = pad ? pad.inputs[0] : rows.inputs[0];
    const xd = dims(x);
    const rowIdx = constants.get(rows.inputs[1]);
    const colIdx = constants.get(cols.inputs[1]);
    const pads = spatialPads(pad, constants);
    const out = dims(rs.outputs[0]);
    if (!xd || xd.length !== 4 || xd.some((d) => !(d > 0)) || !rowIdx || !colIdx || !pads || !out) continue;
    const r = blockSteps(rowIdx);
    const c = blockSteps(colIdx);
    if (!r || !c) continue;
    const [n, ch] = xd;
    const [kh, oh] = rowIdx.dims;
    const [kw, ow] = colIdx.dims;
    // Small kernels only: the one-hot filter has C·(kh·kw)² values (FullSubNet's 15 × T neighbour blocks stay).
    if (out.join() !== [n, ch * kh * kw, oh * ow].join() || kh * kw > MAX_KERNEL) continue;
    const k = kh * kw;
    const w = new Float32Array(ch * k * k);
    for (let o = 0; o < ch * k; o++) w[o * k + (o % k)] = 1;
    const name = (what: string) => `${t.name}/im2col_${what}`;
    constants.set(name('filter'), { name: name('filter'), dtype: 'float32', dims: [ch * k, 1, kh, kw], data: w });
    g.values.set(name('filter'), { name: name('filter'), dtype: 'float32', shape: [ch * k, 1, kh, kw] });
    constants.set(name('shape'), { name: name('shape'), dtype: 'int64', dims: [3], data: BigInt64Array.from(out.map(BigInt)) });
    g.values.set(name('shape'), { name: name('shape'), dtype: 'int64', shape: [3] });
    g.values.set(name('map'), { name: name('map'), dtype: 'float32', shape: [n, ch * k, oh, ow] });
    replace.set(rs, [
      node('Conv', [x, name('filter')], [name('map')], {
        group: ch, kernel_shape: [kh, kw], strides: [r.stride, c.stride], dilations: [r.dilation, c.dilation],
        pads: [pads[0], pads[1], pads[0], pads[1]],
      }, `${t.name}/im2col_conv`),
      node('Reshape', [name('map'), name('shape')], [rs.outputs[0]], {}, `${t.name}/im2col_blocks`),
    ]);
    for (const m of [t, cols, rows, ...(pad ? [pad] : [])]) skip.add(m);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
