// A deformable conv as deform_conv2d_onnx_exporter writes it (BiRefNet's ASPP): the sampling points' flat indices
// i [B, K, H, W], computed from an offset Conv's output, are viewed [B, 1, K·H·W], expanded over the channels and
// gathered from the map viewed [B, C, h·w] (GatherElements), the samples viewed [B, C, K, H, W] and weighted by
// bilinear corner weights and a mask [B, 1, K, H, W] computed beside i. Channel-last, i and the weights are stored
// [B, H, W, K]: the view of i took a GATHER of its K·H·W positions into ONNX order, each weight a TRANSPOSE to the
// samples' [B, K, H, W, C], and the im2col layout after them another. Gathered in i's stored order instead — i moved
// [0, 2, 3, 1] (as it lies), the samples viewed [B, C, H, W, K] and moved back to [B, C, K, H, W] by the model's
// own kind of Transpose — the samples are stored [B, H, W, K, C] like the weights: no move, and the im2col view of
// each k×k kernel is a DEPTH_TO_SPACE.
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { int64Const, readersOf, spliceNodes } from './simplify-util';

/** Ops through which the indices' layout follows the Conv they are computed from. */
const ALONG = new Set(['Add', 'Sub', 'Mul', 'Div', 'Floor', 'Ceil', 'Clip', 'Cast', 'Round', 'Min', 'Max', 'Gather', 'Reshape', 'Unsqueeze', 'Squeeze', 'Relu', 'Sigmoid', 'Tanh']);

export function sampleRowsPixelMajor(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { only, producer } = readersOf(g, constants);
  /** The value is computed from a Conv's output (its layout channel-last) through elementwise ops and views. */
  const fromConv = (v: string): boolean => {
    const seen = new Set<string>();
    const stack = [v];
    while (stack.length && seen.size < 64) {
      const p = producer.get(stack.pop()!);
      if (!p || seen.has(p.name)) continue;
      seen.add(p.name);
      if (p.opType === 'Conv') return true;
      if (ALONG.has(p.opType)) for (const i of p.inputs) if (i && !constants.has(i)) stack.push(i);
    }
    return false;
  };
  const replace = new Map<Node, Node[]>();
  for (const ge of g.nodes) {
    if (ge.opType !== 'GatherElements') continue;
    const ex = producer.get(ge.inputs[1]);
    const rs = ex?.opType === 'Expand' ? producer.get(ex.inputs[0]) : undefined;
    const back = only(ge.outputs[0]);
    if (!ex || !rs || rs.opType !== 'Reshape' || !back || back.opType !== 'Reshape' || back.inputs[0] !== ge.outputs[0]
      || only(ex.outputs[0]) !== ge || only(rs.outputs[0]) !== ex || replace.has(back)) continue;
    const i4 = dims(rs.inputs[0]);
    const data = dims(ge.inputs[0]);
    const y5 = dims(back.outputs[0]);
    const axis = ge.attrs.get('axis')?.type === 'int' ? ge.attrs.get('axis')!.value as number : 0;
    if (!i4 || !data || !y5 || i4.length !== 4 || data.length !== 3 || (axis !== 2 && axis !== -1) || [...i4, ...data].some((d) => !(d > 0))) continue;
    const [b, k, h, w] = i4;
    const c = data[1];
    const n = k * h * w;
    if (k < 2 || data[0] !== b || dims(rs.outputs[0])?.join() !== [b, 1, n].join() || dims(ge.outputs[0])?.join() !== [b, c, n].join()
      || y5.join() !== [b, c, k, h, w].join() || !fromConv(rs.inputs[0])) continue;
    const val = (v: string, shape: number[], dtype = g.values.get(v)?.dtype) => { const s = `${v}/pixel_major`; g.values.set(s, { name: s, dtype, shape }); return s; };
    const moved = val(rs.inputs[0], [b, h, w, k]);
    const list = val(rs.outputs[0], [b, 1, n]);
    const idx = val(ex.outputs[0], [b, c, n]);
    const rows = val(ge.outputs[0], [b, c, n]);
    const view = val(back.outputs[0], [b, c, h, w, k]);
    replace.set(rs, [
      node('Transpose', [rs.inputs[0]], [moved], { perm: [0, 2, 3, 1] }, `${rs.name}/pixel_major`),
      { ...rs, inputs: [moved, ...rs.inputs.slice(1)], outputs: [list] },
    ]);
    replace.set(ex, [{ ...ex, inputs: [list, ...ex.inputs.slice(1)], outputs: [idx] }]);
    replace.set(ge, [{ ...ge, inputs: [ge.inputs[0], idx], outputs: [rows] }]);
    replace.set(back, [
      node('Reshape', [rows, int64Const(g, constants, `${view}/shape`, [b, c, h, w, k])], [view], {}, `${back.name}/pixel_major`),
      node('Transpose', [view], [back.outputs[0]], { perm: [0, 1, 4, 2, 3] }, `${back.name}/points_first`),
    ]);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, new Set());
}
