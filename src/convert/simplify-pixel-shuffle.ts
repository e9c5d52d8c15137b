// PyTorch's pixel_shuffle below opset 11 (the ONNX tutorial's super-resolution net, ESPCN-style upsamplers) is exported
// as Reshape [N, C·r², H, W] → [N, C, r, r, H, W] → Transpose (0, 1, 4, 2, 5, 3) → Reshape [N, C, H·r, W·r]: a rank-6
// TRANSPOSE of the whole upscaled image. It is ONNX's DepthToSpace in CRD mode; the same views over [N, r, r, C, H, W]
// with the Transpose (0, 3, 4, 1, 5, 2) are DCR mode, TFLite's DEPTH_TO_SPACE order. CRD reads channel c·r² + i·r + j
// where DCR reads (i·r + j)·C + c: one channel (C = 1) is the same; a DepthToSpace in CRD mode (exported so or made
// here) fed by a Conv with constant weights that nothing else reads takes the Conv's output channels in DCR order
// instead (its weights' and bias's rows permuted), so the converter needs no GATHER of the channels.
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import { node } from '../onnx/builder';
import { permAttr, readersOf, spliceNodes } from './simplify-util';
import { rank6Views } from './simplify-unshuffle';

const CRD = [0, 1, 4, 2, 5, 3];
const DCR = [0, 3, 4, 1, 5, 2];

export function fusePixelShuffle(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { only, producer } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const t of g.nodes) {
    const perm = t.opType === 'Transpose' ? permAttr(t)?.join() : undefined;
    if (perm !== CRD.join() && perm !== DCR.join()) continue;
    const views = rank6Views(t, producer, only, dims);
    if (!views) continue;
    const { back, fwd, x, v6, y } = views;
    const [n, cr2, h, w] = x;
    const crd = perm === CRD.join();
    const r = crd ? v6[2] : v6[1];
    const c = cr2 / (r * r);
    const view = crd ? [n, c, r, r, h, w] : [n, r, r, c, h, w];
    if (r < 2 || !Number.isInteger(c) || v6.join() !== view.join() || y.join() !== [n, c, h * r, w * r].join()) continue;
    replace.set(t, [node('DepthToSpace', [back.end], [fwd.end], { blocksize: r, mode: crd && c > 1 ? 'CRD' : 'DCR' }, `${t.name}/depth_to_space`)]);
    for (const v of [...back.nodes, ...fwd.nodes]) skip.add(v);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
  convsInDcrOrder(g, constants);
}

/** A CRD DepthToSpace whose input is a Conv's alone (constant weights and bias): the Conv writes DCR order. */
function convsInDcrOrder(g: Graph, constants: Map<string, Tensor>): void {
  const { only, producer } = readersOf(g, constants);
  for (const d2s of g.nodes) {
    const mode = d2s.attrs.get('mode');
    if (d2s.opType !== 'DepthToSpace' || mode?.type !== 'string' || mode.value !== 'CRD') continue;
    const conv = producer.get(d2s.inputs[0]);
    const r = d2s.attrs.get('blocksize');
    const group = conv?.attrs.get('group');
    if (conv?.opType !== 'Conv' || only(d2s.inputs[0]) !== d2s || r?.type !== 'int' || (group?.type === 'int' && group.value !== 1)) continue;
    const wt = constants.get(conv.inputs[1]);
    const bias = conv.inputs[2] ? constants.get(conv.inputs[2]) : undefined;
    if (!wt || wt.dtype !== 'float32' || (conv.inputs[2] && (!bias || bias.dtype !== 'float32'))) continue;
    const o = wt.dims[0];
    const b2 = r.value * r.value;
    if (o % b2 !== 0) continue;
    const c = o / b2;
    // DCR channel k = (i·r + j)·C + ch reads the Conv's CRD channel ch·r² + i·r + j.
    const from = (k: number) => (k % c) * b2 + Math.floor(k / c);
    const inputs = [conv.inputs[0], rowsPermuted(g, constants, wt, from), ...(bias ? [rowsPermuted(g, constants, bias, from)] : [])];
    const out = `${conv.outputs[0]}/dcr_order`;
    const was = g.values.get(conv.outputs[0]);
    g.values.set(out, { name: out, dtype: was?.dtype, shape: was?.shape });
    conv.inputs = inputs;
    conv.outputs = [out];
    d2s.inputs = [out];
    d2s.attrs = new Map(d2s.attrs).set('mode', { type: 'string', value: 'DCR' });
  }
}

/** A constant whose row k (first axis) is the source's row from(k), under a new name. */
function rowsPermuted(g: Graph, constants: Map<string, Tensor>, t: Tensor, from: (k: number) => number): string {
  const name = `${t.name}/dcr_order`;
  if (constants.has(name)) return name;
  const src = toFloat32(t);
  const rows = t.dims[0];
  const per = src.length / rows;
  const dst = new Float32Array(src.length);
  for (let k = 0; k < rows; k++) dst.set(src.subarray(from(k) * per, (from(k) + 1) * per), k * per);
  constants.set(name, { name, dtype: 'float32', dims: [...t.dims], data: dst });
  g.values.set(name, { name, dtype: 'float32', shape: [...t.dims] });
  return name;
}
