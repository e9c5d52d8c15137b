// Runs ONNX models with onnxruntime-node (the reference the accuracy checks compare LiteRT against).
// IR tensors (src/ir/types.ts) go in and come out: int64 as BigInt64Array, bool as Uint8Array of 0/1, float16 as its
// raw bits in a Uint16Array. onnxruntime-node is loaded on first use (its native binding is not needed otherwise).
import type * as Ort from 'onnxruntime-node';
import { ModelError, type DType, type Tensor, type TensorValues } from '../ir/types';
import { withWrappingSums } from './ort-wrapping-sums';

type OrtModule = typeof Ort;
type OrtType = Ort.Tensor['type'];

const TO_ORT: Partial<Record<DType, OrtType>> = {
  float32: 'float32', float64: 'float64', float16: 'float16', int8: 'int8', uint8: 'uint8', int16: 'int16',
  uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', bool: 'bool', string: 'string',
  int4: 'int4', uint4: 'uint4',
};
const FROM_ORT: Record<string, DType> = Object.fromEntries(Object.entries(TO_ORT).map(([k, v]) => [v, k as DType]));

let loaded: Promise<OrtModule> | undefined;
function ort(): Promise<OrtModule> {
  loaded ??= import('onnxruntime-node').then((m) => ((m as { default?: OrtModule }).default ?? m) as OrtModule)
    .catch((e: unknown) => {
      loaded = undefined;
      throw new ModelError(`onnxruntime-node could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    });
  return loaded;
}

export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model; `outputNames` defaults to all graph outputs. */
  run(feeds: Tensor[], outputNames?: string[]): Promise<Map<string, Tensor>>;
  close(): Promise<void>;
}

export interface OnnxOptions {
  /** Intra-op threads (onnxruntime's default when omitted). */
  threads?: number;
  /** Graph optimization level; 'all' by default. Use 'disabled' to keep every intermediate tensor as in the file. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** Loads an ONNX model (file path or bytes) once for many runs. */
export async function openOnnx(model: string | Uint8Array, opts: OnnxOptions = {}): Promise<OnnxSession> {
  const o = await ort();
  const options: Ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: opts.optimization ?? 'all',
    // Fatal only: its warnings (unused initializers...) are noise on a user's console, and a failing run comes back
    // as the exception below (one line) — logged natively too it would print each nested If's error in colour.
    logSeverityLevel: 4,
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
  };
  let session: Ort.InferenceSession;
  model = withWrappingSums(model); // int64 hash sums wrap as in PyTorch (ort-wrapping-sums.ts)
  try {
    session = typeof model === 'string' ? await o.InferenceSession.create(model, options)
      : await o.InferenceSession.create(model, options);
  } catch (e) {
    throw new ModelError(`onnxruntime cannot load the model: ${firstLine(e)}`);
  }
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds: Tensor[], outputNames?: string[]): Promise<Map<string, Tensor>> {
      const inputs: Record<string, Ort.Tensor> = {};
      for (const t of feeds) inputs[t.name] = toOrt(o, t);
      let results: Ort.InferenceSession.ReturnType;
      try {
        results = outputNames ? await session.run(inputs, outputNames) : await session.run(inputs);
      } catch (e) {
        throw new ModelError(`onnxruntime failed to run the model: ${firstLine(e)}`);
      }
      const out = new Map<string, Tensor>();
      for (const name of outputNames ?? session.outputNames) out.set(name, fromOrt(name, results[name]!));
      return out;
    },
    close: () => session.release(),
  };
}

/** Runs an ONNX model once; returns every requested output (all graph outputs by default) by name. */
export async function runOnnx(model: string | Uint8Array, feeds: Tensor[], outputNames?: string[]): Promise<Map<string, Tensor>> {
  const session = await openOnnx(model);
  try {
    return await session.run(feeds, outputNames);
  } finally {
    await session.close();
  }
}

/** IR tensor → onnxruntime tensor (shares the data). */
function toOrt(o: OrtModule, t: Tensor): Ort.Tensor {
  const type = TO_ORT[t.dtype];
  if (!type) throw new ModelError(`onnxruntime-node cannot take ${t.dtype} tensors ('${t.name}')`);
  return new o.Tensor(type, t.data as Ort.Tensor.DataTypeMap[typeof type], t.dims);
}

/** onnxruntime tensor → IR tensor. */
function fromOrt(name: string, t: Ort.Tensor): Tensor {
  const dtype = FROM_ORT[t.type];
  if (!dtype) throw new ModelError(`onnxruntime returned '${name}' as ${t.type}, which onnx2lite does not handle`);
  let data = t.data as TensorValues;
  if (dtype === 'float16' && !(data instanceof Uint16Array)) {
    const d = data as unknown as ArrayBufferView; // Float16Array where the platform has one: keep the raw bits
    data = new Uint16Array(d.buffer, d.byteOffset, d.byteLength / 2);
  }
  return { name, dtype, dims: Array.from(t.dims), data };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}
