// Parses .tflite bytes into the in-memory TflModel (model.ts); the exact inverse of writer.ts.
// The whole flatbuffer is verified first (every table, vector and string inside the file, driven by the schema's
// field list in schema_meta.ts), so a truncated or corrupt file gives one ModelError, never a crash or a huge
// allocation. Builtin options come back with every field of their table (defaults included), enum values as names.
import * as flatbuffers from 'flatbuffers';
import * as fb from '../generated/tflite/schema_generated';
import { ENUMS, TABLES, UNIONS, type FieldMeta } from '../generated/tflite/schema_meta';
import { ModelError } from '../ir/types';
import type { TflModel, TflOperator, TflOptionValue, TflQuantization, TflSignature, TflSubgraph, TflTensor, TflType } from './model';
import { optionsTableOf } from './options';

const SCALAR_BYTES: Record<string, number> = {
  bool: 1, byte: 1, ubyte: 1, short: 2, ushort: 2, int: 4, uint: 4, float: 4, long: 8, ulong: 8, double: 8,
};

/** True when the bytes carry the TFLite file identifier "TFL3" at bytes 4..8. */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}

/** Reads a .tflite. Tensor data, metadata and custom options are views into `input` (no copy: weights are the bulk
 *  of a model); copy them before changing them if `input` must stay as it is. */
export function parseTflite(input: Uint8Array): TflModel {
  if (!isTflite(input)) {
    throw new ModelError(input.length < 8 ? `not a TFLite model: only ${input.length} bytes`
      : 'not a TFLite model: the file identifier "TFL3" is missing at bytes 4..8');
  }
  const bytes = input;
  verify(bytes);
  const bb = new flatbuffers.ByteBuffer(bytes);
  const m = fb.Model.getRootAsModel(bb);
  // Every reader of a model starts at subgraph 0 (the writer never writes a model without one).
  if (m.subgraphsLength() === 0) throw new ModelError('not a usable TFLite model: it has no subgraph');

  const bufferData = (index: number): Uint8Array | undefined => {
    if (index === 0 || index >= m.buffersLength()) return undefined;
    const b = m.buffers(index)!;
    const data = b.dataArray();
    if (data && data.length > 0) return data;
    const offset = Number(b.offset());
    const size = Number(b.size());
    if (offset > 1 && size > 0) {
      if (offset + size > bytes.length) throw new ModelError(`TFLite buffer ${index} lies outside the file (truncated?)`);
      return bytes.subarray(offset, offset + size);
    }
    return undefined;
  };

  const opcodes: { opcode: string; customCode?: string; version: number }[] = [];
  for (let i = 0; i < m.operatorCodesLength(); i++) {
    const c = m.operatorCodes(i)!;
    const code = Math.max(c.builtinCode(), c.deprecatedBuiltinCode());
    const opcode = fb.BuiltinOperator[code];
    if (opcode === undefined) throw new ModelError(`TFLite operator code ${code} is unknown to this schema`);
    const custom = c.customCode();
    opcodes.push({ opcode, ...(custom !== null ? { customCode: custom } : {}), version: c.version() });
  }

  const subgraphs: TflSubgraph[] = [];
  for (let s = 0; s < m.subgraphsLength(); s++) {
    const sg = m.subgraphs(s)!;
    const tensors: TflTensor[] = [];
    for (let i = 0; i < sg.tensorsLength(); i++) tensors.push(readTensor(sg.tensors(i)!, bufferData));
    const operators: TflOperator[] = [];
    for (let i = 0; i < sg.operatorsLength(); i++) {
      const op = sg.operators(i)!;
      const code = opcodes[op.opcodeIndex()];
      if (!code) throw new ModelError(`TFLite operator ${i} of subgraph ${s} has opcode index ${op.opcodeIndex()}, but there are ${opcodes.length} operator codes`);
      operators.push(readOperator(bb, op, code, tensors.length, `operator ${i} of subgraph ${s}`));
    }
    subgraphs.push({
      name: sg.name() ?? '',
      tensors,
      operators,
      inputs: ints(sg.inputsLength(), (i) => sg.inputs(i)!),
      outputs: ints(sg.outputsLength(), (i) => sg.outputs(i)!),
    });
    for (const t of [...subgraphs[s]!.inputs, ...subgraphs[s]!.outputs]) {
      if (t < 0 || t >= tensors.length) throw new ModelError(`TFLite subgraph ${s} names tensor ${t} as input or output, but has ${tensors.length} tensors`);
    }
  }

  const metadata = new Map<string, Uint8Array>();
  for (let i = 0; i < m.metadataLength(); i++) {
    const md = m.metadata(i)!;
    metadata.set(md.name() ?? '', bufferData(md.buffer()) ?? new Uint8Array(0));
  }
  const signatures: TflSignature[] = [];
  for (let i = 0; i < m.signatureDefsLength(); i++) {
    const sd = m.signatureDefs(i)!;
    const maps = (n: number, get: (j: number) => fb.TensorMap | null) =>
      Array.from({ length: n }, (_, j) => ({ name: get(j)!.name() ?? '', tensor: get(j)!.tensorIndex() }));
    signatures.push({
      key: sd.signatureKey() ?? '',
      inputs: maps(sd.inputsLength(), (j) => sd.inputs(j)),
      outputs: maps(sd.outputsLength(), (j) => sd.outputs(j)),
      subgraph: sd.subgraphIndex(),
    });
  }
  return { version: m.version(), description: m.description() ?? '', subgraphs, metadata, signatures };
}

