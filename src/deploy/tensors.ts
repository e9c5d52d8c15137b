// The tensors of a deploy: the model's inputs (from --inputs or generated), their TFLite layout via the `onnx2lite`
// metadata (TFLite dim i = ONNX dim perm[i]), and the device outputs' accuracy against the ONNX reference.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DType, Tensor } from '../ir/types';
import { ModelError, elementCount } from '../ir/types';
import { makeTensor, toFloat32, toNumbers } from '../ir/tensor';
import type { TflModel, TflTensor, TflType } from '../tflite/model';
import { listTensorFiles, readTensorFileAny } from '../core/tensor-files';
import { fillSeededNonFloat, seededUniform } from '../core/random';
import { transposeTensor } from '../convert/constdata';
import { invert } from '../convert/layout';
import { inputValueError } from '../convert/input-values';
import { compareViews, onnxView } from '../compare/metrics';

export interface TensorMapping { onnx: string; tflite: number; perm: number[]; onnxDtype?: string }
export interface LayoutMetadata { source?: string; inputs: TensorMapping[]; outputs: TensorMapping[] }

/** One model input or output as the device sees it, with its mapping to the ONNX model when known. */
export interface IoTensor {
  position: number;
  tensorIndex: number;
  name: string;
  dtype: DType;
  shape: number[];
  quant?: { scale: number; zeroPoint: number };
  mapping?: TensorMapping;
}

const TFL_DTYPES: Partial<Record<TflType, DType>> = {
  FLOAT32: 'float32', FLOAT16: 'float16', FLOAT64: 'float64', INT8: 'int8', UINT8: 'uint8', INT16: 'int16',
  UINT16: 'uint16', INT32: 'int32', UINT32: 'uint32', INT64: 'int64', UINT64: 'uint64', BOOL: 'bool',
};

/** Reads the `onnx2lite` metadata entry; undefined when the file was not made by onnx2lite. */
export function layoutMetadata(model: TflModel): LayoutMetadata | undefined {
  const raw = model.metadata.get('onnx2lite');
  if (!raw) return undefined;
  try {
    const m = JSON.parse(new TextDecoder().decode(raw)) as LayoutMetadata;
    return Array.isArray(m.inputs) && Array.isArray(m.outputs) ? m : undefined;
  } catch {
    return undefined;
  }
}

function ioTensor(t: TflTensor, position: number, tensorIndex: number, list: TensorMapping[] | undefined): IoTensor {
  const dtype = TFL_DTYPES[t.type];
  if (!dtype) throw new ModelError(`model input/output ${t.name} has type ${t.type}, which deploy cannot feed or read`);
  const shape = (t.shapeSignature ?? t.shape).map((d, i) => (d < 0 ? (t.shape[i] > 0 ? t.shape[i] : 1) : d));
  const q = t.quantization;
  const quant = q && q.scale.length === 1 && q.scale[0] !== 0 && (dtype === 'int8' || dtype === 'uint8' || dtype === 'int16')
    ? { scale: q.scale[0], zeroPoint: q.zeroPoint[0] ?? 0 } : undefined;
  const mapping = list?.find((m) => m.tflite === tensorIndex) ?? list?.[position];
  return { position, tensorIndex, name: t.name, dtype, shape, quant, mapping };
}

export function modelIo(model: TflModel): { inputs: IoTensor[]; outputs: IoTensor[]; meta?: LayoutMetadata } {
  const sg = model.subgraphs[0];
  if (!sg) throw new ModelError('the .tflite file has no subgraph');
  const meta = layoutMetadata(model);
  return {
    inputs: sg.inputs.map((ti, k) => ioTensor(sg.tensors[ti], k, ti, meta?.inputs)),
    outputs: sg.outputs.map((ti, k) => ioTensor(sg.tensors[ti], k, ti, meta?.outputs)),
    meta,
  };
}

/** Reads `--inputs DIR`: .pb TensorProtos or .npy files (input_N.* when present), matched to inputs by tensor
 *  name, else in name order. */
export function readInputsDir(dir: string): Tensor[] {
  const files = listTensorFiles(dir);
  if (files.length === 0) throw new ModelError(`--inputs ${dir} holds no .pb or .npy files`);
  return files.map((f) => readTensorFileAny(path.join(dir, f)));
}

function castTo(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  return makeTensor(t.name, dtype, t.dims, dtype === 'float16' ? toFloat32(t) : toNumbers(t));
}

/** The ONNX dtype a float input is fed as: float16 for a float16 input of a float16 model (onnxruntime takes no
 *  float32 for it), else float32. */
function floatFeed(io: IoTensor): DType {
  return io.quant === undefined && io.dtype === 'float16' ? 'float16' : 'float32';
}

