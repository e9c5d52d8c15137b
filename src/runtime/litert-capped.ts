// One run for a model whose outputs are sized at run time (see litert-dynamic.ts): a copy of the model in which
// each such output is written into a buffer of a size fixed when the copy is compiled — its capacity along its one
// run-time axis, zeros past the data — beside its measured dims. LiteRT.js can hand out both (their sizes are known
// when the model is compiled), so one invoke gives the dims and, when they fit, the values.
//
// Per dynamic output with dims d (one -1 at axis a, static elsewhere) and capacity `cap` rows along a:
//   dims   = CAST(SHAPE(out))                                  (SHAPE's output may be read-only: the CAST copies it)
//   size   = MINIMUM(dims, capDims)                            (capDims = d with cap at a)
//   part   = SLICE(out, 0, size)                               (at most cap rows: never a copy of a bigger output)
//   padded = PAD(part, [0, capDims - size] per axis) -> RESHAPE to capDims (a static output)
// An output with more than one run-time axis, of a type PAD does not take, or without a capacity (cap 0: too big to
// keep) gives only its dims; the caller then runs a copy sized to them.
import { bytesPerElement } from '../ir/tensor';
import type { DType } from '../ir/types';
import type { TflModel, TflOperator, TflTensor, TflType } from '../tflite/model';

/** How one dynamic output is carried by the capped copy. */
export interface CapPlan {
  /** The one run-time axis, or -1 when the output can only be measured (see the file comment). */
  axis: number;
  /** Elements of one step along the axis (the product of the other dims). */
  rowElems: number;
  /** The product of the dims before the axis: when 1, the values lead the capped buffer. */
  outer: number;
  bytesPerRow: number;
}

/** Element types TFLite's PAD (and SLICE) take. */
const PADDABLE: Partial<Record<TflType, DType>> = {
  FLOAT32: 'float32', INT32: 'int32', INT64: 'int64', INT8: 'int8', UINT8: 'uint8', INT16: 'int16',
};

/** The plan for each dynamic output (`dynamic`: indices in subgraph 0's output list). */
export function capPlans(model: TflModel, dynamic: number[]): CapPlan[] {
  const sg = model.subgraphs[0];
  return dynamic.map((k) => {
    const t = sg.tensors[sg.outputs[k]];
    const sig = t.shapeSignature ?? t.shape;
    const runTime = sig.flatMap((d, i) => (d < 0 ? [i] : []));
    const dtype = PADDABLE[t.type];
    if (runTime.length !== 1 || !dtype) return { axis: -1, rowElems: 0, outer: 0, bytesPerRow: 0 };
    const rowElems = sig.reduce((p, d) => (d < 0 ? p : p * d), 1);
    return { axis: runTime[0], rowElems, outer: sig.slice(0, runTime[0]).reduce((p, d) => p * d, 1), bytesPerRow: rowElems * bytesPerElement(dtype) };
  });
}

const int32 = (values: number[], shape = [values.length]): Pick<TflTensor, 'type' | 'shape' | 'data'> =>
  ({ type: 'INT32', shape, data: new Uint8Array(new Int32Array(values).buffer) });

/**
 * The capped copy: outputs are the static outputs (in order), then each dynamic output's dims (INT32 [rank]), then
 * the padded values of each dynamic output whose `caps[j]` > 0 (rows along its axis).
 */
export function cappedModel(model: TflModel, dynamic: number[], plans: CapPlan[], caps: number[]): TflModel {
  const sg = model.subgraphs[0];
  const tensors: TflTensor[] = [...sg.tensors];
  const operators: TflOperator[] = [...sg.operators];
  const add = (t: TflTensor): number => tensors.push(t) - 1;
  const op = (opcode: string, inputs: number[], out: TflTensor, options?: TflOperator['options']): number => {
    const o = add(out);
    operators.push({ opcode, inputs, outputs: [o], ...(options ? { options } : {}) });
    return o;
  };
  const dims: number[] = [];
  const values: number[] = [];
  dynamic.forEach((k, j) => {
    const src = sg.tensors[sg.outputs[k]];
    const name = src.name;
    const rank = src.shape.length;
    const shape = op('SHAPE', [sg.outputs[k]], { name: `${name}__shape`, type: 'INT32', shape: [rank] }, { outType: 'INT32' });
    const d = op('CAST', [shape], { name: `${name}__dims`, type: 'INT32', shape: [rank] });
    dims.push(d);
    const { axis } = plans[j];
    if (axis < 0 || !(caps[j] > 0)) return;
    const sig = src.shapeSignature ?? src.shape;
    const capDims = sig.map((v, i) => (i === axis ? caps[j] : v));
    const capVec = add({ name: `${name}__cap_dims`, ...int32(capDims) });
    const size = op('MINIMUM', [d, capVec], { name: `${name}__cap_size`, type: 'INT32', shape: [rank] });
    const part = op('SLICE', [sg.outputs[k], add({ name: `${name}__cap_begin`, ...int32(new Array(rank).fill(0)) }), size],
      { name: `${name}__cap_part`, type: src.type, shape: src.shape, shapeSignature: sig, quantization: src.quantization });
    const rest = op('SUB', [capVec, size], { name: `${name}__cap_rest`, type: 'INT32', shape: [rank] }, { fusedActivationFunction: 'NONE' });
    const restCol = op('RESHAPE', [rest, add({ name: `${name}__cap_col`, ...int32([rank, 1]) })],
      { name: `${name}__cap_rest_col`, type: 'INT32', shape: [rank, 1] }, { newShape: [rank, 1] });
    const pads = op('CONCATENATION', [add({ name: `${name}__cap_zeros`, ...int32(new Array(rank).fill(0), [rank, 1]) }), restCol],
      { name: `${name}__cap_pads`, type: 'INT32', shape: [rank, 2] }, { axis: 1, fusedActivationFunction: 'NONE' });
    const padded = op('PAD', [part, pads], { name: `${name}__cap_padded`, type: src.type, shape: src.shape, shapeSignature: sig, quantization: src.quantization });
    values.push(op('RESHAPE', [padded, add({ name: `${name}__cap_shape`, ...int32(capDims) })],
      { name: `${name}__capped`, type: src.type, shape: capDims, quantization: src.quantization }, { newShape: capDims }));
  });
  const isDyn = new Set(dynamic);
  const staticOut = sg.outputs.filter((_, k) => !isDyn.has(k));
  return {
    ...model, signatures: undefined,
    subgraphs: [{ ...sg, tensors, operators, outputs: [...staticOut, ...dims, ...values] }, ...model.subgraphs.slice(1)],
  };
}
