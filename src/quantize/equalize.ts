// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization", with calibration ranges) of a depthwise
// convolution and the convolution that alone reads its output (MobileNet / BlazeFace blocks: depthwise → 1×1). The
// depthwise output is one int8 tensor with one step for all channels, and trained networks give its channels very
// different ranges (BlazeFace front: max |x| from 0.1× to 165× the median channel's), so narrow channels keep only a
// few of the 256 levels. Channel c of the depthwise filter and bias is divided by s_c and column c of the reader's
// weights multiplied by it: the float model computes the same (a linear depthwise, or ReLU: s_c > 0 commutes with
// it; ReLU6 clamps, so it is left alone), and with s_c = √(r_c / w_c) (r_c the channel's max |x| on calibration
// samples, w_c the column's max |weight|, both relative to their largest) the activation ranges and the weight
// columns meet halfway. Done on both the ONNX model calibration and GPTQ read (so onnxruntime's ranges and layer
// inputs stay those of the model quantized) and the converted model; the equalized tensors lose their ONNX name
// in the metadata (compare and the guard's per-layer split no longer pair them with the original model's).
// Measured (BlazeFace front, 17 evaluation pictures, plain int8): guard cosine 0.969 → 0.980, faces found 16 → 17 of
// 17, landmark error 1.38 → 1.01 px, same best anchor 9 → 14 (docs/model-sweep.md "int8 on trained npm models").
import type { ConvertResult } from '../convert/convert';
import type { Model, Node, Tensor } from '../ir/types';
import { makeTensor, toFloat32 } from '../ir/tensor';
import { encodeModel } from '../onnx/writer';
import { openOnnx } from '../runtime/ort';
import { withOutputs } from '../calibration/ranges';
import type { TflTensor } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation } from './graph';
import { floatData } from './params';

/** Scales are kept within this factor either way (a dead channel keeps 1). */
const MAX_SCALE = 64;
/** Calibration samples that measure the channel ranges. */
const RANGE_SAMPLES = 8;

interface Pair { dw: number; reader: number; dwNode: Node; readerNode: Node }

export const intAttr = (n: Node, name: string, dflt: number) => {
  const a = n.attrs.get(name);
  return a?.type === 'int' ? a.value : dflt;
};

/** What both equalizations ask of the two models: readers, and constants / initializers read by one op alone. */
export function pairContext(result: ConvertResult, onnx: Model) {
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const readers = consumersOf(sg);
  const outputs = new Set(sg.outputs);
  const nodes = new Map(onnx.graph.nodes.map((n) => [n.name, n]));
  const onnxReaders = new Map<string, number>();
  for (const n of onnx.graph.nodes) for (const i of n.inputs) if (i) onnxReaders.set(i, (onnxReaders.get(i) ?? 0) + 1);
  const onnxOutputs = new Set(onnx.graph.outputs.map((o) => o.name));
  const soleConst = (i: number) => i >= 0 && isConst(t[i]) && t[i].type === 'FLOAT32' && (readers.get(i) ?? []).length === 1;
  const soleInit = (name: string | undefined) => !!name && onnx.graph.initializers.has(name) && onnxReaders.get(name) === 1;
  return { sg, t, readers, outputs, nodes, onnxReaders, onnxOutputs, soleConst, soleInit };
}

/** Depthwise → conv pairs that can be equalized in both models. */
export function equalizablePairs(result: ConvertResult, onnx: Model): Pair[] {
  const { sg, t, readers, outputs, nodes, onnxReaders, onnxOutputs, soleConst, soleInit } = pairContext(result, onnx);
  const pairs: Pair[] = [];
  sg.operators.forEach((op, k) => {
    const act = op.options?.fusedActivationFunction ?? 'NONE';
    if (op.opcode !== 'DEPTHWISE_CONV_2D' || (act !== 'NONE' && act !== 'RELU') || (op.options?.depthMultiplier ?? 1) !== 1) return;
    const y = op.outputs[0];
    const r = readers.get(y) ?? [];
    if (r.length !== 1 || outputs.has(y) || !isFloatActivation(t[y]) || !soleConst(op.inputs[1]) || !soleConst(op.inputs[2] ?? -1)) return;
    const b = sg.operators[r[0]];
    if (b.opcode !== 'CONV_2D' || b.inputs[0] !== y || !soleConst(b.inputs[1])) return;
    const dwNode = nodes.get(op.onnxNode ?? ''), readerNode = nodes.get(b.onnxNode ?? '');
    if (!dwNode || !readerNode || dwNode === readerNode || dwNode.opType !== 'Conv' || readerNode.opType !== 'Conv') return;
    const C = t[y].shape[t[y].shape.length - 1];
    const w = onnx.graph.initializers.get(dwNode.inputs[1]);
    const wb = onnx.graph.initializers.get(readerNode.inputs[1]);
    if (intAttr(dwNode, 'group', 1) !== C || w?.dims[0] !== C || intAttr(readerNode, 'group', 1) !== 1 || wb?.dims[1] !== C) return;
    const z = dwNode.outputs[0];
    if (readerNode.inputs[0] !== z || onnxReaders.get(z) !== 1 || onnxOutputs.has(z)) return;
    // tf2onnx writes the depthwise Conv without a bias (the converter's is zeros then).
    if (!soleInit(dwNode.inputs[1]) || (dwNode.inputs[2] && !soleInit(dwNode.inputs[2])) || !soleInit(readerNode.inputs[1])) return;
    pairs.push({ dw: k, reader: r[0], dwNode, readerNode });
  });
  return pairs;
}

