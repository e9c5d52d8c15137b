// The debug copy of a .tflite whose outputs are the intermediate tensors under comparison. LiteRT.js's JavaScript
// API reads and writes only float32, int32 and uint8 tensors, so the copy taps quantized tensors through a
// DEQUANTIZE (real values, with their own scale and zero point) and other types through a CAST to float32, and
// feeds quantized model inputs through a QUANTIZE from a float32 input (integer and bool ones through a CAST). The user's model is never changed.
// Many taps are packed into a few outputs (packed-outputs.ts: LiteRT's run time grows with the square of the output
// count).
import type { Tensor } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import type { TflModel, TflOperator, TflSignature, TflTensor } from '../tflite/model';
import { serializeTflite } from '../tflite/writer';
import { packOutputs } from './packed-outputs';

const DIRECT = new Set(['FLOAT32', 'INT32', 'UINT8']);
const CASTABLE = new Set(['INT64', 'BOOL', 'INT16', 'UINT16', 'UINT32', 'FLOAT64', 'INT8']);
const QUANTIZED = new Set(['INT8', 'UINT8', 'INT16']);
const CAST_IN = new Set(['BOOL', 'INT8', 'INT16', 'UINT16', 'INT64']);

/** A tensor holding quantized values (it has a scale). */
export function isQuantizedTensor(t: TflTensor): boolean {
  return QUANTIZED.has(t.type) && (t.quantization?.scale.length ?? 0) > 0;
}

/** How a tensor can be read out of LiteRT.js; '' when it cannot. */
export function tapKind(t: TflTensor): 'direct' | 'dequantize' | 'cast' | '' {
  if (isQuantizedTensor(t) || t.type === 'FLOAT16') return 'dequantize';
  if (DIRECT.has(t.type)) return 'direct';
  if (CASTABLE.has(t.type)) return 'cast';
  return '';
}

/** Tensors that are computed by an operator of subgraph 0 (inputs and constants are read without running). */
export function computedTensors(model: TflModel): Set<number> {
  const out = new Set<number>();
  for (const op of model.subgraphs[0]!.operators) for (const o of op.outputs) if (o >= 0) out.add(o);
  return out;
}

export interface DebugCopy {
  bytes: Uint8Array;
  /** The tapped tensor indices (each once). */
  taps: number[];
  /** The tapped values by tensor index, from the copy's run results. */
  read(results: Tensor[]): Map<number, Tensor>;
}