export interface PreparedInputs {
  /** In the ONNX model's layout, named as its inputs (fed to the reference). */
  onnx: Tensor[];
  /** In the .tflite's order, layout and dtypes (uploaded as .npy). */
  device: Tensor[];
}

/** Builds both views of the inputs. Files in --inputs are in the ONNX layout when the model maps to one. */
export function prepareInputs(inputs: IoTensor[], given: Tensor[] | undefined, seed = 1, values?: Map<string, number[]>): PreparedInputs {
  for (const name of values?.keys() ?? []) {
    if (!inputs.some((io) => (io.mapping?.onnx ?? io.name) === name)) {
      throw inputValueError(`--input-value names "${name}", which is not an input of the model (inputs: ${inputs.map((io) => io.mapping?.onnx ?? io.name).join(', ')})`);
    }
  }
  if (given && given.length !== inputs.length) {
    throw new ModelError(`--inputs holds ${given.length} tensor file(s); the model has ${inputs.length} input(s)`);
  }
  const rnd = seededUniform(seed);
  const onnx: Tensor[] = [];
  const device: Tensor[] = [];
  for (const io of inputs) {
    const perm = io.mapping?.perm ?? io.shape.map((_, i) => i);
    const onnxName = io.mapping?.onnx ?? io.name;
    const onnxShape = new Array<number>(io.shape.length);
    perm.forEach((p, i) => { onnxShape[p] = io.shape[i]; });
    let t: Tensor;
    const fixed = values?.get(onnxName);
    if (fixed) {
      if (fixed.length !== elementCount(onnxShape)) {
        throw inputValueError(`--input-value ${onnxName} gives ${fixed.length} value${fixed.length === 1 ? '' : 's'}, but input "${onnxName}" has shape [${onnxShape.join(', ')}] (${elementCount(onnxShape)} elements)`);
      }
      const dt: DType = io.dtype.startsWith('float') || io.quant !== undefined ? floatFeed(io) : (io.mapping?.onnxDtype as DType | undefined) ?? io.dtype;
      t = makeTensor(onnxName, dt, onnxShape, fixed);
    } else if (given) {
      t = given.find((g) => g.name === onnxName || g.name === io.name) ?? given[io.position];
      if (elementCount(t.dims) !== elementCount(onnxShape)) {
        throw new ModelError(`input file for ${onnxName} has shape [${t.dims}], the model wants [${onnxShape}]`);
      }
      t = { ...t, name: onnxName, dims: onnxShape };
    } else {
      const n = elementCount(onnxShape);
      const floatLike = io.dtype.startsWith('float') || io.quant !== undefined;
      const vals = new Float64Array(n);
      const dt: DType = floatLike ? floatFeed(io) : (io.mapping?.onnxDtype as DType | undefined) ?? io.dtype;
      if (floatLike) for (let i = 0; i < n; i++) vals[i] = rnd();
      else fillSeededNonFloat(dt, onnxShape, vals);
      t = makeTensor(onnxName, dt, onnxShape, vals);
    }
    onnx.push(t);
    let d = transposeTensor(t, perm);
    if (io.quant) {
      const f = toFloat32(d);
      const [lo, hi] = io.dtype === 'int8' ? [-128, 127] : io.dtype === 'uint8' ? [0, 255] : [-32768, 32767];
      const q = Array.from(f, (v) => Math.min(hi, Math.max(lo, Math.round(v / io.quant!.scale) + io.quant!.zeroPoint)));
      d = makeTensor(io.name, io.dtype, d.dims, q);
    } else d = castTo({ ...d, name: io.name }, io.dtype);
    device.push(d);
  }
  return { onnx, device };
}

/** A device output in the ONNX layout and as float32 (dequantized when quantized). */
export function toOnnxView(io: IoTensor, t: Tensor): Tensor {
  let f = io.quant
    ? makeTensor(t.name, 'float32', t.dims, Array.from(toNumbers(t), (v) => (v - io.quant!.zeroPoint) * io.quant!.scale))
    : t;
  if (io.mapping) f = transposeTensor(f, invert(io.mapping.perm));
  return f;
}

export interface OutputAccuracy { output: string; maxAbs: number; cosine: number }

export function compare(name: string, device: Tensor, reference: Tensor): OutputAccuracy {
  const a = toFloat32(device);
  const b = toFloat32(reference);
  if (a.length !== b.length) {
    throw new ModelError(`output ${name}: the device returned ${a.length} values, the ONNX model ${b.length}`);
  }
  const m = compareViews(onnxView(b, [b.length]), onnxView(a, [a.length]));
  return { output: name, maxAbs: m.maxAbs, cosine: m.cosine };
}
