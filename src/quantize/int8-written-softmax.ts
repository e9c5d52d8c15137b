// A softmax written out as ops rather than TFLite's SOFTMAX: REDUCE_MAX, SUB, EXP, SUM, DIV along one or more axes
// (the converter writes a softmax whose axis is not last in the stored order this way: ops/_softmax-stored.ts, FOMM's
// keypoint heatmaps over H·W; exporters write the same by hand, with or without the max shift). The int8 rules that
// key on SOFTMAX (integral regression: int8-integral.ts) read these too, by the DIV that makes the probabilities.
import type { TflSubgraph, TflTensor } from '../tflite/model';
import { isConst, producersOf } from './graph';

export interface WrittenSoftmax {
  /** The ops, in graph order: [REDUCE_MAX, SUB,] EXP, SUM, DIV. */
  ops: number[];
  /** The DIV writing the probabilities. */
  div: number;
  /** The tensor the softmax is taken of (the SUB's input, or EXP's without the shift) and the probabilities. */
  input: number;
  output: number;
  /** Values each softmax runs over (the product of the summed dims). */
  positions: number;
}

/** The axes a reduction's constant second input lists, non-negative; undefined when not a constant. */
function axesOf(sg: TflSubgraph, t: TflTensor | undefined, rank: number): number[] | undefined {
  if (!t || !isConst(t) || t.type !== 'INT32' || !t.data) return undefined;
  const v = new Int32Array(t.data.slice().buffer, 0, t.data.byteLength >> 2);
  return [...v].map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

const sameAxes = (a: number[] | undefined, b: number[] | undefined) => !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

/** Every written-out softmax of subgraph `sg`: DIV(e, SUM(e, axes, keep dims)) with e = EXP(t), and t = SUB(x,
 *  REDUCE_MAX(x, the same axes)) when the shift is there. */
export function writtenSoftmaxes(sg: TflSubgraph): WrittenSoftmax[] {
  const producer = producersOf(sg);
  const made = (t: number, opcode: string) => {
    const k = producer.get(t);
    return k !== undefined && sg.operators[k].opcode === opcode ? k : undefined;
  };
  const out: WrittenSoftmax[] = [];
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'DIV' || op.inputs.length !== 2) return;
    const [e, s] = op.inputs;
    const ke = made(e, 'EXP');
    const ks = made(s, 'SUM');
    if (ke === undefined || ks === undefined || sg.operators[ks].inputs[0] !== e) return;
    const shape = sg.tensors[e].shape;
    if (sg.tensors[s].shape.length !== shape.length) return; // keep dims: the sum broadcasts back along the axes
    const axes = axesOf(sg, sg.tensors[sg.operators[ks].inputs[1]], shape.length);
    if (!axes?.length) return;
    const ops = [ke, ks, k];
    let input = sg.operators[ke].inputs[0];
    const kb = made(input, 'SUB');
    if (kb !== undefined) {
      const [x, m] = sg.operators[kb].inputs;
      const km = made(m, 'REDUCE_MAX');
      if (km !== undefined && sg.operators[km].inputs[0] === x && sameAxes(axesOf(sg, sg.tensors[sg.operators[km].inputs[1]], shape.length), axes)) {
        ops.unshift(km, kb);
        input = x;
      }
    }
    out.push({ ops, div: k, input, output: op.outputs[0], positions: axes.reduce((p, a) => p * (shape[a] ?? 1), 1) });
  });
  return out;
}
