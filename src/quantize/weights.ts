// Weight-only quantization: `fp16` (float16 constants + DEQUANTIZE version 3) and `dynamic` (int8 constants +
// DEQUANTIZE version 2 per tensor / 5 per channel), float32 compute in both. The constant's tensor index becomes
// the DEQUANTIZE output, so ops and the metadata keep their indices.
import type { ConvertResult } from '../convert/convert';
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf, histogram, isConst, uniqueNamer } from './graph';
import { bytesOf, elementCount, float16Bytes, floatData, quantizeSymmetric, weightAxis } from './params';
import { pinFp16Filters } from './fp16-filters';

/** Float constants smaller than these stay float32: they are a few percent of a model's bytes, and on the shared
 *  CNNs the small early layers (first conv, depthwise filters, biases) are where rounding hurts accuracy most
 *  (TensorFlow's converter uses the same idea, with 1024 elements for weight quantization). */
export const MIN_FP16_ELEMENTS = 1024;
export const MIN_DYNAMIC_ELEMENTS = 4096;
/** DEQUANTIZE of a per-channel int8 constant. */
export const DEQUANTIZE_PER_CHANNEL_VERSION = 5;

function convertConstants(result: ConvertResult, pick: (t: TflTensor, idx: number, sg: TflSubgraph, use: Map<number, number[]>) => boolean,
  make: (t: TflTensor, idx: number, sg: TflSubgraph, use: Map<number, number[]>) => { tensor: TflTensor; version: number }): number {
  let count = 0;
  // Every subgraph: control-flow bodies (IF branches, WHILE bodies) hold weights too.
  for (const sg of result.model.subgraphs) {
    const use = consumersOf(sg);
    const name = uniqueNamer(sg);
    const deq: TflOperator[] = [];
    const n = sg.tensors.length;
    for (let idx = 0; idx < n; idx++) {
      const t = sg.tensors[idx];
      if (t.type !== 'FLOAT32' || !isConst(t) || !use.has(idx) || !pick(t, idx, sg, use)) continue;
      const { tensor, version } = make(t, idx, sg, use);
      tensor.name = name(tensor.name);
      sg.tensors.push(tensor);
      const src = sg.tensors.length - 1;
      sg.tensors[idx] = { name: t.name, type: 'FLOAT32', shape: [...t.shape] };
      deq.push({ opcode: 'DEQUANTIZE', version, inputs: [src], outputs: [idx] });
    }
    sg.operators.unshift(...deq);
    count += deq.length;
  }
  histogram(result);
  return count;
}

/** float16 constants (DEQUANTIZE version 3) for the float32 constants `pick` chooses; convolution and fully connected
 *  weights with the reader that has LiteRT's XNNPack unpack them once (fp16-filters.ts). Returns how many. */
function fp16Constants(result: ConvertResult, pick: (t: TflTensor, idx: number, sg: TflSubgraph, use: Map<number, number[]>) => boolean): number {
  const n = convertConstants(result, pick, (t) => ({
    tensor: { name: `${t.name}_fp16`, type: 'FLOAT16', shape: [...t.shape], data: float16Bytes(floatData(t)) },
    version: 3,
  }));
  for (const sg of result.model.subgraphs) pinFp16Filters(sg);
  histogram(result);
  return n;
}

/** A split weight's parts below this many elements stay float32: the DEQUANTIZE and the tensor each part adds
 *  (~100 bytes) cost more than float16 / int8 storage saves on them. */
export const MIN_SPLIT_PART = 64;

/** Part of a weight the converter split per group (a grouped / depthwise 3-D conv or ConvTranspose is a CONV_3D /
 *  CONV_3D_TRANSPOSE per group: MedNeXt's filters are 27-125 values each): read as the weight input (1) of ops of
 *  one ONNX node only, which reads two or more such parts of at least MIN_SPLIT_PART elements, `min` together. */
