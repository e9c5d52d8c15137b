// The compact graph of a TFLite model (subgraph 0) for the graph view, and statistics of its constant tensors.
import type { TflModel, TflTensor } from '../tflite/model';
import type { WeightStats, WireGraph } from '../shared/protocol';
import { ModelError } from '../ir/types';
import { bfloat16ToFloat, halfToFloat } from '../ir/tensor';
import { WireBuilder } from '../shared/graph-wire';
import { statsOf } from './weight-stats';

function optionText(v: number | boolean | string | number[]): string {
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}

/** Tensor names can repeat in TFLite files: the view keys tensors by `name` made unique with `#index`. */
function tensorKeys(tensors: TflTensor[]): string[] {
  const seen = new Map<string, number>();
  for (const t of tensors) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  return tensors.map((t, i) => (!t.name || (seen.get(t.name) ?? 0) > 1 ? `${t.name || 'tensor'}#${i}` : t.name));
}

export function tfliteWireGraph(m: TflModel, file: string): WireGraph {
  const sg = m.subgraphs[0];
  if (!sg) throw new ModelError(`${file} has no subgraph`);
  const keys = tensorKeys(sg.tensors);
  const key = (i: number) => (i >= 0 && i < keys.length ? keys[i] : '');
  const names = new Set<string>();
  const b = new WireBuilder();
  sg.operators.forEach((op, id) => {
    const opName = op.opcode === 'CUSTOM' ? `CUSTOM ${op.customCode ?? ''}`.trim() : op.opcode;
    let name = op.onnxNode || `${key(op.outputs[0] ?? -1) || opName}`;
    if (names.has(name)) name = `${name}#${id}`;
    names.add(name);
    const attrs = Object.entries(op.options ?? {}).map(([k, v]) => [k, optionText(v)] as [string, string]);
    if (op.version && op.version > 1) attrs.push(['version', String(op.version)]);
    b.node(name, opName, 'op', op.inputs.map(key), op.outputs.map(key), attrs);
  });
  const byKey = new Map(keys.map((k, i) => [k, sg.tensors[i]]));
  const info: [string, string][] = [
    ['format', `TFLite (schema ${m.version})`],
    ['description', m.description || '—'],
    ['subgraphs', String(m.subgraphs.length)],
    ['operators', String(sg.operators.length)],
    ['metadata', [...m.metadata.keys()].join(', ') || '—'],
  ];
  return b.finish({ format: 'tflite', file, info }, sg.inputs.map(key), sg.outputs.map(key), (name) => {
    const t = byKey.get(name);
    if (!t) return {};
    return {
      dtype: t.type.toLowerCase(),
      shape: t.shapeSignature ? t.shapeSignature.map((d, j) => (d < 0 ? '?' : t.shape[j] ?? d)) : [...t.shape],
      constant: t.data !== undefined && t.data.length > 0,
    };
  }).graph;
}

function dequantize(t: TflTensor, raw: number, i: number, channelSize: number): number {
  const q = t.quantization;
  if (!q || q.scale.length === 0) return raw;
  const c = q.scale.length > 1 ? Math.floor(i / channelSize) % q.scale.length : 0;
  return (raw - (q.zeroPoint[c] ?? 0)) * q.scale[c];
}

export function tfliteTensorStats(m: TflModel, tensorKey: string): WeightStats {
  const sg = m.subgraphs[0];
  const keys = tensorKeys(sg.tensors);
  const idx = keys.indexOf(tensorKey);
  const t = sg.tensors[idx];
  if (!t || !t.data) throw new ModelError(`${tensorKey} is not a constant of this model`);
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const readers: Partial<Record<string, [number, (o: number) => number]>> = {
    FLOAT32: [4, (o) => dv.getFloat32(o, true)], FLOAT16: [2, (o) => halfToFloat(dv.getUint16(o, true))],
    BFLOAT16: [2, (o) => bfloat16ToFloat(dv.getUint16(o, true))], FLOAT64: [8, (o) => dv.getFloat64(o, true)],
    INT8: [1, (o) => dv.getInt8(o)], UINT8: [1, (o) => dv.getUint8(o)], INT16: [2, (o) => dv.getInt16(o, true)],
    UINT16: [2, (o) => dv.getUint16(o, true)], INT32: [4, (o) => dv.getInt32(o, true)],
    UINT32: [4, (o) => dv.getUint32(o, true)], INT64: [8, (o) => Number(dv.getBigInt64(o, true))],
  };
  const r = readers[t.type];
  if (!r) throw new ModelError(`${tensorKey} has type ${t.type}: no numeric statistics`);
  const [size, read] = r;
  const count = Math.floor(t.data.byteLength / size);
  const axis = t.quantization?.quantizedDimension ?? 0;
  const channelSize = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return statsOf(tensorKey, t.type.toLowerCase(), [...t.shape], count, (i) => dequantize(t, read(i * size), i, channelSize));
}
