// Tensors written with ±inf (or a fill of |x| ≥ 1e30) stay float32 in int8 models, from the op writing the fill to
// where the infinity is consumed. ToMe's bipartite matching protects the class token by `scores[:, 0, :] = -inf` (an
// indexed write the converter makes a CONCATENATION of a constant −inf row, or a SCATTER_ND), then takes each row's
// max / arg-max and sorts the maxima (TOPK_V2). Calibrated, that tensor's range has a −inf end: params.ts caps it at
// −1e30, a scale of ~4e27, and every finite score (|s| ≤ 1) is 0 in int8 — the max, the arg-max and the sort see ties
// (ToMe int8: /ScatterND 0 → −200 dB, output cosine 0.7687). A finite mask value instead (−1e4) would still give the
// scores a step of ~40. So the op taking the fill in, what carries it on (views, joins, scatters, max / min, adds,
// selects, the TOPK_V2's values) and the op consuming it (an ARG_MAX / ARG_MIN / TOPK_V2, a comparison, EXP, any
// other reader) compute in float32; the scores themselves come from their int8 layer at their own finite range.
// A fill reaching a SOFTMAX is an attention mask (int8-attention-mask.ts keeps that path float) and is left to it; a
// fill folded into a layer's bias before an ARG_MAX is int8-masked-logits.ts'. Dynamic range mode never stores such
// a constant int8 (weights.ts allFinite: its scale would be infinite).
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst } from './graph';
import { floatData } from './params';

/** A fill at least this large in magnitude is an "infinity" (params.ts caps an infinite range end here too). */
export const INFINITE_FILL = 1e30;

/** Ops whose output may still hold the fill they read (a max over a fully masked row is the fill again). */
const CARRIERS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE', 'CONCATENATION', 'STRIDED_SLICE', 'SLICE', 'SPLIT',
  'SPLIT_V', 'GATHER', 'GATHER_ND', 'SCATTER_ND', 'SELECT', 'SELECT_V2', 'ADD', 'SUB', 'MUL', 'NEG', 'MAXIMUM', 'MINIMUM',
  'REDUCE_MAX', 'REDUCE_MIN', 'SUM', 'MEAN', 'TILE', 'BROADCAST_TO', 'PAD', 'PADV2', 'TOPK_V2', 'LOG_SOFTMAX']);

/** The signs of the infinite fills a float32 constant holds (±inf, or |x| ≥ INFINITE_FILL; NaN is no fill). */
export function infiniteSigns(sg: TflSubgraph, i: number): { neg: boolean; pos: boolean } {
  const t = sg.tensors[i];
  const none = { neg: false, pos: false };
  if (i < 0 || !t || !isConst(t) || t.type !== 'FLOAT32' || !t.data) return none;
  const v = floatData(t);
  for (let k = 0; k < v.length; k++) {
    if (v[k] <= -INFINITE_FILL) none.neg = true;
    else if (v[k] >= INFINITE_FILL) none.pos = true;
  }
  return none;
}

/** Whether op `k` reading constant `c` (fills of the signs given) can write the fill to its output: not a clamp's
 *  open bound (MAXIMUM with float32's lowest, MINIMUM with +inf: Clip.ts, fused activations), nor a PADV2's pad value
 *  (float32's lowest before a max pool, which never reads it as a maximum: _pool.ts). */
function passesFill(sg: TflSubgraph, k: number, c: number, signs: { neg: boolean; pos: boolean }): boolean {
  const op = sg.operators[k];
  if (op.opcode === 'MAXIMUM') return signs.pos;
  if (op.opcode === 'MINIMUM') return signs.neg;
  if ((op.opcode === 'PADV2' || op.opcode === 'PAD') && op.inputs[0] !== c) return false;
  return true;
}

/** Op indices: for each float32 constant holding an infinite fill, the ops from its reader through the carriers to
 *  the readers that consume it (or the graph outputs), unless a path reaches a SOFTMAX (an attention mask). */
export function infiniteFillOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const out = new Set<number>();
  sg.tensors.forEach((_, c) => {
    if (!readers.has(c)) return;
    const signs = infiniteSigns(sg, c);
    if (!signs.neg && !signs.pos) return;
    const ops = new Set<number>();
    let softmax = false;
    const forward = (t: number, depth: number) => {
      for (const k of readers.get(t) ?? []) {
        if (ops.has(k) || (depth === 0 && !passesFill(sg, k, c, signs))) continue;
        const op = sg.operators[k];
        if (op.opcode === 'SOFTMAX') { softmax = true; return; }
        ops.add(k);
        // A carrier passes the fill on through its float outputs (the TOPK_V2's values, not its indices).
        if (!CARRIERS.has(op.opcode) || depth >= 16) continue;
        for (const o of op.outputs) if (sg.tensors[o]?.type === 'FLOAT32') forward(o, depth + 1);
      }
    };
    forward(c, 0);
    if (!softmax) for (const k of ops) out.add(k);
  });
  return out;
}
