// A classifier's scores: the FULLY_CONNECTED that makes a small score vector which only leaves the model (an output,
// through views, a final SOFTMAX or an ARG_MAX / TOPK), with those views. Not through a LOGISTIC: one probability has
// no classes to tie, and a sigmoid head's layer stays int8 (a VAD's decoder).
// int8 gives the logits one step of (max − min) / 255 over every class and every picture: trained classifiers' logits
// span hundreds of units (a GTSRB CNN [−162, 96]: a step of 1.0; a CIFAR-100 CNN [−1711, 2487]: 16.5), so two
// classes closer than a step come out as the same int8 value and the arg-max takes the first (GTSRB: 8 of 170 signs
// changed class, every one an exact tie, while the output cosine read 0.9998; CIFAR-100: 20 of 200). PyTorch
// classifiers are mostly exported without their softmax, the logits being the output; where a final SOFTMAX is in
// the graph it is float already (int8-float-islands.ts 'probability') and the layer before it is named too.
// The int8 pass runs what this finds in 16x8 (int8-classifier-head.ts: int16 scores, int8 weights). A head of more
// than MAX_FLOAT_WEIGHTS weights (an ImageNet head, 1280 × 1000) is not taken: a 16x8 FULLY_CONNECTED runs TFLite's
// reference kernel, not XNNPack's, and that cost was not measured on a head of that size.
import type { TflSubgraph } from '../tflite/model';
import { consumersOf } from './graph';

/** At most this many values per output, one vector per sample ([1, C]): a class / score vector, not a map nor a
 *  sequence of per-step logits (a projection over T positions, a CTC recognizer's [1, T, C]). */
export const MAX_SCORES = 4096;
/** At most this many weights (the largest head measured in 16x8 has 24,300: a CIFAR-100 CNN's). */
export const MAX_FLOAT_WEIGHTS = 262144;
/** Views that carry the scores unchanged, and the final ops that only rank or squash them. */
const VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS']);
const FINAL = new Set(['SOFTMAX', 'ARG_MAX', 'ARG_MIN', 'TOPK_V2']);

/** Op indices: each FULLY_CONNECTED of at most MAX_FLOAT_WEIGHTS weights whose output (one vector of at most MAX_SCORES values)
 *  reaches only graph outputs, through VIEWS and at most one FINAL op on each path, with the views before the final op. */
export function logitOutputOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const outputs = new Set(sg.outputs);
  const size = (t: number) => sg.tensors[t].shape.reduce((a, d) => a * Math.max(1, d), 1);
  const vector = (t: number) => sg.tensors[t].shape.slice(0, -1).every((d) => d <= 1);
  // The views from `t` on (before any final op), or undefined when a path computes on the scores.
  const forward = (t: number, final: boolean, depth: number): number[] | undefined => {
    const r = readers.get(t) ?? [];
    if (depth > 8 || (r.length === 0 && !outputs.has(t))) return undefined;
    const ops: number[] = [];
    for (const k of r) {
      const op = sg.operators[k];
      if (op.inputs[0] !== t) return undefined;
      const isFinal = FINAL.has(op.opcode);
      if ((!VIEWS.has(op.opcode) && !isFinal) || (isFinal && final)) return undefined;
      if (isFinal && op.opcode !== 'SOFTMAX') continue; // a ranker's ids leave as they are
      const next = forward(op.outputs[0], final || isFinal, depth + 1);
      if (!next) return undefined;
      if (!final && !isFinal) ops.push(k);
      ops.push(...next);
    }
    return ops;
  };
  const out = new Set<number>();
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'FULLY_CONNECTED' || !vector(op.outputs[0]) || size(op.outputs[0]) > MAX_SCORES) return;
    if (!(op.inputs[1] >= 0 && size(op.inputs[1]) <= MAX_FLOAT_WEIGHTS)) return;
    const views = forward(op.outputs[0], false, 0);
    if (!views) return;
    out.add(k);
    views.forEach((v) => out.add(v));
  });
  return out;
}
