// Silero VAD v4 computes its spectrum as log(1 + 2^20 · |STFT|), the STFT a Conv of 256 taps. In near-silent bins the
// float32 rounding of that Conv (onnxruntime: a sequential fused multiply-add; LiteRT's WASM build: the same order
// with a rounded product, WASM having no FMA) is multiplied by up to ~5e5 before the Log. This helper cuts the model
// at the Conv so the two halves can be checked apart:
//  - `sameStft`: both runtimes get onnxruntime's STFT; what differs is the conversion of everything after it;
//  - `exactStft`: onnxruntime's model fed a correctly rounded STFT (each value summed in float64, rounded once):
//    how far onnxruntime's own float32 rounding puts it from the best float32 STFT.
import type { Model, Node, Tensor } from '../../src/ir/types';
import { toFloat32 } from '../../src/ir/tensor';
import { convertModel, prepareModel } from '../../src/convert/convert';
import { readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { openOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';

export interface StftSplitRun {
  /** max|diff|/max|ref| per output over the sequence: LiteRT's model after the STFT vs onnxruntime's, same STFT. */
  sameStft: Record<string, number>;
  /** The same ratio for onnxruntime's model fed the correctly rounded STFT against onnxruntime's own run. */
  exactStft: Record<string, number>;
  /** The whole model on LiteRT against onnxruntime (as silero.ts's checkSilero, sr frozen). */
  whole: Record<string, number>;
}

const f32 = (name: string, dims: number[], data: Float32Array = new Float32Array(dims.reduce((a, b) => a * b, 1))): Tensor => ({ name, dtype: 'float32', dims, data });

/** The first Conv whose data input comes from the audio (through Pad/Reshape/...), with a constant weight. */
function stftConv(m: Model): Node {
  const conv = m.graph.nodes.find((n) => n.opType === 'Conv' && m.graph.initializers.has(n.inputs[1]!));
  if (!conv) throw new Error('no STFT Conv in the model');
  return conv;
}

/** Each output element of a 1-D, group-1, unpadded Conv summed in float64 and rounded to float32 once. */
function exactConv1d(x: Float32Array, inLen: number, w: Float32Array, wDims: number[], stride: number, outLen: number): Float32Array {
  const [co, ci, k] = wDims as [number, number, number];
  const out = new Float32Array(co * outLen);
  for (let c = 0; c < co; c++) {
    for (let t = 0; t < outLen; t++) {
      let s = 0;
      for (let i = 0; i < ci; i++) for (let q = 0; q < k; q++) s += w[(c * ci + i) * k + q]! * x[i * inLen + t * stride + q]!;
      out[c * outLen + t] = s;
    }
  }
  return out;
}

/** Runs `count` chunks of `audio` (512 samples, 16 kHz, sr frozen) through the three comparisons, each side carrying
 *  its own recurrent state. */
export async function checkStftSplit(file: string, audio: Float32Array, count: number): Promise<StftSplitRun> {
  const inputShapes = new Map([['input', [1, 512]], ['h', [2, 1, 64]], ['c', [2, 1, 64]]]);
  const flat = prepareModel(readModelFile(file), { inputShapes, inputValues: new Map([['sr', [16000]]]) }).model;
  const conv = stftConv(flat);
  const [xName, wName] = conv.inputs as [string, string];
  const ftName = conv.outputs[0]!;
  const attr = (k: string) => conv.attrs.get(k)?.value as number[] | undefined;
  if ((attr('pads') ?? [0, 0]).some((p) => p !== 0) || ((attr('group') as unknown as number) ?? 1) !== 1 || (attr('dilations') ?? [1]).some((d) => d !== 1)) {
    throw new Error('the STFT Conv is not a plain strided 1-D convolution');
  }
  const stride = attr('strides')?.[0] ?? 1;
  const w = flat.graph.initializers.get(wName)!;
  const ftInfo = flat.graph.values.get(ftName)!;
  const xInfo = flat.graph.values.get(xName)!;
  // The whole model, with the Conv's input and output as extra outputs.
  const whole: Model = { ...flat, graph: { ...flat.graph, outputs: [...flat.graph.outputs, xInfo, ftInfo] } };
  // The model after the Conv: its output becomes an input.
  const after: Model = { ...flat, graph: { ...flat.graph, nodes: flat.graph.nodes.filter((n) => n !== conv), inputs: [...flat.graph.inputs, ftInfo] } };
  const ftDims = ftInfo.shape as number[];
  const lite = await openConverted(serializeTflite(convertModel(whole, { inputShapes }).model));
  const liteAfter = await openConverted(serializeTflite(convertModel(after, { inputShapes: new Map([...inputShapes, [ftName, ftDims]]) }).model));
  const ort = await openOnnx(encodeModel(whole));
  const ortAfter = await openOnnx(encodeModel(after));
  const outs = flat.graph.outputs.map((o) => o.name);
  const stats = { sameStft: new Map<string, number[]>(), exactStft: new Map<string, number[]>(), whole: new Map<string, number[]>() };
  const track = (into: Map<string, number[]>, ref: Map<string, Tensor>, got: Map<string, Tensor>) => {
    for (const o of outs) {
      const r = toFloat32(ref.get(o)!);
      const g = toFloat32(got.get(o)!);
      const e = into.get(o) ?? [0, 0];
      for (let i = 0; i < r.length; i++) { e[0] = Math.max(e[0]!, Math.abs(r[i]! - g[i]!)); e[1] = Math.max(e[1]!, Math.abs(r[i]!)); }
      into.set(o, e);
    }
  };
  const zero = () => [f32('h', [2, 1, 64]), f32('c', [2, 1, 64])];
  const next = (r: Map<string, Tensor>) => [{ ...r.get(outs[1]!)!, name: 'h' }, { ...r.get(outs[2]!)!, name: 'c' }];
  let [sOrt, sLite, sSame, sExact] = [zero(), zero(), zero(), zero()];
  try {
    for (let k = 0; k < count; k++) {
      const x = f32('input', [1, 512], audio.slice(k * 512, k * 512 + 512));
      const ref = await ort.run([x, ...sOrt]);
      const got = await lite.run([x, ...sLite]);
      track(stats.whole, ref, got);
      // The STFT depends on the chunk only: onnxruntime's model after it, fed its own STFT, is onnxruntime's run.
      const ft = { ...ref.get(ftName)!, name: ftName };
      const gotSame = await liteAfter.run([x, ...sSame, ft]);
      track(stats.sameStft, ref, gotSame);
      const xv = toFloat32(ref.get(xName)!);
      const exact = f32(ftName, ftDims, exactConv1d(xv, xv.length / w.dims[1]!, toFloat32(w), w.dims, stride, ftDims[2]!));
      const refExact = await ortAfter.run([x, ...sExact, exact]);
      track(stats.exactStft, ref, refExact);
      sOrt = next(ref); sLite = next(got); sSame = next(gotSame); sExact = next(refExact);
    }
  } finally {
    lite.close();
    liteAfter.close();
    await ort.close();
    await ortAfter.close();
  }
  const ratios = (m: Map<string, number[]>) => Object.fromEntries([...m].map(([o, [d, r]]) => [o, d! / Math.max(r!, 1e-30)]));
  return { sameStft: ratios(stats.sameStft), exactStft: ratios(stats.exactStft), whole: ratios(stats.whole) };
}
