// Serializes the in-memory TflModel (model.ts) to .tflite bytes (TFLite flatbuffer, schema version 3, "TFL3").
// Buffer 0 is the empty sentinel; each constant tensor and each metadata entry gets its own buffer, 16-byte aligned.
// Builtin options are encoded generically from the schema's field list (schema_meta.ts), so every options table of
// the schema works with camelCase field names and enum values given by name.
import * as flatbuffers from 'flatbuffers';
import * as fb from '../generated/tflite/schema_generated';
import { ENUMS, TABLES, UNIONS, type FieldMeta } from '../generated/tflite/schema_meta';
import { ModelError } from '../ir/types';
import type { TflModel, TflOperator, TflOptionValue, TflQuantization, TflSubgraph, TflTensor, TflType } from './model';
import { optionsTableOf } from './options';
import { SharedBuffers, SharedOffsets } from './write-shared';

/** Largest model a flatbuffer can hold (offsets are signed 32-bit). */
const MAX_BYTES = 2 ** 31 - 1;
/** Bytes per element of the fixed-size tensor types (checked against constant data). */
const ELEMENT_BYTES: Partial<Record<TflType, number>> = {
  FLOAT32: 4, FLOAT16: 2, INT32: 4, UINT8: 1, INT64: 8, BOOL: 1, INT16: 2, COMPLEX64: 8, INT8: 1, FLOAT64: 8,
  COMPLEX128: 16, UINT64: 8, UINT32: 4, UINT16: 2, BFLOAT16: 2, FLOAT8_E4M3FN: 1, FLOAT8_E5M2: 1,
};

/** Builder internals used to copy large byte vectors in one call (same as Builder.createByteVector, but aligned). */
interface BuilderInternals { bb: flatbuffers.ByteBuffer; space: number }

function enumValue(enumName: string, name: string): number | undefined {
  return ENUMS[enumName]?.values.find(([, n]) => n === name)?.[0];
}

export function serializeTflite(model: TflModel): Uint8Array {
  try {
    return serialize(model);
  } catch (e) {
    // flatbuffers' Builder refuses to grow past 2 GB.
    if (e instanceof Error && !(e instanceof ModelError) && /2 gigabytes/.test(e.message)) {
      throw new ModelError('model is over 2 GB: a .tflite file holds at most 2 GB');
    }
    throw e;
  }
}

