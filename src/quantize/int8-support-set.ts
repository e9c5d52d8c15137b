// A sort whose running sum decides a support set stays float32 in int8 models, from the layer making the sorted
// logits to the threshold's subtraction. Sparsemax (TabNet's attentive transformer) and entmax-1.5 (NODE's feature
// choice) sort z (TOPK_V2 of every element), take the running sum (CUMSUM), count the support k(z) =
// #{j : 1 + j·z_(j) > Σ_{i≤j} z_(i)} by a comparison, gather τ = (Σ_{i≤k} z_(i) − 1) / k, and return max(z − τ, 0).
// The comparison decides which features a step attends to: near-equal logits flip it under int8 rounding, the support
// size changes, and with it every mask downstream. TabNet (twenty-fifth sweep) was refused at output cosine 0.9715 with
// 53 ops float32 by the search, /Greater blamed 32 → 8 dB and the TopKs 32 → 15 dB: the search keeps single ops
// float32, but a comparison of float values that int8 rounded upstream still flips. Kept float32 here: the layer
// making z and the elementwise ops between it and the sort (a FULLY_CONNECTED's ghost BatchNorm scale / shift, the
// prior's product: they compute in float from int8 weights and inputs), the sort, the running sum and every op after
// them up to and with the one that reads z again (z − τ, its fused ReLU). The comparison of float values is already
// float (int8-comparison.ts); what this adds is that its operands are no longer int8-rounded.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isFloatActivation, producersOf } from './graph';

/** Ops walked back through from the sort's input to the layer making it (elementwise ops of the logits). */
const LOGIT_OPS = new Set(['MUL', 'ADD', 'SUB', 'DIV', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);
/** Layers that make the logits (they compute in float from int8 weights when kept float). */
const LAYERS = new Set(['FULLY_CONNECTED', 'BATCH_MATMUL', 'CONV_2D']);
/** At most this many ops between the sort and the subtraction of τ from z. */
const MAX_DEPTH = 16;

/** Op indices: for each TOPK_V2 whose sorted values a CUMSUM reads, the logits' producers back to their layer, the
 *  sort, and what follows the sort up to the ops that read the sort's input again. */
export function supportSetOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const prod = producersOf(sg);
  const out = new Set<number>();
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'TOPK_V2' || !isFloatActivation(sg.tensors[op.inputs[0]])) return;
    const summed = (readers.get(op.outputs[0]) ?? []).some((r) => sg.operators[r].opcode === 'CUMSUM');
    if (!summed) return;
    const z = op.inputs[0];
    const found = new Set<number>([k]);
    // Forward from the sort: stop at (and keep) the ops that read z again.
    const stack: [number, number][] = op.outputs.map((o) => [o, 0]);
    let closed = false;
    while (stack.length) {
      const [t, depth] = stack.pop()!;
      if (depth > MAX_DEPTH) return;
      for (const r of readers.get(t) ?? []) {
        if (found.has(r)) continue;
        found.add(r);
        if (sg.operators[r].inputs.includes(z)) { closed = true; continue; }
        for (const o of sg.operators[r].outputs) stack.push([o, depth + 1]);
      }
    }
    if (!closed) return;
    // Back from z through its elementwise ops to the layer that makes it.
    let t = z;
    for (let depth = 0; depth < 8; depth++) {
      const p = prod.get(t);
      if (p === undefined) break;
      const pop = sg.operators[p];
      if (LAYERS.has(pop.opcode)) { found.add(p); break; }
      if (!LOGIT_OPS.has(pop.opcode)) break;
      found.add(p);
      // The operand made by the logits' chain (the other is a constant or the prior).
      const made = (i: number) => i >= 0 && isFloatActivation(sg.tensors[i]) && prod.has(i);
      const opOf = (i: number) => sg.operators[prod.get(i)!].opcode;
      const next = pop.inputs.find((i) => made(i) && (LOGIT_OPS.has(opOf(i)) || LAYERS.has(opOf(i))));
      if (next === undefined) break;
      t = next;
    }
    for (const f of found) out.add(f);
  });
  return out;
}
