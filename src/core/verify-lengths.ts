// Length inputs that reach their mask through arithmetic (deepspeech.pytorch's DeepSpeech2: the convolutions' output
// lengths, floor((len + 2p - k) / s) + 1, compared with a constant arange of the subsampled length T'). Seeded 0 they
// mask every frame and the outputs no longer depend on the data ("verified, max rel 0" on constant outputs); seeded T'
// they would mask the wrong frame count. The length is seeded instead with the size of the float input axis that the
// model's own arithmetic carries onto T' (the scalar path from the length to the compare is evaluated for each
// candidate axis size).
import type { TflModel, TflOperator } from '../tflite/model';
import { bytesPerElement, valuesFromBytes } from '../ir/tensor';
import type { DType } from '../ir/types';

const COMPARES = new Set(['LESS', 'LESS_EQUAL', 'GREATER', 'GREATER_EQUAL']);
/** Ops the length's path may take (scalar arithmetic on one value per batch row, and moves of it). */
const SCALAR: Record<string, (a: number, b: number, int: boolean) => number> = {
  ADD: (a, b) => a + b,
  SUB: (a, b) => a - b,
  MUL: (a, b) => a * b,
  DIV: (a, b, int) => (int ? Math.trunc(a / b) : a / b),
  FLOOR_DIV: (a, b) => Math.floor(a / b),
  FLOOR_MOD: (a, b) => a - b * Math.floor(a / b),
  MAXIMUM: (a, b) => Math.max(a, b),
  MINIMUM: (a, b) => Math.min(a, b),
  LESS: (a, b) => Number(a < b),
  LESS_EQUAL: (a, b) => Number(a <= b),
  GREATER: (a, b) => Number(a > b),
  GREATER_EQUAL: (a, b) => Number(a >= b),
  EQUAL: (a, b) => Number(a === b),
  NOT_EQUAL: (a, b) => Number(a !== b),
  LOGICAL_AND: (a, b) => Number(!!a && !!b),
  LOGICAL_OR: (a, b) => Number(!!a || !!b),
};
const UNARY: Record<string, (a: number) => number> = {
  CAST: (a) => a, RESHAPE: (a) => a, SQUEEZE: (a) => a, EXPAND_DIMS: (a) => a, TRANSPOSE: (a) => a,
  NEG: (a) => -a, FLOOR: Math.floor, CEIL: Math.ceil, ROUND: Math.round, LOGICAL_NOT: (a) => Number(!a),
};

const isIntType = (type: string): boolean => /^U?INT/.test(type);

/** The first value of a constant tensor, or undefined when `ti` is not a constant. */
function constantScalar(model: TflModel, ti: number): number | undefined {
  const t = model.subgraphs[0]!.tensors[ti];
  if (!t?.data) return undefined;
  const type = (t.type === 'BOOL' ? 'uint8' : t.type.toLowerCase()) as DType;
  const bpe = bytesPerElement(type);
  return t.data.byteLength >= bpe ? Number(valuesFromBytes(type, t.data.subarray(0, bpe), 1)[0]) : undefined;
}

/** Evaluates the model's ops from `input` = x, one scalar per tensor (batch rows alike), in op order; returns the
 *  values of every tensor reached. */
function evaluate(model: TflModel, input: number, x: number, upTo: number): Map<number, number> {
  const sg = model.subgraphs[0]!;
  const values = new Map<number, number>([[input, x]]);
  const valueOf = (ti: number): number | undefined => (ti < 0 ? undefined : values.get(ti) ?? constantScalar(model, ti));
  for (let k = 0; k <= upTo; k++) {
    const op: TflOperator = sg.operators[k]!;
    if (!op.inputs.some((i) => values.has(i))) continue;
    const out = op.outputs[0]!;
    const int = isIntType(sg.tensors[out]?.type ?? '');
    const args = op.inputs.map(valueOf);
    let v: number | undefined;
    if (UNARY[op.opcode] && args[0] !== undefined) v = UNARY[op.opcode]!(args[0]);
    else if (SCALAR[op.opcode] && args[0] !== undefined && args[1] !== undefined) v = SCALAR[op.opcode]!(args[0], args[1], int);
    else if ((op.opcode === 'SELECT_V2' || op.opcode === 'SELECT') && args.every((a) => a !== undefined)) v = args[0] ? args[1] : args[2];
    if (v !== undefined) values.set(out, v);
  }
  return values;
}

/** The compares of a value derived from `input` by arithmetic with a constant [..., T] (T > 1): the mask's length. */
function derivedMasks(model: TflModel, input: number): { op: number; derived: number; t: number }[] {
  const sg = model.subgraphs[0]!;
  const reached = evaluate(model, input, 1, sg.operators.length - 1);
  const found: { op: number; derived: number; t: number }[] = [];
  sg.operators.forEach((op, k) => {
    if (!COMPARES.has(op.opcode) || op.inputs.length !== 2) return;
    const side = op.inputs.findIndex((i) => reached.has(i) && i !== input);
    const other = sg.tensors[op.inputs[1 - side]!];
    const t = other?.shape[other.shape.length - 1];
    if (side >= 0 && other?.data && t !== undefined && t > 1) found.push({ op: k, derived: op.inputs[side]!, t });
  });
  return found;
}

/**
 * The size, among `candidates` (the float inputs' axis sizes), that the model's arithmetic takes the length input
 * `input` to the length T of a mask it makes (a compare with a constant arange [..., T]); undefined when the length
 * reaches no such compare or no candidate lands on T.
 */
export function lengthThroughArithmetic(model: TflModel, input: number, candidates: number[]): number | undefined {
  for (const { op, derived, t } of derivedMasks(model, input)) {
    const hit = candidates.find((c) => evaluate(model, input, c, op).get(derived) === t);
    if (hit !== undefined) return hit;
  }
  return undefined;
}
