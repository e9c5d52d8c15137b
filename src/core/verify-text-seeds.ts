// Seeds for a text model's integer attention mask (optimum / transformers.js exports: `attention_mask` [B, T] int64
// beside `input_ids`). The generator's integers are 0: a mask of 0 masks every token, and a model that multiplies its
// embeddings by the mask (DeBERTa) or mean-pools over it (sentence-transformers, ModernBERT, jina) then gives the same
// output for any input, so the self-check compared a constant. A real batch is what it gets instead: every row 1,
// the last row of a batch right-padded over its last third (position 0 stays 1, so no query of a causal decoder with
// its past is left without a key). The ids beside such a mask are seeded in their table's range (never the pad id).
// Integer inputs named for positions (`position_ids` [B, T], a static KV cache's `cache_position` [T]) count 0, 1, ...
// along their last axis: seeded 0, a cache written by index_copy_ at cache_position (transformers' StaticCache) got
// every new key at one slot, where LiteRT's SCATTER_ND sums repeated indices and onnxruntime keeps one, and the
// self-check refused a model that runs right on any real positions.
import type { TflModel } from '../tflite/model';
import { consumersOf } from '../tflite/graph';
import type { IoTensor } from '../deploy/tensors';
import { seededUniform } from './random';
import { isInteger, onnxName, padId, tableSize } from './verify-seeds';

/** A padded batch's mask [B, T]: 1, the last row (B > 1) 0 over its last floor(T / 3) positions. */
export function paddedBatchMask(batch: number, length: number): number[] {
  const values = new Array<number>(batch * length).fill(1);
  if (batch > 1) for (let j = length - Math.floor(length / 3); j < length; j++) values[(batch - 1) * length + j] = 0;
  return values;
}

/** 0, 1, ... along the last axis of `dims`. */
export function countingPositions(dims: readonly number[]): number[] {
  const last = dims.length ? dims[dims.length - 1]! : 1;
  return Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i % last);
}

/** `values` with seeds added for integer inputs named for positions (rank 1 or 2), for integer inputs [B, T] named
 *  for a mask (not a padding mask) and for the ids [B, T'] read from a table beside such a mask (values already set
 *  are kept). */
export function textSeeds(model: TflModel, inputs: IoTensor[], seed: number, values: Map<string, number[]>): Map<string, number[]> {
  for (const io of inputs) {
    if (isInteger(io) && (io.shape.length === 1 || io.shape.length === 2) && /position/i.test(onnxName(io)) && !values.has(onnxName(io))) {
      values.set(onnxName(io), countingPositions(io.shape));
    }
  }
  // Not a `*pad*` mask (fairseq's padding_mask, key_padding_mask: 1 marks padding, where rows of 1 would mask every key).
  const masks = inputs.filter((io) => isInteger(io) && io.shape.length === 2 && /mask/i.test(onnxName(io)) && !/pad/i.test(onnxName(io))
    && !values.has(onnxName(io)));
  if (masks.length === 0) return values;
  for (const m of masks) values.set(onnxName(m), paddedBatchMask(m.shape[0]!, m.shape[1]!));
  const readers = consumersOf(model.subgraphs[0]!.operators);
  const rnd = seededUniform(seed);
  for (const io of inputs) {
    if (!isInteger(io) || io.shape.length !== 2 || values.has(onnxName(io)) || !masks.some((m) => m.shape[0] === io.shape[0])) continue;
    const size = tableSize(model, io.tensorIndex, readers);
    if (size === undefined || size < 2) continue;
    const pad = padId(model, io.tensorIndex, readers);
    values.set(onnxName(io), Array.from({ length: io.shape[0]! * io.shape[1]! }, () => {
      const id = 1 + Math.floor(rnd() * (size - 1));
      return id === pad ? (id + 1 < size ? id + 1 : 1) : id;
    }));
  }
  return values;
}