function ints(n: number, get: (i: number) => number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

function readTensor(t: fb.Tensor, bufferData: (i: number) => Uint8Array | undefined): TflTensor {
  const type = fb.TensorType[t.type()] as TflType | undefined;
  if (type === undefined) throw new ModelError(`TFLite tensor '${t.name()}' has unknown type ${t.type()}`);
  const out: TflTensor = { name: t.name() ?? '', type, shape: ints(t.shapeLength(), (i) => t.shape(i)!) };
  if (t.shapeSignatureLength() > 0) out.shapeSignature = ints(t.shapeSignatureLength(), (i) => t.shapeSignature(i)!);
  const data = bufferData(t.buffer());
  if (data) out.data = data;
  const q = t.quantization();
  if (q && (q.scaleLength() > 0 || q.zeroPointLength() > 0)) {
    const quant: TflQuantization = {
      scale: ints(q.scaleLength(), (i) => q.scale(i)!),
      zeroPoint: ints(q.zeroPointLength(), (i) => Number(q.zeroPoint(i)!)),
      quantizedDimension: q.quantizedDimension(),
    };
    if (q.minLength() > 0) quant.min = ints(q.minLength(), (i) => q.min(i)!);
    if (q.maxLength() > 0) quant.max = ints(q.maxLength(), (i) => q.max(i)!);
    out.quantization = quant;
  }
  if (t.isVariable()) out.isVariable = true;
  return out;
}

function readOperator(bb: flatbuffers.ByteBuffer, op: fb.Operator, code: { opcode: string; customCode?: string; version: number },
  tensorCount: number, what: string): TflOperator {
  const out: TflOperator = {
    opcode: code.opcode,
    version: code.version,
    ...(code.customCode !== undefined ? { customCode: code.customCode } : {}),
    inputs: ints(op.inputsLength(), (i) => op.inputs(i)!),
    outputs: ints(op.outputsLength(), (i) => op.outputs(i)!),
  };
  for (const t of [...out.inputs, ...out.outputs]) {
    if (t < -1 || t >= tensorCount) throw new ModelError(`TFLite ${what} (${code.opcode}) refers to tensor ${t}, but there are ${tensorCount} tensors`);
  }
  const expected = optionsTableOf(code.opcode);
  let table: string | undefined;
  let pos = -1;
  const t1 = op.builtinOptionsType();
  const t2 = op.builtinOptions2Type();
  if (t1 !== 0 && UNIONS.BuiltinOptions![t1 - 1]) {
    table = UNIONS.BuiltinOptions![t1 - 1];
    pos = (op.builtinOptions({ bb: bb, bb_pos: 0 }) as flatbuffers.Table).bb_pos;
  } else if (t2 !== 0 && UNIONS.BuiltinOptions2![t2 - 1]) {
    table = UNIONS.BuiltinOptions2![t2 - 1];
    pos = (op.builtinOptions2({ bb: bb, bb_pos: 0 }) as flatbuffers.Table).bb_pos;
  } else table = expected;
  if (table !== undefined) {
    out.options = readOptions(bb, pos, TABLES[table]!);
    if (table !== expected) out.optionsTable = table;
  }
  const custom = op.customOptionsArray();
  if (custom && custom.length > 0) out.customOptions = custom;
  return out;
}

/** Decodes an options table generically; pos < 0 means absent (all defaults). */
function readOptions(bb: flatbuffers.ByteBuffer, pos: number, fields: FieldMeta[]): Record<string, TflOptionValue> {
  const out: Record<string, TflOptionValue> = {};
  for (const f of fields) {
    if (f.deprecated) continue;
    const off = pos < 0 ? 0 : bb.__offset(pos, 4 + 2 * f.slot);
    if (f.kind === 'scalar') {
      const v = off ? readScalar(bb, pos + off, f.type) : Number(f.default);
      const name = f.enum ? ENUMS[f.enum]!.values.find(([n]) => n === v)?.[1] : undefined;
      out[f.name] = f.type === 'bool' ? v !== 0 : name ?? v;
    } else if (f.kind === 'string') {
      if (off) out[f.name] = bb.__string(pos + off) as string;
    } else if (f.kind === 'vector' && f.elem !== 'string' && f.elem !== 'table') {
      if (!off) continue;
      const start = bb.__vector(pos + off);
      const size = SCALAR_BYTES[f.elem]!;
      out[f.name] = ints(bb.__vector_len(pos + off), (i) => readScalar(bb, start + i * size, f.elem));
    }
  }
  return out;
}

function readScalar(bb: flatbuffers.ByteBuffer, at: number, type: string): number {
  switch (type) {
    case 'bool': case 'ubyte': return bb.readUint8(at);
    case 'byte': return bb.readInt8(at);
    case 'short': return bb.readInt16(at);
    case 'ushort': return bb.readUint16(at);
    case 'int': return bb.readInt32(at);
    case 'uint': return bb.readUint32(at);
    case 'long': return Number(bb.readInt64(at));
    case 'ulong': return Number(bb.readUint64(at));
    case 'float': return bb.readFloat32(at);
    default: return bb.readFloat64(at);
  }
}

/** Checks that every table, vector and string reachable from the root lies inside the bytes. */
function verify(bytes: Uint8Array): void {
  const len = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let budget = Math.max(1000, len / 4); // tables visited; bounds the work on files that share objects heavily
  const fail = (why: string): never => {
    throw new ModelError(`corrupt or truncated TFLite file (${len} bytes): ${why}`);
  };
  const u32 = (at: number, what: string): number => {
    if (at < 0 || at + 4 > len) fail(`${what} at byte ${at} is past the end`);
    return view.getUint32(at, true);
  };
  const target = (at: number, what: string): number => {
    const t = at + u32(at, what);
    if (t + 4 > len) fail(`${what} points past the end`);
    return t;
  };
  const table = (pos: number, name: string): void => {
    if (--budget < 0) fail('too many objects');
    const vt = pos - view.getInt32(pos, true);
    if (vt < 0 || vt + 4 > len) fail(`${name} table at byte ${pos} has its vtable outside the file`);
    const vtLen = view.getUint16(vt, true);
    const objLen = view.getUint16(vt + 2, true);
    if (vtLen < 4 || vtLen % 2 !== 0 || vt + vtLen > len || pos + objLen > len) fail(`${name} table at byte ${pos} is malformed`);
    const fields = TABLES[name]!;
    const fieldOffset = (slot: number): number => {
      const vo = 4 + 2 * slot;
      return vo + 2 <= vtLen ? view.getUint16(vt + vo, true) : 0;
    };
    for (const f of fields) {
      const off = fieldOffset(f.slot);
      if (!off) continue;
      const at = pos + off;
      const what = `${name}.${f.name}`;
      if (f.kind === 'scalar') {
        if (off + SCALAR_BYTES[f.type]! > objLen) fail(`${what} lies outside its table`);
        continue;
      }
      if (off + 4 > objLen) fail(`${what} lies outside its table`);
      const t = target(at, what);
      if (f.kind === 'string') {
        if (t + 4 + u32(t, what) + 1 > len) fail(`string ${what} runs past the end`);
      } else if (f.kind === 'table') {
        table(t, f.table);
      } else if (f.kind === 'union') {
        const typeOff = fieldOffset(f.slot - 1);
        const type = typeOff ? bytes[pos + typeOff]! : 0;
        const member = type > 0 ? UNIONS[f.union]![type - 1] : undefined;
        if (member) table(t, member);
      } else {
        const n = u32(t, what);
        const size = f.elem === 'string' || f.elem === 'table' ? 4 : SCALAR_BYTES[f.elem]!;
        if (t + 4 + n * size > len) fail(`vector ${what} of ${n} elements runs past the end`);
        for (let i = 0; i < n && (f.elem === 'table' || f.elem === 'string'); i++) {
          const e = target(t + 4 + 4 * i, what);
          if (f.elem === 'table') table(e, f.table!);
          else if (e + 4 + u32(e, what) + 1 > len) fail(`string in ${what} runs past the end`);
        }
      }
    }
  };
  const root = u32(0, 'root offset');
  if (root + 4 > len) fail('root table offset points past the end');
  table(root, 'Model');
}
