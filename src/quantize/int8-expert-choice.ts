// A top-k that chooses rows of a table stays float32 in int8 models, from the layer making its query. PEER (product
// keys over single-neuron experts; twenty-sixth sweep, s28-seq26) scores a query's two halves against two key
// tables (FULLY_CONNECTED by the keys), takes the top k of each (TOPK_V2), sums the k × k candidate pairs and takes
// the top k again; the chosen indices pick the experts' down / up rows (GATHER of constant tables). int8 rounds the
// query and the scores to one step per tensor: near-equal scores swap, another expert is chosen, and its output is
// not a rounding of the float one (PEER refused at output cosine 0.9541 with 33 ops float32 by the search, its three
// TopKs blamed 37 → 13, 32 → 11 and 33 → 16 dB). Kept float32 here: each TOPK_V2 whose indices reach (through integer
// ops: views, the pair's index arithmetic, gathers of other indices) a GATHER / GATHER_ND of a constant table, its
// scores back through views, elementwise ops and earlier top-ks' values to the layers computing them by constant keys
// (which compute in float from int8 weights, as every float layer of the int8 pass), and from those key layers back
// through views to and with the layer making the query. What the chosen rows compute (the experts' GELU, the
// softmax weights) stays int8: the choice is what int8 must not move. A top-k read only as values (a sort) or whose
// indices only leave the model is left to the other rules.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, isFloatActivation, producersOf } from './graph';

/** Ops carrying a top-k's indices on to the gather that uses them (integer arithmetic of indices, views, joins). */
const INDEX_OPS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'MUL', 'ADD', 'SUB', 'FLOOR_MOD', 'FLOOR_DIV', 'CONCATENATION',
  'GATHER', 'GATHER_ND', 'CAST', 'STRIDED_SLICE', 'SLICE', 'TRANSPOSE', 'MINIMUM', 'MAXIMUM']);
/** What carries scores from their layer to the top-k without mixing candidates: walked back through. */
const SCORE_OPS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'ADD', 'SUB', 'MUL', 'TRANSPOSE', 'STRIDED_SLICE', 'SLICE',
  'CONCATENATION', 'TOPK_V2', 'GATHER']);
/** Layers that score a query against constant keys, and the views between them and the layer making the query. */
const KEY_LAYERS = new Set(['FULLY_CONNECTED', 'BATCH_MATMUL', 'CONV_2D']);
const QUERY_VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'GATHER', 'STRIDED_SLICE', 'SLICE', 'SPLIT', 'SPLIT_V', 'TRANSPOSE']);
const MAX_DEPTH = 12;

/** Whether the indices in tensor `t` reach a GATHER / GATHER_ND of a constant table through INDEX_OPS. */
function choosesRows(sg: TflSubgraph, readers: Map<number, number[]>, t: number, depth: number, seen: Set<number>): boolean {
  if (depth > MAX_DEPTH) return false;
  for (const r of readers.get(t) ?? []) {
    if (seen.has(r)) continue;
    seen.add(r);
    const op = sg.operators[r];
    if ((op.opcode === 'GATHER' || op.opcode === 'GATHER_ND') && op.inputs[1] === t && isConst(sg.tensors[op.inputs[0]])) return true;
    if (!INDEX_OPS.has(op.opcode)) continue;
    if (op.outputs.some((o) => !isFloatActivation(sg.tensors[o]) && choosesRows(sg, readers, o, depth + 1, seen))) return true;
  }
  return false;
}

/** Op indices: every TOPK_V2 choosing rows of a constant table, its scores' ops back to the key layers, and the
 *  query's views back to and with the layer making it. */
export function expertChoiceOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const prod = producersOf(sg);
  const out = new Set<number>();
  const weighted = (k: number) => {
    const w = sg.operators[k].inputs[1];
    return w >= 0 && isConst(sg.tensors[w]);
  };
  // From a key layer's data input back through views to the layer making the query.
  const query = (t: number, depth: number) => {
    const p = prod.get(t);
    if (p === undefined || out.has(p) || depth > MAX_DEPTH || !isFloatActivation(sg.tensors[t])) return;
    const op = sg.operators[p];
    if (KEY_LAYERS.has(op.opcode)) { out.add(p); return; }
    if (!QUERY_VIEWS.has(op.opcode)) return;
    out.add(p);
    query(op.inputs[0], depth + 1);
  };
  const scores = (t: number, depth: number) => {
    const p = prod.get(t);
    if (p === undefined || out.has(p) || depth > MAX_DEPTH || !isFloatActivation(sg.tensors[t])) return;
    const op = sg.operators[p];
    if (KEY_LAYERS.has(op.opcode) && weighted(p)) { out.add(p); query(op.inputs[0], 0); return; }
    if (!SCORE_OPS.has(op.opcode)) return;
    out.add(p);
    const data = op.opcode === 'TOPK_V2' || op.opcode === 'GATHER' ? [op.inputs[0]] : op.inputs;
    for (const i of data) if (i >= 0) scores(i, depth + 1);
  };
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'TOPK_V2' || !isFloatActivation(sg.tensors[op.inputs[0]])) return;
    if (!choosesRows(sg, readers, op.outputs[1], 0, new Set())) return;
    out.add(k);
    scores(op.inputs[0], 0);
  });
  return out;
}