/** A copy of `model` whose outputs are `taps` (tensor indices of subgraph 0 with a tapKind()). */
export function debugCopy(model: TflModel, taps: number[]): DebugCopy {
  const sg = model.subgraphs[0]!;
  const tensors = [...sg.tensors];
  const prologue: TflOperator[] = [];
  const epilogue: TflOperator[] = [];
  const add = (t: TflTensor): number => tensors.push(t) - 1;
  const version = (type: string) => (type === 'INT8' ? 2 : type === 'FLOAT16' ? 3 : type === 'INT16' ? 4 : 1);

  // Inputs LiteRT.js cannot feed: quantized ones through a QUANTIZE from float32, integer and bool ones through a
  // CAST from int32 (the caller feeds the values in the copy's input dtype).
  const tapped = new Set(taps);
  const inputs = sg.inputs.map((i) => {
    const t = sg.tensors[i]!;
    if (tapped.has(i) && DIRECT.has(t.type) && !isQuantizedTensor(t)) {
      // A graph input that is also an output is bound to the output's buffer and the model runs on that memory
      // (the tap reads zeros, every later value is wrong): a tapped input is fed through a same-type CAST instead.
      const f = add({ name: `${t.name}__in`, type: t.type, shape: [...t.shape], shapeSignature: t.shapeSignature && [...t.shapeSignature] });
      prologue.push({ opcode: 'CAST', inputs: [f], outputs: [i], options: { inDataType: t.type, outDataType: t.type } });
      return f;
    }
    if (isQuantizedTensor(t)) {
      const f = add({ name: `${t.name}__float`, type: 'FLOAT32', shape: [...t.shape] });
      prologue.push({ opcode: 'QUANTIZE', inputs: [f], outputs: [i] });
      return f;
    }
    if (DIRECT.has(t.type) || !CAST_IN.has(t.type)) return i; // the others: openTflite refuses them with a clear error
    const f = add({ name: `${t.name}__int32`, type: 'INT32', shape: [...t.shape] });
    prologue.push({ opcode: 'CAST', inputs: [f], outputs: [i], options: { inDataType: 'INT32', outDataType: t.type } });
    return f;
  });

  // SHAPE's output, and what ops compute from it and constants alone, are computed when LiteRT prepares the ops
  // (read-only tensors no output buffer can be bound to): tapped through a CAST like the types LiteRT.js cannot read.
  // A DEQUANTIZE of such a tensor (or of a constant) is computed then too, its output read-only as well: an int8
  // model's weight reshaped or transposed by an op (PP-OCRv4 rec's hard-swish weight RESHAPE, filter TRANSPOSE /
  // STRIDED_SLICE: from op 128 on) made LiteRT refuse to allocate the copy ("allocation_type != kTfLiteCustom", its
  // read-only tensor bound as an output), so such a tap's DEQUANTIZE is followed by a float32 CAST. A float32 or int32
  // constant (a tensor the float model computes that the int8 model holds as a constant: int32 biases) is tapped
  // through a CAST as well: packed (packed-outputs.ts) with only constants, its pack's CONCATENATION is computed then
  // too (the rec's taps all at once: "allocation_type != kTfLiteCustom (5 != 6)").
  const readOnly = new Set<number>();
  for (const op of sg.operators) {
    const fixed = op.opcode === 'SHAPE' || op.inputs.every((i) => i < 0 || sg.tensors[i]!.data !== undefined || readOnly.has(i));
    if (fixed) for (const o of op.outputs) readOnly.add(o);
  }
  const floatCopy = (from: number, t: TflTensor): number => {
    const f = add({ name: `${t.name}__tap_copy`, type: 'FLOAT32', shape: [...t.shape], shapeSignature: t.shapeSignature && [...t.shapeSignature] });
    epilogue.push({ opcode: 'CAST', inputs: [from], outputs: [f], options: { inDataType: 'FLOAT32', outDataType: 'FLOAT32' } });
    return f;
  };
  const reads: [number, number][] = [];
  const unique = [...new Set(taps)];
  for (const i of unique) {
    const t = sg.tensors[i]!;
    let kind = tapKind(t);
    if (kind === 'direct' && (readOnly.has(i) || t.data !== undefined)) kind = 'cast';
    if (kind === 'direct') { reads.push([i, i]); continue; }
    if (!kind) throw new Error(`tensor ${i} (${t.type}) cannot be read from LiteRT.js`);
    const f = add({ name: `${t.name}__tap`, type: 'FLOAT32', shape: [...t.shape], shapeSignature: t.shapeSignature && [...t.shapeSignature] });
    epilogue.push(kind === 'dequantize'
      ? { opcode: 'DEQUANTIZE', version: version(t.type), inputs: [i], outputs: [f] }
      : { opcode: 'CAST', inputs: [i], outputs: [f], options: { inDataType: t.type, outDataType: 'FLOAT32' } });
    reads.push([i, kind === 'dequantize' && (readOnly.has(i) || t.data !== undefined) ? floatCopy(f, t) : f]);
  }
  const { outputs, unpack } = packOutputs(tensors, epilogue, reads);

  const sig0 = model.signatures?.find((s) => (s.subgraph ?? 0) === 0);
  const signature: TflSignature = {
    key: sig0?.key ?? 'serving_default',
    inputs: sg.inputs.map((orig, k) => ({ name: sig0?.inputs.find((s) => s.tensor === orig)?.name ?? sg.tensors[orig]!.name, tensor: inputs[k]! })),
    outputs: outputs.map((t, k) => ({ name: `tap_${k}`, tensor: t })),
    subgraph: 0,
  };
  const copy: TflModel = {
    ...model,
    subgraphs: [{ ...sg, tensors, operators: [...prologue, ...sg.operators, ...epilogue], inputs, outputs }, ...model.subgraphs.slice(1)],
    signatures: [signature],
  };
  return { bytes: serializeTflite(copy), taps: unique, read: unpack };
}

/** The model's feeds in the dtypes the copy takes (a CAST or QUANTIZE in front of an input changes it). */
export function copyFeeds(inputs: readonly { dtype: Tensor['dtype'] }[], feeds: Tensor[]): Tensor[] {
  return feeds.map((f, k) => {
    const want = inputs[k]!.dtype;
    return f.dtype === want ? f : makeTensor(f.name, want, f.dims, toNumbers(f));
  });
}
