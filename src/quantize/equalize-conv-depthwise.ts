// Exact cross-layer equalization of a convolution and the depthwise convolution that alone reads its output, with no
// activation between them (with `throughRelu`, also a ReLU: off by default, FastestDet's 16 such pairs left its plain
// int8 at cosine 0.9925 and its default file 0.80x -> 0.84x float32, paired) — PP-LCNetV3's stem (PaddleOCR det / rec): a 3×3 stride-2 conv + BatchNorm
// straight into a 3×3 depthwise, whose 16 channels range from 4% to 100% of the largest on text pages, so that one
// int8 step for the tensor leaves the narrow channels a few levels (s24-ocrdet: 19.4 dB after the stem conv, 8.5 dB
// after the depthwise). Channel c of the conv's output is multiplied by k_c = r_max / r_c (r_c its max |x| on the
// calibration samples) and channel c of the depthwise filter divided by it: the float model computes the same
// (k_c > 0 commutes with ReLU and with zero padding), and every channel of the int8 tensor spans the same range.
// Unlike the depthwise → conv pairs of equalize.ts this trades nothing: both layers' weights are quantized per
// output channel, so the scaled rows and the scaled filter channels keep their relative rounding (the conv's bias
// scales with its row). Done on the ONNX model that calibration and GPTQ read and on the converted model, as
// equalize.ts does; the conv outputs lose their ONNX names afterwards (forgetOnnxNames).
import type { ConvertResult } from '../convert/convert';
import type { Model, Node, Tensor } from '../ir/types';
import { makeTensor, toFloat32 } from '../ir/tensor';
import type { TflTensor } from '../tflite/model';
import { isFloatActivation } from './graph';
import { floatData } from './params';
import { channelRanges, intAttr, pairContext } from './equalize';

/** A channel is scaled up by at most this factor (channels below r_max / MAX_GAIN keep some of their gap). */
export const MAX_GAIN = 64;

/** `between`: the ONNX value the depthwise reads (the conv's output, or its ReLU's), whose channel ranges are measured. */
interface Pair { conv: number; dw: number; convNode: Node; dwNode: Node; between: string }

/** Conv → depthwise pairs (nothing or a zero PAD between them in the converted model) equalizable in both models. */
export function convDepthwisePairs(result: ConvertResult, onnx: Model, throughRelu = false): Pair[] {
  const { sg, t, readers, outputs, nodes, onnxReaders, onnxOutputs, soleConst, soleInit } = pairContext(result, onnx);
  const soleReader = (y: number) => {
    const r = readers.get(y) ?? [];
    return r.length === 1 && !outputs.has(y) && isFloatActivation(t[y]) ? r[0] : -1;
  };
  const pairs: Pair[] = [];
  sg.operators.forEach((op, k) => {
    const act = op.options?.fusedActivationFunction ?? 'NONE';
    if (op.opcode !== 'CONV_2D' || (act !== 'NONE' && (act !== 'RELU' || !throughRelu)) || !soleConst(op.inputs[1])) return;
    if (op.inputs[2] !== undefined && op.inputs[2] >= 0 && !soleConst(op.inputs[2])) return;
    let r = soleReader(op.outputs[0]);
    // A PAD of zeros (two inputs: PADV2's constant value is not scaled) between them commutes with the scaling.
    if (r >= 0 && sg.operators[r].opcode === 'PAD' && sg.operators[r].inputs.length === 2) r = soleReader(sg.operators[r].outputs[0]);
    if (r < 0) return;
    const dw = sg.operators[r];
    if (dw.opcode !== 'DEPTHWISE_CONV_2D' || (dw.options?.depthMultiplier ?? 1) !== 1 || !soleConst(dw.inputs[1])) return;
    const convNode = nodes.get(op.onnxNode ?? ''), dwNode = nodes.get(dw.onnxNode ?? '');
    if (!convNode || !dwNode || convNode === dwNode || convNode.opType !== 'Conv' || dwNode.opType !== 'Conv') return;
    const C = t[op.outputs[0]].shape[t[op.outputs[0]].shape.length - 1];
    const w = onnx.graph.initializers.get(convNode.inputs[1]), wd = onnx.graph.initializers.get(dwNode.inputs[1]);
    if (intAttr(convNode, 'group', 1) !== 1 || w?.dims[0] !== C || intAttr(dwNode, 'group', 1) !== C || wd?.dims[0] !== C) return;
    // The ONNX model may hold the fused ReLU as a node of its own between them (ShuffleNet / FastestDet branches).
    let z = convNode.outputs[0];
    const relu = act === 'RELU' ? onnx.graph.nodes.find((n) => n.opType === 'Relu' && n.inputs[0] === z) : undefined;
    if (relu && onnxReaders.get(z) === 1 && !onnxOutputs.has(z)) z = relu.outputs[0];
    if (dwNode.inputs[0] !== z || onnxReaders.get(z) !== 1 || onnxOutputs.has(z)) return;
    if (!soleInit(convNode.inputs[1]) || (convNode.inputs[2] && !soleInit(convNode.inputs[2])) || !soleInit(dwNode.inputs[1])) return;
    pairs.push({ conv: k, dw: r, convNode, dwNode, between: z });
  });
  return pairs;
}

