// Seeded values for the self-check's token inputs. Integers are seeded 0, which a text-to-speech model (Piper / VITS)
// reads as a text of length 0: every phoneme masked, a frame count of 1, the decoder run on one frame. When a model
// takes token ids [B, T] (read as indices into a constant table) beside sequence lengths [B], the self-check feeds
// seeded ids in the table's range and lengths equal to the padded length T, as a real text would: the predicted
// durations, and the run-time frame count after a length regulator, are then those of a real input; its float settings
// (a few scalars: length / noise scales, speed) are 1. A speech model's features [B, T, F] beside their lengths [B]
// (named after them: speech / speech_lengths, x / x_lens) get lengths T too: Paraformer's CIF fires a token each time
// the alphas it sums over the unmasked frames cross an integer, and fed length 0 it fires none (an empty token count
// that onnxruntime itself cannot run). Ids with no length beside them whose padding mask the model makes itself (an
// EQUAL / NOT_EQUAL of the ids and a constant pad id: DeepPhonemizer's `text == 0`) are seeded in range too, never the
// pad id: all-zero ids are all padding, a softmax over no key, NaN in onnxruntime.
import type { TflModel, TflOperator, TflTensor } from '../tflite/model';
import { consumersOf } from '../tflite/graph';
import { valuesFromBytes } from '../ir/tensor';
import type { DType } from '../ir/types';
import { seededUniform } from './random';
import type { IoTensor } from '../deploy/tensors';
import { lengthThroughArithmetic } from './verify-lengths';
import { textSeeds } from './verify-text-seeds';
import { adjacencySeeds } from './verify-graph-seeds';
import { maskSeeds } from './verify-mask-seeds';
import { sizeSeeds } from './verify-size-seeds';

const INTEGER = new Set(['int32', 'int64', 'uint8', 'int8', 'int16', 'uint16', 'uint32', 'uint64']);

/** An input's ONNX name, and whether its ONNX type is an integer. */
export const onnxName = (io: IoTensor): string => io.mapping?.onnx ?? io.name;
export const isInteger = (io: IoTensor): boolean => INTEGER.has(io.mapping?.onnxDtype ?? io.dtype);
/** An input's dims in ONNX order (the .tflite's moved back by its layout mapping). */
export function onnxDims(io: IoTensor): number[] {
  const perm = io.mapping?.perm ?? io.shape.map((_, i) => i);
  const dims = new Array<number>(io.shape.length);
  perm.forEach((p, i) => { dims[p] = io.shape[i]!; });
  return dims;
}

const MOVES = new Set(['TRANSPOSE', 'RESHAPE', 'CAST', 'EXPAND_DIMS']);
const COMPARES = new Set(['LESS', 'LESS_EQUAL', 'GREATER', 'GREATER_EQUAL']);

/** Ops that pick parts of their first input without changing its values: a row of an edge list [2, E]
 *  (MeshGraphNet's `edge_index[0]`, a GATHER by a constant), slices, unpacked rows. */
const PICKS = new Set(['GATHER', 'STRIDED_SLICE', 'SLICE', 'UNPACK']);

/** The ops reading `input`, also through moves of it (DeepPhonemizer reads its ids transposed to [T, B]) and parts
 *  picked from it (a graph's senders and receivers, the rows of its edge list). */
export function readersThrough(model: TflModel, input: number, readers: Map<number, number[]>, depth = 0): { op: TflOperator; input: number }[] {
  const sg = model.subgraphs[0]!;
  return (readers.get(input) ?? []).flatMap((k) => {
    const op = sg.operators[k]!;
    const through = op.inputs[0] === input && depth < 3 && (MOVES.has(op.opcode)
      || (PICKS.has(op.opcode) && (op.opcode !== 'GATHER' || sg.tensors[op.inputs[1]!]?.data !== undefined)));
    return through ? op.outputs.flatMap((o) => readersThrough(model, o, readers, depth + 1)) : [{ op, input }];
  });
}

/** The table size `ids` index into (a GATHER from a constant table, or the FLOOR_MOD by a constant that wraps
 *  negative ids before it), or undefined when the input is not read that way. */