function splitPart(sg: TflSubgraph, idx: number, use: Map<number, number[]>, min: number, totals: Map<string, { parts: number; elements: number }>): boolean {
  const node = weightOfNode(sg, idx, use);
  const total = node === undefined ? undefined : totals.get(node);
  return elementCount(sg.tensors[idx].shape) >= MIN_SPLIT_PART && total !== undefined && total.parts >= 2 && total.elements >= min;
}

/** The ONNX node whose ops (and no others) read tensor `idx`, each as its weight input. */
function weightOfNode(sg: TflSubgraph, idx: number, use: Map<number, number[]>): string | undefined {
  const ops = (use.get(idx) ?? []).map((k) => sg.operators[k]);
  const nodes = new Set(ops.map((op) => op.onnxNode));
  const [node] = nodes;
  return nodes.size === 1 && ops.every((op) => op.inputs[1] === idx && op.inputs.indexOf(idx) === 1) ? node : undefined;
}

/** ONNX node → its weight parts (float32 constants of MIN_SPLIT_PART or more elements read only as its ops' weights). */
function nodeTotals(sg: TflSubgraph, use: Map<number, number[]>): Map<string, { parts: number; elements: number }> {
  const totals = new Map<string, { parts: number; elements: number }>();
  sg.tensors.forEach((t, idx) => {
    const n = elementCount(t.shape);
    if (t.type !== 'FLOAT32' || !isConst(t) || n < MIN_SPLIT_PART) return;
    const node = weightOfNode(sg, idx, use);
    if (node === undefined) return;
    const have = totals.get(node) ?? { parts: 0, elements: 0 };
    totals.set(node, { parts: have.parts + 1, elements: have.elements + n });
  });
  return totals;
}

/** float16 weights: every float32 constant with at least MIN_FP16_ELEMENTS elements, and the parts of split weights
 *  that hold as many together (splitPart). */
export function quantizeFp16(result: ConvertResult): ConvertResult {
  const totals = new Map<TflSubgraph, Map<string, { parts: number; elements: number }>>();
  fp16Constants(result, (t, idx, sg, use) => elementCount(t.shape) >= MIN_FP16_ELEMENTS
    || splitPart(sg, idx, use, MIN_FP16_ELEMENTS, totals.get(sg) ?? totals.set(sg, nodeTotals(sg, use)).get(sg)!));
  return result;
}

/** float16 storage for the float32 constants named in `names` (the int8 pass's precise weights, precise-weights.ts):
 *  a FLOAT16 constant behind a DEQUANTIZE (version 3), with the reader that has XNNPack unpack it once at load
 *  (fp16-filters.ts), so the op runs as fast as with float32 weights at half their bytes. Returns how many. */
export function storeFp16(result: ConvertResult, names: Set<string>): number {
  return names.size ? fp16Constants(result, (t) => names.has(t.name)) : 0;
}

/** The axis for per-channel scales when every consumer reads the constant as its weight input. */
function channelAxis(sg: TflSubgraph, idx: number, use: Map<number, number[]>, perTensor: boolean): number | undefined {
  if (perTensor) return undefined;
  const ops = sg.operators;
  let axis: number | undefined;
  for (const k of use.get(idx) ?? []) {
    const op = ops[k];
    const a = weightAxis(op.opcode);
    if (a === undefined || op.inputs[1] !== idx) return undefined;
    if (axis !== undefined && axis !== a) return undefined;
    axis = a;
  }
  return axis;
}

/** The one rule for which float32 constants are stored int8 behind a DEQUANTIZE. Dynamic range (`--quantize
 *  dynamic`): those of MIN_DYNAMIC_ELEMENTS+ elements. The int8 pass's float ops (hybrid islands, a recurrent cell,
 *  |STFT| readers, the STFT convolution, control-flow bodies): also every weight input of conv / depthwise / fully
 *  connected, whatever its size (a float op is float for its activations; its weights round as int8 ones would). */
export function storedInt8(elements: number, readAsWeight: boolean, floatOpsOfInt8: boolean): boolean {
  return elements >= MIN_DYNAMIC_ELEMENTS || (floatOpsOfInt8 && readAsWeight);
}