function serialize(model: TflModel): Uint8Array {
  if (model.subgraphs.length === 0) throw new ModelError('TFLite model has no subgraph');
  let dataBytes = 0;
  for (const sg of model.subgraphs) for (const t of sg.tensors) dataBytes += t.data?.length ?? 0;
  for (const v of model.metadata.values()) dataBytes += v.length;
  if (dataBytes > MAX_BYTES - 1024) {
    throw new ModelError(`model weights are ${(dataBytes / 2 ** 30).toFixed(2)} GB: a .tflite file holds at most 2 GB`);
  }
  // flatbuffers' Builder cannot grow past 1 GB, so start with room for everything (weights + ~1 KB per tensor/op).
  let objects = model.metadata.size;
  for (const sg of model.subgraphs) objects += sg.tensors.length + sg.operators.length;
  const builder = new flatbuffers.Builder(Math.min(MAX_BYTES, dataBytes + 1024 * objects + 65536));

  // Buffers: 0 is the empty sentinel, then constant tensors in subgraph/tensor order, then metadata.
  // Equal constants share a buffer (write-shared.ts); variables and metadata keep their own.
  const shared = new SharedBuffers();
  const tensorBuffers = model.subgraphs.map((sg) => sg.tensors.map((t) => (t.data === undefined ? 0
    : shared.add(t.data, !t.isVariable))));
  const metadataEntries = [...model.metadata].map(([name, bytes]) => ({ name, buffer: shared.add(bytes, false) }));
  const bufferData = shared.data;
  const buffers = bufferData.map((data) => {
    const dataOffset = data === undefined ? 0 : alignedBytes(builder, data, 16);
    fb.Buffer.startBuffer(builder);
    if (dataOffset) fb.Buffer.addData(builder, dataOffset);
    return fb.Buffer.endBuffer(builder);
  });

  // Operator codes, shared by all subgraphs.
  const codeIndex = new Map<string, number>();
  const codes: TflOperator[] = [];
  const opcodeIndexOf = (op: TflOperator): number => {
    const key = `${op.opcode}\0${op.customCode ?? ''}\0${op.version ?? 1}`;
    let i = codeIndex.get(key);
    if (i === undefined) { i = codes.length; codes.push(op); codeIndex.set(key, i); }
    return i;
  };
  const subgraphs = model.subgraphs.map((sg, si) => writeSubgraph(builder, sg, si, tensorBuffers[si]!, opcodeIndexOf));
  const codeOffsets = codes.map((op) => writeOperatorCode(builder, op));

  const metadata = metadataEntries.map(({ name, buffer }) => {
    const n = builder.createString(name);
    fb.Metadata.startMetadata(builder);
    fb.Metadata.addName(builder, n);
    fb.Metadata.addBuffer(builder, buffer);
    return fb.Metadata.endMetadata(builder);
  });
  const signatures = writeSignatures(builder, model);

  const description = builder.createString(model.description ?? '');
  const codesVec = fb.Model.createOperatorCodesVector(builder, codeOffsets);
  const subgraphsVec = fb.Model.createSubgraphsVector(builder, subgraphs);
  const buffersVec = fb.Model.createBuffersVector(builder, buffers);
  const metadataVec = fb.Model.createMetadataVector(builder, metadata);
  const signaturesVec = fb.Model.createSignatureDefsVector(builder, signatures);
  fb.Model.startModel(builder);
  fb.Model.addVersion(builder, model.version || 3);
  fb.Model.addOperatorCodes(builder, codesVec);
  fb.Model.addSubgraphs(builder, subgraphsVec);
  fb.Model.addDescription(builder, description);
  fb.Model.addBuffers(builder, buffersVec);
  fb.Model.addMetadata(builder, metadataVec);
  fb.Model.addSignatureDefs(builder, signaturesVec);
  fb.Model.finishModelBuffer(builder, fb.Model.endModel(builder));
  const bytes = builder.asUint8Array();
  if (bytes.length > MAX_BYTES) throw new ModelError('model is over 2 GB: a .tflite file holds at most 2 GB');
  return bytes;
}

/** A [ubyte] vector whose first byte is `alignment`-aligned in the finished file. */
function alignedBytes(builder: flatbuffers.Builder, data: Uint8Array, alignment: number): flatbuffers.Offset {
  builder.startVector(1, data.length, alignment);
  const b = builder as unknown as BuilderInternals;
  b.space -= data.length;
  b.bb.setPosition(b.space);
  b.bb.bytes().set(data, b.space);
  return builder.endVector();
}

function writeOperatorCode(builder: flatbuffers.Builder, op: TflOperator): flatbuffers.Offset {
  const code = fb.BuiltinOperator[op.opcode as keyof typeof fb.BuiltinOperator];
  if (code === undefined) throw new ModelError(`unknown TFLite operator '${op.opcode}'`);
  if (op.opcode === 'CUSTOM' && !op.customCode) throw new ModelError('a CUSTOM operator needs a customCode');
  const custom = op.customCode ? builder.createString(op.customCode) : 0;
  fb.OperatorCode.startOperatorCode(builder);
  fb.OperatorCode.addDeprecatedBuiltinCode(builder, Math.min(code, fb.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES));
  if (custom) fb.OperatorCode.addCustomCode(builder, custom);
  fb.OperatorCode.addVersion(builder, op.version ?? 1);
  fb.OperatorCode.addBuiltinCode(builder, code);
  return fb.OperatorCode.endOperatorCode(builder);
}