/** Per-channel max |x| of each pair's depthwise output (ONNX layout, channels on axis 1) on onnxruntime-node. */
export async function channelRanges(onnx: Model, names: string[], samples: Tensor[][]): Promise<Map<string, Float64Array>> {
  const session = await openOnnx(encodeModel(withOutputs(onnx, names), { valueInfo: false }));
  const out = new Map<string, Float64Array>();
  try {
    for (const s of samples.slice(0, RANGE_SAMPLES)) {
      const got = await session.run(s, names);
      for (const name of names) {
        const x = got.get(name)!;
        const data = toFloat32(x);
        const C = x.dims[1], inner = x.dims.slice(2).reduce((a, b) => a * b, 1);
        const r = out.get(name) ?? new Float64Array(C);
        for (let i = 0; i < data.length; i++) {
          const c = Math.floor(i / inner) % C;
          r[c] = Math.max(r[c], Math.abs(data[i]));
        }
        out.set(name, r);
      }
    }
  } finally {
    await session.close();
  }
  return out;
}

/** s_c = √((r_c / max r) / (w_c / max w)), within [1 / MAX_SCALE, MAX_SCALE]; 1 for a channel that is always 0. */
export function equalizingScales(ranges: ArrayLike<number>, columns: ArrayLike<number>): Float64Array {
  const rMax = Math.max(...Array.from(ranges)), wMax = Math.max(...Array.from(columns));
  return Float64Array.from(ranges, (r, c) => {
    const w = columns[c];
    if (!(r > 1e-6 * rMax) || !(w > 0)) return 1;
    return Math.min(MAX_SCALE, Math.max(1 / MAX_SCALE, Math.sqrt((r / rMax) / (w / wMax))));
  });
}

const setFloats = (t: TflTensor, v: Float32Array) => { t.data = new Uint8Array(v.buffer.slice(0)); };

/** Equalizes every pair in place (both models); returns the equalized TFLite tensors (the depthwise outputs), whose
 *  values are no longer the original ONNX model's: forgetOnnxNames drops them from the metadata once calibration
 *  and GPTQ (which read the equalized ONNX model under those names) are done. */
export async function equalizeDepthwisePairs(result: ConvertResult, onnx: Model, samples: Tensor[][]): Promise<Set<number>> {
  const equalized = new Set<number>();
  const pairs = equalizablePairs(result, onnx);
  if (pairs.length === 0 || samples.length === 0) return equalized;
  const ranges = await channelRanges(onnx, pairs.map((p) => p.dwNode.outputs[0]), samples);
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const init = onnx.graph.initializers;
  for (const p of pairs) {
    const dw = sg.operators[p.dw], reader = sg.operators[p.reader];
    const C = t[dw.outputs[0]].shape[t[dw.outputs[0]].shape.length - 1];
    // The reader's weights: TFLite [O, kh, kw, C] (channel fastest), ONNX [O, C, kh, kw].
    const wb = floatData(t[reader.inputs[1]]);
    const columns = new Float64Array(C);
    for (let i = 0; i < wb.length; i++) columns[i % C] = Math.max(columns[i % C], Math.abs(wb[i]));
    const s = equalizingScales(ranges.get(p.dwNode.outputs[0])!, columns);
    const f = Float32Array.from(s);
    // TFLite: depthwise filter [1, kh, kw, C] and bias [C] divided, the reader's columns multiplied.
    setFloats(t[dw.inputs[1]], floatData(t[dw.inputs[1]]).map((v, i) => v / f[i % C]));
    setFloats(t[dw.inputs[2]], floatData(t[dw.inputs[2]]).map((v, c) => v / f[c]));
    setFloats(t[reader.inputs[1]], wb.map((v, i) => v * f[i % C]));
    // ONNX: depthwise W [C, 1, kh, kw], B [C]; the reader's W [O, C, kh, kw]. Same float32 operations as above, so
    // GPTQ still finds each TFLite layer's ONNX node by its weight values.
    const replace = (name: string, at: (i: number) => number, scale: (v: number, c: number) => number) => {
      const old = init.get(name)!;
      init.set(name, makeTensor(name, 'float32', old.dims, toFloat32(old).map((v, i) => scale(v, at(i)))));
    };
    const dwInner = init.get(p.dwNode.inputs[1])!.dims.slice(1).reduce((a, b) => a * b, 1);
    const rInner = init.get(p.readerNode.inputs[1])!.dims.slice(2).reduce((a, b) => a * b, 1);
    const div = (v: number, c: number) => v / f[c], mul = (v: number, c: number) => v * f[c];
    replace(p.dwNode.inputs[1], (i) => Math.floor(i / dwInner), div);
    if (p.dwNode.inputs[2]) replace(p.dwNode.inputs[2], (i) => i, div);
    replace(p.readerNode.inputs[1], (i) => Math.floor(i / rInner) % C, mul);
    equalized.add(dw.outputs[0]);
  }
  return equalized;
}

export function forgetOnnxNames(result: ConvertResult, tensors: Set<number>): void {
  if (tensors.size) result.metadata.tensors = result.metadata.tensors.filter((m) => !tensors.has(m.tflite));
}
