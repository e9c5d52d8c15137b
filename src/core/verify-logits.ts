// The self-check's second look at a Sigmoid output whose probabilities are tiny on the seeded inputs. onnxruntime's
// float32 Sigmoid computes near 0.5 and rounds there: its values under ~1e-6 are off by up to about 6e-8 absolute
// (2^-24; sigmoid(-16) = 1.1e-7 comes out 6.0e-8, sigmoid(-17) = 4.1e-8 comes out 8.9e-8, from -18 on 0), while
// LiteRT's LOGISTIC keeps them. On noise a text detector's probability map sits there (PP-OCRv2 det: every value under
// 2e-7, LiteRT within 1.6e-5 of a float64 evaluation, onnxruntime 1.5 off: cosine 0.53, refused). When the two
// outputs differ by no more than that absolute error yet fail the bar, both runtimes' logits (the Sigmoid's input,
// an extra output of each side's copy) are read and each side's probabilities recomputed exactly from its own
// logits: what the two models compute is compared, not onnxruntime's rounding. A wrong logit still fails.
import type { Tensor } from '../ir/types';
import { makeTensor, toFloat32 } from '../ir/tensor';
import type { TflModel } from '../tflite/model';
import { decodeModel, readModelFile } from '../onnx/reader';
import { encodeModel } from '../onnx/writer';
import { copyFeeds, debugCopy } from '../compare/tap';
import { toOnnxView, type IoTensor } from '../deploy/tensors';
import { openTflite } from '../runtime/litert';
import { runOnnx } from '../runtime/ort';

/** The largest absolute difference between the two runtimes' probabilities that onnxruntime's Sigmoid rounding can
 *  explain (its error is about 6e-8; 1e-6 leaves room and stays far under any probability that matters). */
export const SIGMOID_ROUNDING = 1e-6;

/** An output to look at again: its position, its .tflite io, its ONNX name and the LOGISTIC's input tensor. */
export interface TinySigmoid { k: number; io: IoTensor; name: string; logits: number }

/** The float32 input tensor of the LOGISTIC that writes output tensor `tensor` (subgraph 0), or undefined. */
export function logisticInput(model: TflModel, tensor: number): number | undefined {
  const sg = model.subgraphs[0]!;
  const op = sg.operators.find((o) => o.outputs[0] === tensor);
  if (op?.opcode !== 'LOGISTIC' || sg.tensors[tensor]?.type !== 'FLOAT32') return undefined;
  const x = op.inputs[0]!;
  return sg.tensors[x]?.type === 'FLOAT32' && sg.tensors[x]!.data === undefined ? x : undefined;
}

const sigmoid = (v: Float32Array): Float32Array => Float32Array.from(v, (x) => 1 / (1 + Math.exp(-x)));

/**
 * Each output's probabilities recomputed in float64 from each runtime's own logits ({ ref: onnxruntime's, got:
 * LiteRT's }, ONNX layout), by output position. An output whose ONNX value is not written by a Sigmoid is left out;
 * undefined when either runtime fails on its copy.
 */
export async function exactSigmoids(onnx: string | Uint8Array, model: TflModel, outs: TinySigmoid[], device: Tensor[], onnxFeeds: Tensor[])
  : Promise<Map<number, { ref: Float32Array; got: Float32Array }> | undefined> {
  try {
    const source = typeof onnx === 'string' ? readModelFile(onnx) : decodeModel(onnx);
    const logitOf = new Map<number, string>();
    for (const o of outs) {
      const n = source.graph.nodes.find((x) => x.outputs[0] === o.name);
      if (n?.opType === 'Sigmoid' && n.domain === '' && n.inputs[0]) logitOf.set(o.k, n.inputs[0]);
    }
    const used = outs.filter((o) => logitOf.has(o.k));
    if (used.length === 0) return new Map();
    const names = [...new Set(used.map((o) => logitOf.get(o.k)!))];
    const copy = debugCopy(model, used.map((o) => o.logits));
    const session = await openTflite(copy.bytes);
    let taps: Map<number, Tensor>;
    try { taps = copy.read(await session.run(copyFeeds(session.inputs, device))); } finally { session.close(); }
    const withLogits = { ...source, graph: { ...source.graph, outputs: [...source.graph.outputs,
      ...names.map((name) => ({ name, dtype: 'float32' as const, shape: undefined }))] } };
    const ref = await runOnnx(encodeModel(withLogits, { valueInfo: false }), onnxFeeds, names);
    const out = new Map<number, { ref: Float32Array; got: Float32Array }>();
    for (const o of used) {
      const t = taps.get(o.logits)!;
      const got = toFloat32(toOnnxView(o.io, makeTensor(t.name, 'float32', t.dims, toFloat32(t))));
      const r = toFloat32(ref.get(logitOf.get(o.k)!)!);
      if (got.length === r.length) out.set(o.k, { ref: sigmoid(r), got: sigmoid(got) });
    }
    return out;
  } catch {
    return undefined;
  }
}