export function tableSize(model: TflModel, ids: number, readers: Map<number, number[]>): number | undefined {
  const sg = model.subgraphs[0]!;
  for (const { op, input } of readersThrough(model, ids, readers)) {
    const other = (i: number): TflTensor | undefined => (op.inputs[i]! >= 0 ? sg.tensors[op.inputs[i]!] : undefined);
    if (op.opcode === 'GATHER' && op.inputs[1] === input && other(0)?.data) {
      const axis = Number(op.options?.axis ?? 0);
      return other(0)!.shape[axis < 0 ? axis + other(0)!.shape.length : axis];
    }
    if (op.opcode === 'FLOOR_MOD' && op.inputs[0] === input && other(1)?.data && other(1)!.shape.length === 0) {
      const type = other(1)!.type.toLowerCase() as DType;
      return INTEGER.has(type) ? Number(valuesFromBytes(type, other(1)!.data!, 1)[0]) : undefined;
    }
  }
  return undefined;
}

/** The pad id the model compares `ids` with to make its own padding mask, or undefined. */
export function padId(model: TflModel, ids: number, readers: Map<number, number[]>): number | undefined {
  const sg = model.subgraphs[0]!;
  for (const { op, input } of readersThrough(model, ids, readers)) {
    if (op.opcode !== 'EQUAL' && op.opcode !== 'NOT_EQUAL') continue;
    const other = sg.tensors[op.inputs[op.inputs[0] === input ? 1 : 0]!];
    if (other?.data && other.shape.reduce((a, b) => a * b, 1) === 1) {
      const type = other.type.toLowerCase() as DType;
      if (INTEGER.has(type)) return Number(valuesFromBytes(type, other.data, 1)[0]);
    }
  }
  return undefined;
}

/** The padded length T a length input is compared with to make its mask (`arange(T) < lengths[:, None]`: a LESS /
 *  GREATER ... of the lengths and a constant [..., T]), or undefined. */
function maskedLength(model: TflModel, lengths: number, readers: Map<number, number[]>): number | undefined {
  const sg = model.subgraphs[0]!;
  for (const { op, input } of readersThrough(model, lengths, readers)) {
    if (!COMPARES.has(op.opcode)) continue;
    const other = sg.tensors[op.inputs[op.inputs[0] === input ? 1 : 0]!];
    const t = other?.shape[other.shape.length - 1];
    if (other?.data && t !== undefined && t > 1) return t;
  }
  return undefined;
}

/** Names a length input goes by: ..._len / lengths, num_... / ..._count, and counts of n_... (NISQA's `n_wins`, the
 *  number of mel segments its attention pooling reads; seeded 0, every score -inf, NaN in onnxruntime's softmax). */
const LENGTH_NAME = /len|num|count|^n_/i;

/** Length inputs of a model without token ids (NeMo's TitaNet: `length` beside `audio_signal`; PointPillars'
 *  `voxel_num_points`, each pillar's point count, beside its [P, 32, 4] points) that make a mask: the mask's full
 *  length T. Seeded 0, every frame is masked out: a mean over none, a softmax over -inf only, NaN in
 *  onnxruntime for a model that runs fine on real lengths. A length that reaches its mask through arithmetic
 *  (DeepSpeech2's convolution output lengths) gets the float input axis's size that arithmetic carries onto T
 *  (verify-lengths.ts). */
function maskLengthSeeds(model: TflModel, inputs: IoTensor[], readers: Map<number, number[]>): Map<string, number[]> {
  const values = new Map<string, number[]>();
  const axes = [...new Set(inputs.filter((f) => /^float/.test(f.mapping?.onnxDtype ?? f.dtype)).flatMap((f) => f.shape.slice(1)))].filter((d) => d > 1);
  for (const l of inputs) {
    if (!isInteger(l) || l.shape.length !== 1 || !LENGTH_NAME.test(onnxName(l))) continue;
    const t = maskedLength(model, l.tensorIndex, readers) ?? lengthThroughArithmetic(model, l.tensorIndex, axes);
    if (t !== undefined) values.set(onnxName(l), new Array<number>(l.shape[0]!).fill(t));
  }
  return values;
}

/**
 * Values (by ONNX input name) for prepareInputs: token ids seeded in [1, table size) and each length input (rank 1,
 * named for a length, one per batch row) the ids' padded length. Empty unless the model has exactly one ids input
 * [B, T] and a length input beside it, or a padding mask it makes from the ids (then ids only, never the pad id).
 * Without ids, length inputs compared with a constant arange [T] to make a mask are seeded T. Other models keep the
 * generator's integers.
 */
export function tokenSeeds(model: TflModel, inputs: IoTensor[], seed: number): Map<string, number[]> {
  return seedPlan(model, inputs, seed).values;
}

/** What the self-check feeds an input (`--json` verification.seeds, by ONNX input name). */
export type SeedKind = 'uniform [0, 1)' | 'zeros' | 'half true' | 'ids and lengths' | 'text' | 'ids in table range' | 'adjacency 0 / 1'
  | 'mask 0 / 1' | 'image size' | 'calibration sample';

