// A map whose arg-max is decoded from the map itself stays float32 in int8 models, back to the layer making it. FCPE
// (twenty-sixth sweep, s28-vis26) decodes pitch from a salience map over 360 cent bins: ARG_MAX per frame, the ±4
// bins around it read back from the map (GATHER_ND of the map at the clamped indices) and from a constant table of
// the bins' cents (GATHER), the salience-weighted mean of those cents, f0 = 10·2^(c/1200). int8 gives the LOGISTIC's
// map a fixed 1/256 step: near-equal bins tie, the ARG_MAX picks another one and f0 jumps (FCPE op13 refused at
// output cosine 0.9576, /ArgMax blamed 47 → 20 dB); the weighted mean of int8 saliences and int8 cents (one step of
// a 7,000-cent table is ~28 cents) moves the pitch further. Kept float32: the ARG_MAX / ARG_MIN, its input back
// through element-wise activations and views to and with the layer making the map (it computes in float from int8
// weights), the gathers reading the map or a constant table at the decoded indices, and the float ops after those
// gathers up to the outputs (the weighted mean and the cents-to-Hz decode). An arg-max whose indices only leave the
// model or index something else (a classifier's class, a greedy decoder's next-token embedding) is left to the other
// rules (int8-masked-logits.ts, the guard's class ids).
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation, producersOf } from './graph';

/** Integer ops carrying the decoded indices to the gathers (offsets, clamps, views, GatherElements' coordinates). */
const INDEX_OPS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'ADD', 'SUB', 'MUL', 'MINIMUM', 'MAXIMUM', 'FLOOR_MOD',
  'CONCATENATION', 'CAST', 'STRIDED_SLICE', 'SLICE', 'TRANSPOSE']);
/** What carries the map from its layer to the ARG_MAX element by element: walked back through. */
const MAP_OPS = new Set(['LOGISTIC', 'SOFTMAX', 'TANH', 'RELU', 'EXP', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'TRANSPOSE',
  'STRIDED_SLICE', 'SLICE']);
const MAP_LAYERS = new Set(['FULLY_CONNECTED', 'BATCH_MATMUL', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'TRANSPOSE_CONV']);
/** The decode after the gathers: float arithmetic and views. */
const DECODE_OPS = new Set(['MUL', 'ADD', 'SUB', 'DIV', 'SUM', 'MEAN', 'POW', 'EXP', 'LOG', 'RESHAPE', 'SQUEEZE', 'EXPAND_DIMS',
  'SELECT', 'SELECT_V2', 'MAXIMUM', 'MINIMUM', 'CONCATENATION']);
const MAX_DEPTH = 12;

/** Op indices: for each ARG_MAX / ARG_MIN whose indices reach a GATHER / GATHER_ND of its own map, the map back to its
 *  layer, the arg-max, the gathers at the decoded indices and the float decode after them. */
export function decodedArgMaxOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const prod = producersOf(sg);
  const out = new Set<number>();
  sg.operators.forEach((op, k) => {
    if ((op.opcode !== 'ARG_MAX' && op.opcode !== 'ARG_MIN') || !isFloatActivation(sg.tensors[op.inputs[0]])) return;
    // The map back to the layer making it (every tensor of that chain is the map, element by element).
    const map = new Set<number>([op.inputs[0]]);
    const chain: number[] = [];
    let t = op.inputs[0];
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const p = prod.get(t);
      if (p === undefined) break;
      const pop = sg.operators[p];
      if (MAP_LAYERS.has(pop.opcode)) { chain.push(p); break; }
      if (!MAP_OPS.has(pop.opcode) || !isFloatActivation(sg.tensors[pop.inputs[0]])) break;
      chain.push(p);
      t = pop.inputs[0];
      map.add(t);
    }
    // Forward along the indices to the gathers of the map (or of a constant table beside it).
    const gathers: number[] = [];
    let ownMap = false;
    const seen = new Set<number>();
    const stack: [number, number][] = [[op.outputs[0], 0]];
    while (stack.length) {
      const [i, depth] = stack.pop()!;
      if (depth > MAX_DEPTH) continue;
      for (const r of readers.get(i) ?? []) {
        if (seen.has(r)) continue;
        seen.add(r);
        const rop = sg.operators[r];
        if ((rop.opcode === 'GATHER' || rop.opcode === 'GATHER_ND') && rop.inputs[1] === i) {
          const data = rop.inputs[0];
          if (map.has(data)) { ownMap = true; gathers.push(r); } else if (isConst(sg.tensors[data])) gathers.push(r);
          continue;
        }
        if (!INDEX_OPS.has(rop.opcode)) continue;
        for (const o of rop.outputs) if (!isFloatActivation(sg.tensors[o])) stack.push([o, depth + 1]);
      }
    }
    if (!ownMap) return;
    out.add(k);
    for (const c of chain) out.add(c);
    // The float decode after the gathers, up to the outputs.
    const decode = [...gathers.map((g): [number, number] => [g, 0])];
    while (decode.length) {
      const [g, depth] = decode.pop()!;
      out.add(g);
      if (depth > MAX_DEPTH) continue;
      for (const o of sg.operators[g].outputs) {
        if (!isFloatActivation(sg.tensors[o])) continue;
        for (const r of readers.get(o) ?? []) if (!out.has(r) && DECODE_OPS.has(sg.operators[r].opcode)) decode.push([r, depth + 1]);
      }
    }
  });
  return out;
}