function writeSubgraph(builder: flatbuffers.Builder, sg: TflSubgraph, si: number, buffers: number[],
  opcodeIndexOf: (op: TflOperator) => number): flatbuffers.Offset {
  const n = sg.tensors.length;
  const where = `subgraph ${si} ('${sg.name}')`;
  const checkIndex = (i: number, what: string, optional: boolean): void => {
    if (!Number.isInteger(i) || i >= n || (i < 0 && !(optional && i === -1))) {
      throw new ModelError(`${where}: ${what} refers to tensor ${i}, but there are ${n} tensors`);
    }
  };
  sg.inputs.forEach((i) => checkIndex(i, 'an input', false));
  sg.outputs.forEach((i) => checkIndex(i, 'an output', false));
  const tensors = sg.tensors.map((t, ti) => writeTensor(builder, t, buffers[ti]!, `${where}: tensor ${ti} ('${t.name}')`));
  const operators = sg.operators.map((op, oi) => {
    const what = `${where}: operator ${oi} (${op.opcode})`;
    op.inputs.forEach((i) => checkIndex(i, `${what} input`, true));
    op.outputs.forEach((i) => checkIndex(i, `${what} output`, false));
    return writeOperator(builder, op, opcodeIndexOf(op), what);
  });
  const tensorsVec = fb.SubGraph.createTensorsVector(builder, tensors);
  const inputsVec = fb.SubGraph.createInputsVector(builder, sg.inputs);
  const outputsVec = fb.SubGraph.createOutputsVector(builder, sg.outputs);
  const operatorsVec = fb.SubGraph.createOperatorsVector(builder, operators);
  const name = builder.createString(sg.name ?? '');
  fb.SubGraph.startSubGraph(builder);
  fb.SubGraph.addTensors(builder, tensorsVec);
  fb.SubGraph.addInputs(builder, inputsVec);
  fb.SubGraph.addOutputs(builder, outputsVec);
  fb.SubGraph.addOperators(builder, operatorsVec);
  fb.SubGraph.addName(builder, name);
  return fb.SubGraph.endSubGraph(builder);
}

const INT32_MAX = 2147483647;
/** Largest tensor written: over it, no device running LiteRT allocates the model's tensors. */
const MAX_TENSOR_BYTES = 2 ** 32;
/** Per-builder shared shape vectors and options tables (write-shared.ts). */
const sharedOffsets = new WeakMap<flatbuffers.Builder, SharedOffsets>();
function sharedOf(builder: flatbuffers.Builder): SharedOffsets {
  let s = sharedOffsets.get(builder);
  if (!s) { s = new SharedOffsets(); sharedOffsets.set(builder, s); }
  return s;
}

