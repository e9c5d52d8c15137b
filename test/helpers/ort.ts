// Test helpers around onnxruntime-node: run an IR model with every value made a graph output.
import * as ort from 'onnxruntime-node';
import { Model, Tensor, ValueInfo } from '../../src/ir/types';
import { encodeModel } from '../../src/onnx/writer';

const ORT_TYPES: Record<string, ort.Tensor.Type> = {
  float32: 'float32', float64: 'float64', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16',
  int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', bool: 'bool', string: 'string', float16: 'float16',
};

export function toOrt(t: Tensor): ort.Tensor {
  const type = ORT_TYPES[t.dtype];
  if (!type) throw new Error(`no onnxruntime type for ${t.dtype}`);
  const data = t.dtype === 'bool' ? Uint8Array.from(t.data as Uint8Array) : t.data;
  return new ort.Tensor(type, data as ort.Tensor.DataType, t.dims);
}

/** The node outputs of the main graph that are tensors with a known dtype (what can be made graph outputs). */
export function allValues(model: Model): ValueInfo[] {
  const g = model.graph;
  const out: ValueInfo[] = [];
  const seen = new Set<string>();
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      const v = g.values.get(o);
      if (o && v?.dtype && !seen.has(o)) { seen.add(o); out.push(v); }
    }
  }
  return out;
}

/** Runs `model` with the named values as its graph outputs. */
export async function runOutputs(model: Model, feeds: Record<string, Tensor>, values: ValueInfo[]): Promise<Record<string, ort.Tensor>> {
  const copy: Model = { ...model, graph: { ...model.graph, outputs: values.map((v) => ({ name: v.name, dtype: v.dtype, shape: undefined })) } };
  const session = await ort.InferenceSession.create(encodeModel(copy, { valueInfo: false }));
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = toOrt(t);
    return await session.run(ortFeeds);
  } finally {
    await session.release();
  }
}

/** Runs `model` with every listed value as a graph output; returns each value's actual dtype and dims. */
export async function runAllValues(model: Model, feeds: Record<string, Tensor>, values: ValueInfo[]): Promise<Map<string, { dtype: string; dims: number[] }>> {
  const res = await runOutputs(model, feeds, values);
  return new Map(Object.entries(res).map(([k, t]) => [k, { dtype: t.type, dims: [...t.dims] }]));
}
