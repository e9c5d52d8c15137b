// Ranges of the parts of a stack made of one tensor's own values, without a LiteRT run: a 3-D conv written over its
// frames (src/convert/ops/_conv3d_frames.ts) stacks kD STRIDED_SLICEs of its input in channels, and the CONCATENATION
// (a join) asks for each part's own range to decide whether its inputs fit one scale. Read on LiteRT, every part of
// every layer was a tap held to the end of the run and packed into one output beside them: r2plus1d_18 at 16 × 112²
// tapped 51 slices (454 MB, twice over) and LiteRT could not make the output's buffer ("litert_tensor_buffer.h:128").
// A part that only moves its source's values (slices, views, a zero PAD) lies within the source's range, and parts
// that all come from one source fit its one scale: each takes the source's range (with 0 when a PAD added zeros),
// the range their same-scale group takes anyway.
import type { TflSubgraph } from '../tflite/model';
import { joinOps, joinedInputs } from '../quantize/int8-mixed-joins';
import { producersOf } from '../quantize/graph';
import type { Range } from '../quantize/params';

/** Ops whose output holds only values of their first input (PAD adds zeros). */
const MOVES = new Set(['STRIDED_SLICE', 'SLICE', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE', 'PAD']);

/** Sets the range of each tensor of `want` that is a join's part moved out of the same source as all that join's
 *  other parts, from the source's range in `ranges`; returns the tensors of `want` left without one. */
export function deriveStackRanges(sg: TflSubgraph, ranges: Map<number, Range>, want: number[]): number[] {
  const todo = new Set(want);
  if (todo.size === 0) return want;
  const producer = producersOf(sg);
  /** The nearest tensor with a range up `t`'s chain of moves (t itself when it has one), and whether a PAD is on it. */
  const source = (t: number): { root: number; padded: boolean } | undefined => {
    let padded = false;
    for (let depth = 0; depth < 16; depth++) {
      if (ranges.has(t) && !todo.has(t)) return { root: t, padded };
      const k = producer.get(t);
      const op = k === undefined ? undefined : sg.operators[k];
      if (!op || !MOVES.has(op.opcode) || op.inputs[0] < 0) return undefined;
      padded ||= op.opcode === 'PAD';
      t = op.inputs[0];
    }
    return undefined;
  };
  for (const k of joinOps(sg, () => false)) {
    const parts = joinedInputs(sg, k);
    if (!parts.some((i) => todo.has(i))) continue;
    const sources = parts.map(source);
    const root = sources[0]?.root;
    if (root === undefined || sources.some((s) => s?.root !== root)) continue;
    const r = ranges.get(root)!;
    parts.forEach((i, n) => {
      if (!todo.has(i)) return;
      ranges.set(i, sources[n]!.padded ? { min: Math.min(r.min, 0), max: Math.max(r.max, 0) } : { ...r });
      todo.delete(i);
    });
  }
  return [...todo];
}