function writeTensor(builder: flatbuffers.Builder, t: TflTensor, buffer: number, what: string): flatbuffers.Offset {
  const type = fb.TensorType[t.type as keyof typeof fb.TensorType];
  if (type === undefined) throw new ModelError(`${what}: unknown tensor type '${t.type}'`);
  if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ModelError(`${what}: shape [${t.shape.join(', ')}] must be non-negative integers (use shapeSignature for -1)`);
  }
  if (t.shape.some((d) => d > INT32_MAX)) {
    throw new ModelError(`${what}: shape [${t.shape.join(', ')}] has a dim over ${INT32_MAX}; TFLite stores dims as 32-bit integers`);
  }
  const width = ELEMENT_BYTES[t.type];
  // A declared shape of 2^40 elements converts op for op, but no runtime can allocate it (LiteRT.js's heap is 2 GiB).
  const bytes = t.shape.reduce((a, b) => a * b, 1) * (width ?? 1);
  if (bytes > MAX_TENSOR_BYTES) {
    throw new ModelError(`${what}: shape [${t.shape.join(', ')}] of ${t.type} is ${Math.round(bytes / 2 ** 30)} GiB, more than a device can allocate (at most 4 GiB a tensor); give the inputs their real dims (--input-shape)`);
  }
  if (t.data !== undefined && width !== undefined) {
    const expected = t.shape.reduce((a, b) => a * b, 1) * width;
    if (t.data.length !== expected) {
      throw new ModelError(`${what}: ${t.data.length} bytes of data for ${t.type} [${t.shape.join(', ')}] (expected ${expected})`);
    }
  }
  const dims = sharedOf(builder);
  const shape = dims.get(`s${t.shape.join(',')}`, () => fb.Tensor.createShapeVector(builder, t.shape));
  const sig = t.shapeSignature;
  const signature = sig ? dims.get(`s${sig.join(',')}`, () => fb.Tensor.createShapeSignatureVector(builder, sig)) : 0;
  const name = builder.createString(t.name);
  let quant = 0;
  if (t.quantization) quant = quantizationOffset(builder, t.quantization);
  // The 4-byte fields first, then the 1-byte ones next to each other: one padded word for type and has_rank (each
  // alone costs a word; 4 bytes a tensor).
  fb.Tensor.startTensor(builder);
  fb.Tensor.addShape(builder, shape);
  fb.Tensor.addBuffer(builder, buffer);
  fb.Tensor.addName(builder, name);
  if (quant) fb.Tensor.addQuantization(builder, quant);
  if (signature) fb.Tensor.addShapeSignature(builder, signature);
  fb.Tensor.addType(builder, type);
  if (t.isVariable) fb.Tensor.addIsVariable(builder, true);
  fb.Tensor.addHasRank(builder, true);
  return fb.Tensor.endTensor(builder);
}

function writeOperator(builder: flatbuffers.Builder, op: TflOperator, opcodeIndex: number, what: string): flatbuffers.Offset {
  if (fb.BuiltinOperator[op.opcode as keyof typeof fb.BuiltinOperator] === undefined) {
    throw new ModelError(`${what}: unknown TFLite operator '${op.opcode}'`);
  }
  const table = op.optionsTable ?? optionsTableOf(op.opcode);
  if (op.options && Object.keys(op.options).length > 0 && table === undefined) {
    throw new ModelError(`${what}: ${op.opcode} takes no builtin options, got ${Object.keys(op.options).join(', ')}`);
  }
  let unionName: 'BuiltinOptions' | 'BuiltinOptions2' | undefined;
  let unionType = 0;
  let options = 0;
  if (table !== undefined) {
    for (const u of ['BuiltinOptions', 'BuiltinOptions2'] as const) {
      const i = UNIONS[u]!.indexOf(table);
      if (i >= 0) { unionName = u; unionType = i + 1; }
    }
    if (!unionName) throw new ModelError(`${what}: unknown options table '${table}'`);
    const values = op.options ?? {};
    options = sharedOf(builder).get(`o${table}${JSON.stringify(values)}`, () => writeOptions(builder, table, values, what));
  }
  const inputs = fb.Operator.createInputsVector(builder, op.inputs);
  const outputs = fb.Operator.createOutputsVector(builder, op.outputs);
  const custom = op.customOptions ? fb.Operator.createCustomOptionsVector(builder, op.customOptions) : 0;
  fb.Operator.startOperator(builder);
  fb.Operator.addOpcodeIndex(builder, opcodeIndex);
  fb.Operator.addInputs(builder, inputs);
  fb.Operator.addOutputs(builder, outputs);
  if (unionName === 'BuiltinOptions') {
    fb.Operator.addBuiltinOptionsType(builder, unionType);
    fb.Operator.addBuiltinOptions(builder, options);
  } else if (unionName === 'BuiltinOptions2') {
    fb.Operator.addBuiltinOptions2Type(builder, unionType);
    fb.Operator.addBuiltinOptions2(builder, options);
  }
  if (custom) fb.Operator.addCustomOptions(builder, custom);
  return fb.Operator.endOperator(builder);
}

