// Ranges of converter-made tensors derived from their producer instead of a LiteRT run, where the rule is exact:
// ADD / SUB / MUL of a tensor with a range and a constant (interval arithmetic over the constant's values), then
// the op's fused activation (the HardSigmoid inside a HardSwish is ADD(x, 3) + RELU6, then MUL by 1/6); and the parts of
// a stack moved out of one source (a 3-D conv's frame slices: stack-ranges.ts).
import type { ConvertResult } from '../convert/convert';
import { isConst } from '../quantize/graph';
import { floatData, type Range } from '../quantize/params';
import { deriveStackRanges } from './stack-ranges';

const CLAMP: Record<string, [number, number]> = { RELU: [0, Infinity], RELU6: [0, 6], RELU_N1_TO_1: [-1, 1] };

export function deriveRanges(result: ConvertResult, ranges: Map<number, Range>, want: number[]): number[] {
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const todo = new Set(want);
  for (const op of sg.operators) {
    const o = op.outputs[0];
    if (!todo.has(o) || !['ADD', 'SUB', 'MUL'].includes(op.opcode)) continue;
    const [a, b] = op.inputs;
    const ci = isConst(t[a]) ? a : isConst(t[b]) ? b : -1;
    const xi = ci === a ? b : a;
    const r = ranges.get(xi);
    if (ci < 0 || !r || t[ci].type !== 'FLOAT32' || isConst(t[xi])) continue;
    const c = floatData(t[ci]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of c) {
      const ends = op.opcode === 'ADD' ? [r.min + v, r.max + v]
        : op.opcode === 'MUL' ? [r.min * v, r.max * v]
          : ci === b ? [r.min - v, r.max - v] : [v - r.max, v - r.min];
      lo = Math.min(lo, ...ends);
      hi = Math.max(hi, ...ends);
    }
    const clamp = CLAMP[String(op.options?.fusedActivationFunction ?? 'NONE')];
    if (clamp) { lo = Math.min(Math.max(lo, clamp[0]), clamp[1]); hi = Math.max(Math.min(hi, clamp[1]), clamp[0]); }
    ranges.set(o, { min: lo, max: hi });
    todo.delete(o);
  }
  return deriveStackRanges(sg, ranges, [...todo]);
}