/** k_c = r_max / r_c within [1, MAX_GAIN]; 1 for a channel that is always (nearly) 0. */
export function channelGains(ranges: ArrayLike<number>): Float64Array {
  const rMax = Math.max(...Array.from(ranges));
  return Float64Array.from(ranges, (r) => (r > 1e-6 * rMax ? Math.min(MAX_GAIN, rMax / r) : 1));
}

const setFloats = (t: TflTensor, v: Float32Array) => { t.data = new Uint8Array(v.buffer.slice(0)); };

/** Equalizes every pair in place (both models); returns how many and the ONNX values whose values changed (the conv outputs and
 *  their ReLUs), whose metadata entries forgetOnnxValues drops once calibration and GPTQ are done (by name: the int8
 *  pass renumbers the TFLite tensors). */
export async function equalizeConvDepthwise(result: ConvertResult, onnx: Model, samples: Tensor[][], throughRelu = false):
  Promise<{ names: Set<string>; pairs: number }> {
  const changed = new Set<string>();
  const pairs = convDepthwisePairs(result, onnx, throughRelu);
  let done = 0;
  if (pairs.length === 0 || samples.length === 0) return { names: changed, pairs: 0 };
  const ranges = await channelRanges(onnx, pairs.map((p) => p.between), samples);
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const init = onnx.graph.initializers;
  for (const p of pairs) {
    const conv = sg.operators[p.conv], dw = sg.operators[p.dw];
    const y = conv.outputs[0];
    const C = t[y].shape[t[y].shape.length - 1];
    const f = Float32Array.from(channelGains(ranges.get(p.between)!));
    if (f.every((v) => v === 1)) continue;
    // TFLite: conv filter [O, kh, kw, I] (rows of I·kh·kw) and bias [O] multiplied, depthwise filter [1, kh, kw, C] divided.
    const w = floatData(t[conv.inputs[1]]);
    const row = w.length / C;
    setFloats(t[conv.inputs[1]], w.map((v, i) => v * f[Math.floor(i / row)]));
    if (conv.inputs[2] !== undefined && conv.inputs[2] >= 0) setFloats(t[conv.inputs[2]], floatData(t[conv.inputs[2]]).map((v, c) => v * f[c]));
    setFloats(t[dw.inputs[1]], floatData(t[dw.inputs[1]]).map((v, i) => v / f[i % C]));
    // ONNX: conv W [O, I, kh, kw], B [O]; depthwise W [C, 1, kh, kw]. The same float32 operations, so GPTQ still
    // finds each TFLite layer's ONNX node by its weight values.
    const replace = (name: string, scale: (v: number, i: number) => number) => {
      const old = init.get(name)!;
      init.set(name, makeTensor(name, 'float32', old.dims, toFloat32(old).map(scale)));
    };
    const cInner = init.get(p.convNode.inputs[1])!.dims.slice(1).reduce((a, b) => a * b, 1);
    const dInner = init.get(p.dwNode.inputs[1])!.dims.slice(1).reduce((a, b) => a * b, 1);
    replace(p.convNode.inputs[1], (v, i) => v * f[Math.floor(i / cInner)]);
    if (p.convNode.inputs[2]) replace(p.convNode.inputs[2], (v, c) => v * f[c]);
    replace(p.dwNode.inputs[1], (v, i) => v / f[Math.floor(i / dInner)]);
    changed.add(p.convNode.outputs[0]).add(p.between);
    done++;
  }
  return { names: changed, pairs: done };
}

export function forgetOnnxValues(result: ConvertResult, names: Set<string>): void {
  if (names.size) result.metadata.tensors = result.metadata.tensors.filter((m) => !names.has(m.onnx));
}
