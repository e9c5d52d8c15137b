// The order a split-only move is done in (ops/Transpose.ts): its parts' axis first when a part is read by an Einsum
// batched over that axis alone against a constant (Reformer's hashing rotations 'bhtd,hdmr->bhmtr' over q·k's heads
// [b, h, t, d]). That product is a BATCH_MATMUL over h, which wants its operand [h, b, t, d]: split from the heads
// moved [h', b, t, d] at once, the part is stored so and the product reads it where it lies (the move of the packed
// heads costs the same in either order). The other parts (v) are stored in that order too: their readers take any.
import { attrInt, normAxis } from './attrs';
import type { ConvertContext } from './context';
import { batchedAlongAxis } from './einsum-reader';

/** The axis every reader of `name` (Slices / Splits of its data input) cuts along, or -1. */
function splitAxis(ctx: ConvertContext, name: string, rank: number): number {
  const axes = new Set(ctx.graph.nodes.filter((n) => n.inputs.includes(name)).map((n) => {
    if (n.opType === 'Split') return normAxis(attrInt(n, 'axis', 0), rank);
    if (n.opType !== 'Slice') return -1;
    const a = n.inputs[3] ? ctx.constant(n.inputs[3]) : undefined;
    if (!a || a.dims.reduce((x, d) => x * d, 1) !== 1) return -1;
    return normAxis(Number(Array.from(a.data as ArrayLike<number | bigint>)[0]), rank);
  }));
  const [axis] = [...axes];
  return axes.size === 1 ? axis : -1;
}

/** The values that hold `part` unchanged: itself and its views of the same dims (a Reshape to its own shape, Identity). */
function sameViews(ctx: ConvertContext, part: string): string[] {
  const dims = ctx.dims(part).join(',');
  const out = [part];
  for (let k = 0; k < out.length; k++) {
    for (const n of ctx.graph.nodes) {
      if (n.inputs[0] !== out[k] || !n.outputs[0]) continue;
      if (n.opType === 'Identity' || (n.opType === 'Reshape' && ctx.dims(n.outputs[0]).join(',') === dims)) out.push(n.outputs[0]);
    }
  }
  return out;
}

/** The order (out dims) to do a split-only move in: the parts' axis first, when a part is read by an Einsum batched
 *  over that axis against a constant; undefined otherwise. */
export function contractionAxisFirst(ctx: ConvertContext, name: string, rank: number): number[] | undefined {
  const axis = splitAxis(ctx, name, rank);
  if (axis <= 0) return undefined;
  const parts = ctx.graph.nodes.filter((n) => n.inputs.includes(name)).flatMap((n) => n.outputs.filter(Boolean));
  if (!parts.some((p) => sameViews(ctx, p).some((v) => batchedAlongAxis(ctx, v, axis)))) return undefined;
  return [axis, ...Array.from({ length: rank }, (_, d) => d).filter((d) => d !== axis)];
}