/** tokenSeeds' values, and each input's kind of seed: the stage that set it, else the generator's default for its type. */
export function seedPlan(model: TflModel, inputs: IoTensor[], seed: number): { values: Map<string, number[]>; kinds: Record<string, SeedKind> } {
  const kinds: Record<string, SeedKind> = {};
  const stage = (kind: SeedKind, values: Map<string, number[]>) => {
    for (const name of values.keys()) kinds[name] ??= kind;
    return values;
  };
  const values = stage('image size', sizeSeeds(inputs, stage('mask 0 / 1', maskSeeds(model, inputs, seed, stage('adjacency 0 / 1', adjacencySeeds(inputs, seed,
    stage('ids in table range', lookupSeeds(model, inputs, seed, stage('text', textSeeds(model, inputs, seed,
      stage('ids and lengths', idsAndLengthSeeds(model, inputs, seed))))))))))));
  for (const io of inputs) {
    const type = io.mapping?.onnxDtype ?? (io.quant ? 'float32' : io.dtype);
    kinds[onnxName(io)] ??= /^float/.test(type) ? 'uniform [0, 1)' : type === 'bool' ? 'half true' : 'zeros';
  }
  return { values, kinds };
}

/** The per-element exclusive bound of ids that `ids` index a constant table with: its size, less the constant offset
 *  an ADD puts on each column first (DeepFM-style recommenders: `x + offsets[None]` into one table for every field,
 *  so a column's ids stay within the rows left after its offset). Undefined when the input is not read that way. */
function lookupBounds(model: TflModel, io: IoTensor, readers: Map<number, number[]>): number[] | undefined {
  const count = io.shape.reduce((a, b) => a * b, 1);
  const columns = columnBounds(model, io, readers);
  if (columns) return columns;
  const direct = tableSize(model, io.tensorIndex, readers);
  if (direct !== undefined) return new Array<number>(count).fill(direct);
  const sg = model.subgraphs[0]!;
  for (const { op, input } of readersThrough(model, io.tensorIndex, readers)) {
    if (op.opcode !== 'ADD' || op.inputs.length !== 2) continue;
    const other = sg.tensors[op.inputs[op.inputs[0] === input ? 1 : 0]!];
    const type = other?.type.toLowerCase() as DType;
    if (!other?.data || !INTEGER.has(type)) continue;
    const size = tableSize(model, op.outputs[0]!, readers);
    const n = other.shape.reduce((a, b) => a * b, 1);
    const last = io.shape[io.shape.length - 1] ?? 1;
    if (size === undefined || (n !== 1 && n !== last) || other.shape.some((d, k, all) => k < all.length - 1 && d !== 1)) continue;
    const offsets = Array.from(valuesFromBytes(type, other.data, n) as ArrayLike<number | bigint>, Number);
    const bounds = Array.from({ length: count }, (_, k) => size - offsets[n === 1 ? 0 : k % last]!);
    return bounds.every((b) => b >= 1) ? bounds : undefined;
  }
  return undefined;
}

/** Per-element bounds of categorical fields [B, F] whose columns are picked one by one (`sparse[:, i]`, a GATHER of
 *  one constant index along the last axis) into a table of their own (Wukong, DeepCTR-style recommenders: one
 *  embedding per field): column k's ids stay below its own table's rows, and a column no pick reads below the smallest
 *  table. Without it every column was seeded by the first table found (Wukong: 27 into a 25-row table, onnxruntime
 *  refused the self-check's inputs, twenty-first sweep). Undefined unless some column is picked into a table. */
function columnBounds(model: TflModel, io: IoTensor, readers: Map<number, number[]>): number[] | undefined {
  const sg = model.subgraphs[0]!;
  const last = io.shape[io.shape.length - 1]!;
  if (io.shape.length !== 2 || last < 2) return undefined;
  const sizes = new Map<number, number>();
  for (const k of readers.get(io.tensorIndex) ?? []) {
    const op = sg.operators[k]!;
    const idx = sg.tensors[op.inputs[1]!];
    const axis = Number(op.options?.axis ?? 0);
    if (op.opcode !== 'GATHER' || op.inputs[0] !== io.tensorIndex || (axis !== 1 && axis !== -1) || !idx?.data) continue;
    const type = idx.type.toLowerCase() as DType;
    if (!INTEGER.has(type) || idx.shape.reduce((a, b) => a * b, 1) !== 1) continue;
    const picked = Number(valuesFromBytes(type, idx.data, 1)[0]);
    const column = picked < 0 ? picked + last : picked;
    const size = tableSize(model, op.outputs[0]!, readers);
    if (size !== undefined) sizes.set(column, Math.min(size, sizes.get(column) ?? size));
  }
  if (sizes.size === 0) return undefined;
  const smallest = Math.min(...sizes.values());
  return Array.from({ length: io.shape[0]! * last }, (_, k) => sizes.get(k % last) ?? smallest);
}

