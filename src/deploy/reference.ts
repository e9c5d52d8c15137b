// Runs the ONNX reference model locally with onnxruntime-node on the same inputs the device gets.
import type { DType, Tensor } from '../ir/types';
import { ModelError } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';

type Ort = typeof import('onnxruntime-node');

const ORT_TYPES: Partial<Record<DType, string>> = {
  float32: 'float32', float64: 'float64', float16: 'float16', int8: 'int8', uint8: 'uint8', int16: 'int16',
  uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', bool: 'bool',
};

function fromOrtType(t: string): DType | undefined {
  return (Object.keys(ORT_TYPES) as DType[]).find((d) => ORT_TYPES[d] === t);
}

/** Runs `file` on `feeds` (matched by name, else by position); returns every graph output by name. */
export async function runReference(file: string, feeds: Tensor[]): Promise<Map<string, Tensor>> {
  const ort: Ort = await import('onnxruntime-node');
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  } catch (e) {
    throw new ModelError(`onnxruntime cannot load --reference ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    const inputs: Record<string, import('onnxruntime-node').Tensor> = {};
    const meta = session.inputMetadata as unknown as { name: string; type?: string; isTensor?: boolean }[] | undefined;
    session.inputNames.forEach((name, i) => {
      let t = feeds.find((f) => f.name === name) ?? feeds[i];
      if (!t) throw new ModelError(`--reference ${file} has input ${name} that the .tflite model does not feed`);
      const want = Array.isArray(meta) ? fromOrtType(meta[i]?.type ?? '') : undefined;
      if (want && want !== t.dtype) t = makeTensor(name, want, t.dims, toNumbers(t));
      const type = ORT_TYPES[t.dtype];
      if (!type) throw new ModelError(`input ${name}: dtype ${t.dtype} cannot be fed to onnxruntime`);
      const data = t.dtype === 'bool' ? Uint8Array.from(t.data as Uint8Array) : t.data;
      inputs[name] = new ort.Tensor(type as 'float32', data as Float32Array, t.dims);
    });
    let out: Record<string, import('onnxruntime-node').Tensor>;
    try {
      out = await session.run(inputs);
    } catch (e) {
      throw new ModelError(`onnxruntime failed on --reference ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    const result = new Map<string, Tensor>();
    for (const [name, v] of Object.entries(out)) {
      const dtype = fromOrtType(v.type);
      if (!dtype) continue;
      result.set(name, { name, dtype, dims: [...v.dims], data: v.data as Tensor['data'] });
    }
    return result;
  } finally {
    await session.release().catch(() => undefined);
  }
}