/** A constant holding ±Infinity or NaN (an attention mask PyTorch folded to -inf: nn.MultiheadAttention's boolean
 *  attn_mask, Pyraformer's pyramid) has no int8 scale: max|x| / 127 is infinite and every element rounds to 0, so the
 *  mask vanished (Pyraformer dynamic: cosine 0; int8: 0.64). It stays float32. */
function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** int8 weights behind a DEQUANTIZE (version 2 per tensor, 5 per channel), float32 compute: per output channel
 *  when only conv / depthwise / fully connected read the constant, as their weight input; which constants:
 *  storedInt8. One DEQUANTIZE per constant, however many ops read it (an unrolled recurrent cell's weights). Used by
 *  dynamic-range mode and, with `floatOpsOfInt8`, at the end of the int8 pass for what it leaves float; those named
 *  in keepFloat are left as they are (precise-weights.ts: the int8 pass stores them float16, storeFp16). */
export function quantizeDynamic(result: ConvertResult, opts: { perTensor?: boolean; floatOpsOfInt8?: boolean; keepFloat?: Set<string> } = {}): ConvertResult {
  const totals = new Map<TflSubgraph, Map<string, { parts: number; elements: number }>>();
  const stored = (t: TflTensor, idx: number, sg: TflSubgraph, use: Map<number, number[]>) => storedInt8(elementCount(t.shape), channelAxis(sg, idx, use, false) !== undefined, !!opts.floatOpsOfInt8)
    || splitPart(sg, idx, use, MIN_DYNAMIC_ELEMENTS, totals.get(sg) ?? totals.set(sg, nodeTotals(sg, use)).get(sg)!);
  const tables = new Set<string>();
  convertConstants(result, (t, idx, sg, use) => {
    if (opts.keepFloat?.has(t.name) || !stored(t, idx, sg, use) || !allFinite(floatData(t))) return false;
    if (!opts.floatOpsOfInt8 && elementwiseTable(sg, idx, use) && withinFloat16(floatData(t))) { tables.add(t.name); return false; }
    return true;
  }, (t, idx, sg, use) => {
    const axis = channelAxis(sg, idx, use, !!opts.perTensor);
    const { data, scales } = quantizeSymmetric(floatData(t), t.shape, axis);
    return {
      tensor: {
        name: `${t.name}_int8`, type: 'INT8', shape: [...t.shape], data: bytesOf(data),
        quantization: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: axis ?? 0 },
      },
      version: scales.length > 1 ? DEQUANTIZE_PER_CHANNEL_VERSION : 2,
    };
  });
  storeFp16(result, tables);
  return result;
}

/** Elementwise arithmetic whose constant operand is a table the activations are shifted or scaled by, element by
 *  element: an SSD / RFB detector's prior boxes (Ultra-Light-Fast-Generic-Face-Detector: [1, N, 2] centres and sizes
 *  in [0, 1], `centre + loc · 0.1 · size`), a position table, an offset grid. */
export const TABLE_READERS = new Set(['ADD', 'SUB', 'MUL', 'DIV']);

/** A constant such an op reads (dynamic range mode): int8's one per-tensor step (max|x| / 127) is not a weight's
 *  rounding there but lands in the output as it is — 1/254 of the picture on every prior box (RFB-640 on 30 crowd
 *  photos: box IoU mean 0.803 vs float16's 0.991) — so it is stored float16 (step max|x| / 2048) instead. */
function elementwiseTable(sg: TflSubgraph, idx: number, use: Map<number, number[]>): boolean {
  return (use.get(idx) ?? []).some((k) => TABLE_READERS.has(sg.operators[k].opcode));
}

/** float16's largest finite value. */
export const FLOAT16_MAX = 65504;

/** Whether every value is within float16's finite range: a table beyond it (an additive mask of -1e9 or float32's
 *  lowest, as exporters fold attention masks) would read ±Infinity in float16: a fully masked row's softmax is then NaN,
 *  and Infinity times a zero activation too; such a table keeps int8 storage, whose one step is far below its values. */
export function withinFloat16(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) > FLOAT16_MAX) return false;
  return true;
}
