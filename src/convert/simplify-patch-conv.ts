// A patch embedding written as a Conv whose kernel covers its whole input (Qwen2-VL's / Qwen2.5-VL's vision towers:
// flattened patches [N, C·T·P·P] viewed [N, C, T, P, P], a Conv3d with kernel = stride = [T, P, P] to [N, E, 1, 1, 1],
// viewed [N, E]) is one matrix product of the flattened patches: the Conv read its input channel-last, a TRANSPOSE of
// the viewed patches. When the Conv's input is a Reshape of a rank-2 value [N, K] (K = C·∏kernel, the patches already
// in ONNX order) it becomes a Gemm with the filter read as [E, K] and a Reshape to the Conv's output shape, which the
// reader's own view composes with (simplify-reshape-chain.ts).
import type { Graph, Node, Tensor } from '../ir/types';
import { node } from '../onnx/builder';
import { attrInt, attrInts, attrString } from './attrs';
import { readersOf, spliceNodes } from './simplify-util';

export function patchConvAsGemm(g: Graph, constants: Map<string, Tensor>): void {
  const dims = (v: string) => g.values.get(v)?.shape as number[] | undefined;
  const { producer, only } = readersOf(g, constants);
  const replace = new Map<Node, Node[]>();
  const skip = new Set<Node>();
  for (const conv of g.nodes) {
    if (conv.opType !== 'Conv' || attrInt(conv, 'group', 1) !== 1) continue;
    const w = constants.get(conv.inputs[1]);
    const bias = conv.inputs[2] ? constants.get(conv.inputs[2]) : undefined;
    const view = producer.get(conv.inputs[0]);
    const x = dims(conv.inputs[0]);
    const y = dims(conv.outputs[0]);
    const flat = view?.opType === 'Reshape' ? dims(view.inputs[0]) : undefined;
    if (!w || w.dtype !== 'float32' || (conv.inputs[2] && !bias) || !x || !y || !flat || x.length < 3 || w.dims.length !== x.length) continue;
    if ([...x, ...y, ...flat].some((d) => !(typeof d === 'number' && d > 0))) continue;
    const [e, c, ...kernel] = w.dims;
    const k = c * kernel.reduce((p, d) => p * d, 1);
    // The kernel covers the input exactly: no padding, no dilation, one output position.
    const pads = attrInts(conv, 'pads') ?? [];
    const autoPad = attrString(conv, 'auto_pad', 'NOTSET');
    if (x[1] !== c || kernel.some((d, i) => d !== x[i + 2]) || pads.some((p) => p !== 0) || (autoPad !== 'NOTSET' && autoPad !== 'VALID')) continue;
    if ((attrInts(conv, 'dilations') ?? []).some((d) => d !== 1) || y.join() !== [x[0], e, ...kernel.map(() => 1)].join()) continue;
    if (flat.length !== 2 || flat[0] !== x[0] || flat[1] !== k) continue;
    const name = `${conv.name || conv.outputs[0]}/patches`;
    const wName = `${name}_w`;
    constants.set(wName, { ...w, name: wName, dims: [e, k] });
    g.values.set(wName, { name: wName, dtype: 'float32', shape: [e, k] });
    const shapeName = `${name}_shape`;
    constants.set(shapeName, { name: shapeName, dtype: 'int64', dims: [y.length], data: BigInt64Array.from(y.map(BigInt)) });
    g.values.set(shapeName, { name: shapeName, dtype: 'int64', shape: [y.length] });
    const product = `${name}_product`;
    g.values.set(product, { name: product, dtype: 'float32', shape: [x[0], e] });
    replace.set(conv, [
      node('Gemm', [view!.inputs[0], wName, ...(bias ? [conv.inputs[2]] : [])], [product], { transB: 1 }, product),
      // The node that makes the Conv's output keeps its name (the accuracy diff joins on it).
      node('Reshape', [product, shapeName], [conv.outputs[0]], {}, conv.name),
    ]);
    if (only(conv.inputs[0]) === conv) skip.add(view!);
  }
  if (replace.size) spliceNodes(g, new Map(), replace, skip);
}
