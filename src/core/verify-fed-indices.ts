// The self-check's second look at rows a top-k inside the model selected, when pairing them as sets leaves too many
// rows without a pair. A two-stage DETR's decoder adds a learned embedding per query slot (RF-DETR's `tgt`), so the
// row in slot i depends on which proposal ranked i-th, not only on which proposals were kept: where the proposals'
// scores are nearer to each other than the quantization's noise (RF-DETR dynamic: 3e-3 between neighbours near the
// k-th score, 1.3e-2 noise), int8 weights rank them in another order and every moved proposal gives another row —
// 35 of 60 unpaired, while every layer up to the top-k agrees within 0.5%. Here onnxruntime runs the model again
// with the top-k's indices taken from LiteRT (the TopK's indices a graph input, its values gathered from the scores at
// those indices): the same selection in the same order, compared by position. Each side's own k ranked scores are
// compared too, as sorted lists (which proposals they belong to is what may differ; ALIKED's score map after
// simple-NMS flips 2% of its local maxima under dynamic int8, whole values at a pixel), so a conversion error in the
// scores still fails the check.
import type { Model, Node, Tensor } from '../ir/types';
import { makeTensor, toFloat32, toNumbers } from '../ir/tensor';
import type { TflModel } from '../tflite/model';
import { decodeModel, readModelFile } from '../onnx/reader';
import { encodeModel } from '../onnx/writer';
import { copyFeeds, debugCopy } from '../compare/tap';
import { openTflite } from '../runtime/litert';
import { runOnnx } from '../runtime/ort';

/** onnxruntime's outputs given LiteRT's top-k indices, and both sides' own k ranked scores, each selection's sorted
 *  (ONNX order). */
export interface FedIndicesRun {
  ref: Map<string, Tensor>;
  scores: { ref: Float32Array; got: Float32Array };
}

/** `onnx` with the TopK `topk`'s outputs renamed (its own ranked values an output after `names`, as `own`), its
 *  indices a graph input of their name and its values gathered from its input at them. */
function withFedIndices(onnx: Model, topk: Node, names: string[], own: string): Model {
  const [x] = topk.inputs as [string];
  const [values, indices] = topk.outputs as [string, string];
  const axis = topk.attrs.get('axis');
  const gather: Node[] = values ? [{
    name: `${topk.name}/fed`, opType: 'GatherElements', domain: '', inputs: [x, indices], outputs: [values],
    attrs: new Map([['axis', { type: 'int' as const, value: axis?.type === 'int' ? axis.value : -1 }]]),
  }] : [];
  const nodes: Node[] = onnx.graph.nodes.flatMap((n) => (n !== topk ? [n] : [{ ...n, outputs: [own, `${indices}__own`] }, ...gather]));
  return { ...onnx, graph: { ...onnx.graph, nodes,
    inputs: [...onnx.graph.inputs, { name: indices, dtype: 'int64', shape: undefined }],
    outputs: [...names.map((name) => ({ name, dtype: onnx.graph.values.get(name)?.dtype ?? 'float32', shape: undefined })),
      { name: own, dtype: 'float32', shape: undefined }] } };
}

/** Each run of `k` values sorted from the largest. */
function sortedRows(v: Float32Array, k: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let o = 0; o < v.length; o += k) out.set(v.slice(o, o + k).sort((a, b) => b - a), o);
  return out;
}

/**
 * Runs the TOPK_V2 at `op` (subgraph 0) in LiteRT on `device` feeds and onnxruntime on `onnxFeeds` with LiteRT's
 * indices in place of its TopK's. Undefined when the op has no ONNX TopK, its ranked axis is not the last one in the
 * same order on both sides, or either runtime fails on the edited model.
 */
export async function runWithFedIndices(onnx: string | Uint8Array, model: TflModel, op: number, device: Tensor[], onnxFeeds: Tensor[],
  names: string[]): Promise<FedIndicesRun | undefined> {
  const top = model.subgraphs[0]!.operators[op]!;
  try {
    const source = typeof onnx === 'string' ? readModelFile(onnx) : decodeModel(onnx);
    // The ONNX TopK: by the node the op remembers (in memory) or by its indices' tensor name (in a .tflite read back).
    const indicesName = model.subgraphs[0]!.tensors[top.outputs[1]!]!.name;
    const node = source.graph.nodes.find((n) => n.opType === 'TopK' && (top.onnxNode ? n.name === top.onnxNode : n.outputs[1] === indicesName));
    if (!node || node.inputs.length < 1 || node.outputs.length < 2 || !node.outputs[1]) return undefined;
    const copy = debugCopy(model, [top.outputs[0]!, top.outputs[1]!]);
    const session = await openTflite(copy.bytes);
    let taps: Map<number, Tensor>;
    try { taps = copy.read(await session.run(copyFeeds(session.inputs, device))); } finally { session.close(); }
    const values = taps.get(top.outputs[0]!)!;
    const picked = taps.get(top.outputs[1]!)!;
    const axis = node.attrs.get('axis');
    const fed = makeTensor(node.outputs[1]!, 'int64', picked.dims, toNumbers(picked).map((v) => BigInt(v)));
    const own = `${node.outputs[0] || node.name}__own`;
    const ref = await runOnnx(encodeModel(withFedIndices(source, node, names, own), { valueInfo: false }), [...onnxFeeds, fed], [...names, own]);
    const refValues = ref.get(own)!;
    // The ranked axis must be the last one and both sides' top-k of the same dims (a TopK over a channel-last axis
    // reads its indices in another order).
    const rank = refValues.dims.length;
    const last = axis?.type !== 'int' || axis.value === -1 || axis.value === rank - 1;
    if (!last || refValues.dims.join() !== values.dims.join()) return undefined;
    const k = refValues.dims[rank - 1]!;
    return { ref, scores: { ref: sortedRows(toFloat32(refValues), k), got: sortedRows(toFloat32(values), k) } };
  } catch {
    return undefined;
  }
}