/** Encodes an options table generically from its schema fields. */
function writeOptions(builder: flatbuffers.Builder, table: string, values: Record<string, TflOptionValue>,
  what: string): flatbuffers.Offset {
  const fields = TABLES[table]!;
  const byName = new Map(fields.filter((f) => !f.deprecated).map((f) => [f.name, f]));
  for (const key of Object.keys(values)) {
    if (!byName.has(key)) {
      const known = [...byName.keys()].join(', ') || 'none';
      throw new ModelError(`${what}: ${table} has no field '${key}' (fields: ${known})`);
    }
  }
  // Vectors and strings are written before the table starts.
  const offsets = new Map<FieldMeta, number>();
  for (const f of byName.values()) {
    const v = values[f.name];
    if (v === undefined) continue;
    if (f.kind === 'string') {
      if (typeof v !== 'string') throw new ModelError(`${what}: ${table}.${f.name} must be a string`);
      offsets.set(f, builder.createString(v));
    } else if (f.kind === 'vector') {
      if (!Array.isArray(v) || f.elem === 'string' || f.elem === 'table') {
        throw new ModelError(`${what}: ${table}.${f.name} must be an array of numbers`);
      }
      offsets.set(f, scalarVector(builder, f.elem, v));
    } else if (f.kind !== 'scalar') {
      throw new ModelError(`${what}: ${table}.${f.name} is not supported by the writer`);
    }
  }
  builder.startObject(fields.length === 0 ? 0 : Math.max(...fields.map((f) => f.slot)) + 1);
  for (const f of byName.values()) {
    const v = values[f.name];
    if (v === undefined) continue;
    const off = offsets.get(f);
    if (off !== undefined) { builder.addFieldOffset(f.slot, off, 0); continue; }
    if (f.kind !== 'scalar') continue;
    let num: number;
    if (typeof v === 'string' && f.enum) {
      const e = enumValue(f.enum, v);
      if (e === undefined) {
        const names = ENUMS[f.enum]!.values.map(([, n]) => n).join(', ');
        throw new ModelError(`${what}: ${table}.${f.name} = '${v}' is not a ${f.enum} (${names})`);
      }
      num = e;
    } else if (typeof v === 'boolean' || typeof v === 'number') num = Number(v);
    else throw new ModelError(`${what}: ${table}.${f.name} must be a ${f.enum ? f.enum + ' name' : f.type}`);
    addScalarField(builder, f.slot, f.type, num, Number(f.default));
  }
  return builder.endObject();
}

function addScalarField(builder: flatbuffers.Builder, slot: number, type: string, v: number, def: number): void {
  switch (type) {
    case 'bool': case 'byte': case 'ubyte': builder.addFieldInt8(slot, v, def); break;
    case 'short': case 'ushort': builder.addFieldInt16(slot, v, def); break;
    case 'int': case 'uint': builder.addFieldInt32(slot, v, def); break;
    case 'long': case 'ulong': builder.addFieldInt64(slot, BigInt(Math.trunc(v)), BigInt(Math.trunc(def))); break;
    case 'float': builder.addFieldFloat32(slot, v, def); break;
    default: builder.addFieldFloat64(slot, v, def);
  }
}

function scalarVector(builder: flatbuffers.Builder, elem: string, values: number[]): flatbuffers.Offset {
  const size = elem === 'bool' || elem === 'byte' || elem === 'ubyte' ? 1 : elem === 'short' || elem === 'ushort' ? 2
    : elem === 'long' || elem === 'ulong' || elem === 'double' ? 8 : 4;
  builder.startVector(size, values.length, size);
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]!;
    if (size === 1) builder.addInt8(v);
    else if (size === 2) builder.addInt16(v);
    else if (elem === 'float') builder.addFloat32(v);
    else if (size === 4) builder.addInt32(v);
    else if (elem === 'double') builder.addFloat64(v);
    else builder.addInt64(BigInt(Math.trunc(v)));
  }
  return builder.endVector();
}

