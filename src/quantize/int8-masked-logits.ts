// Logits masked by a constant fill stay float32 in int8 models, from the layer adding the mask to the ARG_MAX that
// reads them. A decoder that constrains its vocabulary per position adds −1e9 (or −1e4, float32's lowest) to the
// tokens it forbids (Pix2Seq: coordinate bins at the 4 box positions, classes at the fifth); the converter folds that
// constant ADD into the projection's bias. int8 then gives the logits one scale for [−1e9, a few units]: a step of
// ~4e6, every allowed logit rounds to the same value and the ARG_MAX picks the first allowed token, whatever the
// model computed (Pix2Seq refused at output cosine 0.8660, /ArgMax_3 and /ArgMax_8 blamed). Kept float32: the layer
// or ADD whose constant bias / addend holds a mask fill (≤ MASK_RANGE; it computes in float from its int8 weights, as
// every float layer of the int8 pass), and what carries the masked logits on to an ARG_MAX / ARG_MIN / TOPK_V2 or an
// output (views and the CONCATENATION stacking each step's logits). A mask before a SOFTMAX is int8-attention-mask.ts'
// (params-aware, in the int8 pass): a masked layer whose values reach anything else is left to it and the other rules.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst } from './graph';
import { floatData } from './params';
import { MASK_RANGE } from './int8-attention-mask';

/** Layers whose bias (input 2) may hold a folded mask, and the additions of a constant. */
const BIASED = new Set(['FULLY_CONNECTED', 'CONV_2D', 'BATCH_MATMUL']);
const ADDS = new Set(['ADD']);
/** What carries the masked logits without computing on them, and the readers that only rank them. */
const CARRIERS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'CONCATENATION', 'STRIDED_SLICE', 'SLICE', 'GATHER']);
const RANKERS = new Set(['ARG_MAX', 'ARG_MIN', 'TOPK_V2']);

/** Whether a constant tensor holds a mask fill. */
function holdsMask(sg: TflSubgraph, i: number): boolean {
  if (i < 0 || !isConst(sg.tensors[i]) || sg.tensors[i].type !== 'FLOAT32') return false;
  const v = floatData(sg.tensors[i]);
  for (let k = 0; k < v.length; k++) if (v[k] <= MASK_RANGE) return true;
  return false;
}

/** Op indices: each layer / ADD adding a mask fill whose output reaches only (through carriers) rankers and graph
 *  outputs, at least one ranker, with those carriers and rankers. */
export function maskedLogitOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const outputs = new Set(sg.outputs);
  const out = new Set<number>();
  // The ops from `t` on, [ops, rankers reached], or undefined when a reader computes on the masked values.
  const forward = (t: number, seen: Set<number>, depth: number): [number[], number] | undefined => {
    if (depth > 8) return undefined;
    const ops: number[] = [];
    let ranked = 0;
    for (const k of readers.get(t) ?? []) {
      if (seen.has(k)) continue;
      const op = sg.operators[k];
      if (RANKERS.has(op.opcode) && op.inputs[0] === t) { seen.add(k); ops.push(k); ranked++; continue; }
      if (!CARRIERS.has(op.opcode) || (op.opcode !== 'CONCATENATION' && op.inputs[0] !== t)) return undefined;
      seen.add(k);
      const next = forward(op.outputs[0], seen, depth + 1);
      if (!next) return undefined;
      ops.push(k, ...next[0]);
      ranked += next[1];
    }
    if ((readers.get(t) ?? []).length === 0 && !outputs.has(t)) return undefined;
    return [ops, ranked];
  };
  sg.operators.forEach((op, k) => {
    const masked = BIASED.has(op.opcode) ? holdsMask(sg, op.inputs[2] ?? -1)
      : ADDS.has(op.opcode) && op.inputs.some((i) => holdsMask(sg, i));
    if (!masked || sg.tensors[op.outputs[0]].type !== 'FLOAT32') return;
    const seen = new Set<number>(out);
    const path = forward(op.outputs[0], seen, 0);
    if (!path || path[1] === 0) return;
    out.add(k);
    for (const p of path[0]) out.add(p);
  });
  return out;
}
