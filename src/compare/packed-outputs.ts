// The one rule by which a copy of a .tflite declares many tensors as outputs (compare's debug copy, the int8 search's
// taps, calibration ranges and bias correction all go through debugCopy, which uses it). LiteRT's run time grows with
// the square of the output count (an unrolled BiLSTM's 6,283 tensors: 300 s a sample), so from PACK_FROM outputs on,
// the statically shaped FLOAT32 and INT32 ones are each RESHAPEd flat and CONCATENATEd, PACK_SIZE to an output of
// their own type (dtypes stay exact), and cut apart again after the run. Other types, dynamic shapes and empty
// tensors are declared as they are.
import type { Tensor } from '../ir/types';
import type { TflOperator, TflTensor, TflType } from '../tflite/model';

/** Tensors concatenated into one packed output. */
export const PACK_SIZE = 256;
/** Fewer outputs than this are declared as they are. */
export const PACK_FROM = 32;

const PACKABLE: TflType[] = ['FLOAT32', 'INT32'];

export interface PackedOutputs {
  /** The copy's graph outputs (tensor indices), in order. */
  outputs: number[];
  /** The values of every read tensor, by the key it was given, from the copy's run results (in `outputs` order). */
  unpack(results: Tensor[]): Map<number, Tensor>;
}

interface Part { key: number; tensor: number; offset: number; length: number }

const elements = (t: TflTensor) => t.shape.reduce((a, b) => a * b, 1);

/** Declares `reads` ([key, tensor index] pairs; keys unique) as outputs of a copy whose tensor list is `tensors`
 *  (appended to) and whose ops end with `ops` (appended to). */
export function packOutputs(tensors: TflTensor[], ops: TflOperator[], reads: [key: number, tensor: number][]): PackedOutputs {
  const packable = (i: number) => {
    const t = tensors[i]!;
    return PACKABLE.includes(t.type) && !t.shapeSignature?.some((d) => d < 0) && elements(t) > 0;
  };
  const toPack = reads.length >= PACK_FROM ? reads.filter(([, i]) => packable(i)) : [];
  const packedKeys = new Set(toPack.map(([k]) => k));
  const direct = reads.filter(([k]) => !packedKeys.has(k));
  const packs: { output: number; parts: Part[] }[] = [];
  for (const type of PACKABLE) {
    const ofType = toPack.filter(([, i]) => tensors[i]!.type === type);
    for (let p = 0; p < ofType.length; p += PACK_SIZE) {
      const parts: Part[] = [];
      let offset = 0;
      const flats = ofType.slice(p, p + PACK_SIZE).map(([key, i]) => {
        const t = tensors[i]!;
        const length = elements(t);
        parts.push({ key, tensor: i, offset, length });
        offset += length;
        const shape = tensors.push({ name: `${t.name}__flat_shape`, type: 'INT32', shape: [1], data: new Uint8Array(Int32Array.of(length).buffer) }) - 1;
        const f = tensors.push({ name: `${t.name}__flat`, type, shape: [length] }) - 1;
        ops.push({ opcode: 'RESHAPE', inputs: [i, shape], outputs: [f], options: { newShape: [length] } });
        return f;
      });
      const output = tensors.push({ name: `packed_values_${packs.length}`, type, shape: [offset] }) - 1;
      ops.push({ opcode: 'CONCATENATION', inputs: flats, outputs: [output], options: { axis: 0, fusedActivationFunction: 'NONE' } });
      packs.push({ output, parts });
    }
  }
  const outputs = [...direct.map(([, i]) => i), ...packs.map((p) => p.output)];
  return {
    outputs,
    unpack(results: Tensor[]): Map<number, Tensor> {
      const values = new Map<number, Tensor>();
      direct.forEach(([key], k) => values.set(key, results[k]!));
      packs.forEach((p, k) => {
        const all = results[direct.length + k]!;
        for (const part of p.parts) {
          const t = tensors[part.tensor]!;
          values.set(part.key, { name: t.name, dtype: all.dtype, dims: [...t.shape], data: (all.data as Float32Array | Int32Array).subarray(part.offset, part.offset + part.length) });
        }
      });
      return values;
    },
  };
}