/**
 * Inputs of ids not seeded yet that index a constant table (GATHER: item histories, candidate items, categorical
 * fields, also through per-field offsets): ids seeded across each element's range (1 up, never the model's pad id,
 * where the range allows). Seeded 0 they all look up one row: a recommender's self-check compared one repeated
 * value, and its int8 calibration saw one embedding row, so the guard passed models that were wrong on real ids
 * (SASRec's scores 1.08 of max|ref| off, FiBiNET 0.46, seventeenth sweep).
 */
function lookupSeeds(model: TflModel, inputs: IoTensor[], seed: number, values: Map<string, number[]>): Map<string, number[]> {
  const readers = consumersOf(model.subgraphs[0]!.operators);
  const rnd = seededUniform(seed + 7919);
  for (const io of inputs) {
    if (!isInteger(io) || io.shape.length === 0 || io.shape.length > 2 || values.has(onnxName(io))) continue;
    const bounds = lookupBounds(model, io, readers);
    if (!bounds || bounds.every((b) => b < 2)) continue;
    const pad = padId(model, io.tensorIndex, readers);
    values.set(onnxName(io), bounds.map((size) => {
      if (size < 2) return 0;
      const id = (size > 2 ? 1 : 0) + Math.floor(rnd() * (size > 2 ? size - 1 : size));
      return id === pad ? (id + 1 < size ? id + 1 : (pad === 0 ? 1 : 0)) : id;
    }));
  }
  return values;
}

function idsAndLengthSeeds(model: TflModel, inputs: IoTensor[], seed: number): Map<string, number[]> {
  const values = new Map<string, number[]>();
  const readers = consumersOf(model.subgraphs[0]!.operators);
  const ids = inputs.filter((io) => isInteger(io) && io.shape.length === 2);
  const sized = ids.map((io) => ({ io, size: tableSize(model, io.tensorIndex, readers) })).filter((s) => (s.size ?? 0) > 1);
  if (sized.length !== 1) return featureLengths(inputs, maskLengthSeeds(model, inputs, readers));
  const { io, size } = sized[0]!;
  const [batch, padded] = io.shape;
  const lengths = inputs.filter((l) => l !== io && isInteger(l) && l.shape.length === 1
    && l.shape[0] === batch && /len/i.test(onnxName(l)));
  const pad = padId(model, io.tensorIndex, readers);
  if (lengths.length === 0 && pad === undefined) return values;
  const rnd = seededUniform(seed);
  values.set(onnxName(io), Array.from({ length: batch! * padded! }, () => {
    const id = 1 + Math.floor(rnd() * (size! - 1));
    return id === pad ? (id + 1 < size! ? id + 1 : 1) : id;
  }));
  if (lengths.length === 0) return values;
  for (const l of lengths) values.set(onnxName(l), new Array<number>(batch!).fill(padded!));
  // A TTS model's float settings beside its text (Piper's scales, FastSpeech2's d_control / speed: at most 4 values)
  // are 1, their default: a duration scale seeded in [0, 1) can round every duration to 0 frames, which LiteRT's
  // XNNPack cannot run though a real text runs fine.
  for (const f of inputs) {
    const count = f.shape.reduce((a, b) => a * b, 1);
    if (!values.has(onnxName(f)) && /^float/.test(f.mapping?.onnxDtype ?? f.dtype) && f.shape.length <= 1 && count <= 4) {
      values.set(onnxName(f), new Array<number>(count).fill(1));
    }
  }
  return values;
}

/** Lengths [B] named after a float features input [B, T, F] (`${name}_len...`): each is T, the padded length. */
function featureLengths(inputs: IoTensor[], values: Map<string, number[]>): Map<string, number[]> {
  for (const f of inputs) {
    if (!/^float/.test(f.mapping?.onnxDtype ?? f.dtype) || f.shape.length !== 3) continue;
    const [batch, padded] = f.shape;
    for (const l of inputs) {
      if (isInteger(l) && l.shape.length === 1 && l.shape[0] === batch
        && onnxName(l).toLowerCase().startsWith(`${onnxName(f).toLowerCase()}_len`)) values.set(onnxName(l), new Array<number>(batch!).fill(padded!));
    }
  }
  return values;
}