function writeSignatures(builder: flatbuffers.Builder, model: TflModel): flatbuffers.Offset[] {
  let sigs = model.signatures;
  if (!sigs) {
    const sg = model.subgraphs[0]!;
    const unique = (idx: number[]) => {
      const seen = new Set<string>();
      return idx.map((i) => {
        let name = sg.tensors[i]!.name || `tensor_${i}`;
        if (seen.has(name)) name = `${name}_${i}`;
        seen.add(name);
        return { name, tensor: i };
      });
    };
    sigs = [{ key: 'serving_default', inputs: unique(sg.inputs), outputs: unique(sg.outputs) }];
  }
  const maps = (list: { name: string; tensor: number }[]) => list.map(({ name, tensor }) => {
    const n = builder.createString(name);
    fb.TensorMap.startTensorMap(builder);
    fb.TensorMap.addName(builder, n);
    fb.TensorMap.addTensorIndex(builder, tensor);
    return fb.TensorMap.endTensorMap(builder);
  });
  return sigs.map((s) => {
    const inputs = fb.SignatureDef.createInputsVector(builder, maps(s.inputs));
    const outputs = fb.SignatureDef.createOutputsVector(builder, maps(s.outputs));
    const key = builder.createString(s.key);
    fb.SignatureDef.startSignatureDef(builder);
    fb.SignatureDef.addInputs(builder, inputs);
    fb.SignatureDef.addOutputs(builder, outputs);
    fb.SignatureDef.addSignatureKey(builder, key);
    fb.SignatureDef.addSubgraphIndex(builder, s.subgraph ?? 0);
    return fb.SignatureDef.endSignatureDef(builder);
  });
}

/** Per-builder caches: identical quantization tables (activations sharing a scale) and zero-point vectors (every
 *  per-channel weight and bias has an all-zero one, 8 bytes a channel) are written once and shared by offset. */
const quantCache = new WeakMap<flatbuffers.Builder, { tables: Map<string, flatbuffers.Offset>; zeros: Map<string, flatbuffers.Offset> }>();

function quantizationOffset(builder: flatbuffers.Builder, q: TflQuantization): flatbuffers.Offset {
  let cache = quantCache.get(builder);
  if (!cache) { cache = { tables: new Map(), zeros: new Map() }; quantCache.set(builder, cache); }
  const key = JSON.stringify([q.scale, q.zeroPoint, q.min, q.max, q.quantizedDimension ?? 0]);
  const have = cache.tables.get(key);
  if (have !== undefined) return have;
  const scale = fb.QuantizationParameters.createScaleVector(builder, q.scale);
  const zKey = q.zeroPoint.join(',');
  let zero = cache.zeros.get(zKey);
  if (zero === undefined) {
    zero = fb.QuantizationParameters.createZeroPointVector(builder, q.zeroPoint.map((z) => BigInt(z)));
    cache.zeros.set(zKey, zero);
  }
  const min = q.min ? fb.QuantizationParameters.createMinVector(builder, q.min) : 0;
  const max = q.max ? fb.QuantizationParameters.createMaxVector(builder, q.max) : 0;
  fb.QuantizationParameters.startQuantizationParameters(builder);
  if (min) fb.QuantizationParameters.addMin(builder, min);
  if (max) fb.QuantizationParameters.addMax(builder, max);
  fb.QuantizationParameters.addScale(builder, scale);
  fb.QuantizationParameters.addZeroPoint(builder, zero);
  fb.QuantizationParameters.addQuantizedDimension(builder, q.quantizedDimension ?? 0);
  const quant = fb.QuantizationParameters.endQuantizationParameters(builder);
  cache.tables.set(key, quant);
  return quant;
}
