// A classifier's head runs 16x8 in int8 models (int16 activations, int8 weights, int64 bias): the last
// FULLY_CONNECTED of a small score vector that only leaves the model (int8-logit-outputs.ts finds it, with its views).
// int8 gives the logits one step of (max − min) / 255 over every class and every picture: trained classifiers' logits
// span hundreds of units (a GTSRB CNN [−162, 96]: a step of 1.0; a CIFAR-100 CNN [−1711, 2487]: 16.5), so two classes
// closer than a step come out as the same int8 value and the arg-max takes the first (GTSRB: 8 of 170 signs changed
// class, every one an exact tie, while the output cosine read 0.9998). int16's step is 256× finer.
// Why 16x8 and not float32 (s28-trained11's first form of the rule): the head's weights stay int8, so the file's size
// does not move (CIFAR-100's head is 24,300 of its 25,066 weights: float32 weights took the int8 file from 33% to
// ~100% of float32); the int8 weights' own rounding is plain int8's, which the 16x8 output only stops tying.
// Off where the user asked for something the head would break: `--int16 off` (every activation int8: an accelerator
// without int16 kernels), `--int16 all` (the head is 16x8 already, with residual weights), `--int8-io` (the output is
// int8: the ties come back at the QUANTIZE), `--per-tensor` (one weight scale per tensor asked for), and a QDQ model's
// own scales (perChannel: the logits' scale is the model's). A ranker reading the scores (ARG_MAX / TOPK_V2, no int16
// kernel) computes in float32 from the int16 scores; a final SOFTMAX is float32 already (int8-float-islands.ts
// 'probability').
import type { ConvertResult } from '../convert/convert';
import type { TflSubgraph } from '../tflite/model';
import type { Int8Options } from './int8';
import type { Int16Mode } from './mixed-precision';
import { consumersOf } from './graph';
import { INT16_OPS, int16Capable } from './int16';
import { MAX_SCORES, logitOutputOps } from './int8-logit-outputs';
import type { QParams } from './params';

/** The options the rule reads: the int8 pass's, `--int16`'s mode (full-int8.ts passes it through), and
 *  `classifierHead: false`, the rule off (tests of other rules on a model whose only or last layer is a head). */
export type HeadOptions = Int8Options & { int16?: Int16Mode; classifierHead?: boolean };

/** Ops that rank scores: they read the int16 scores in float32 (no int16 kernel; an int8 copy would tie them again). */
const RANKERS = new Set(['ARG_MAX', 'ARG_MIN', 'TOPK_V2']);
/** Views carrying the scores to an output, as written after the int8 pass (the int16 → float DEQUANTIZE too). */
const CARRIERS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'DEQUANTIZE', 'SOFTMAX', ...RANKERS]);

export interface ClassifierHead {
  /** The ops run 16x8 (the FULLY_CONNECTED and the views it takes in int16). */
  int16: Set<number>;
  /** The ops computed in float32 from the int16 scores (views without an int16 kernel, rankers). */
  float: Set<number>;
}

/** Whether the rule applies under these options. */
export function headRuleOn(opts: HeadOptions): boolean {
  return opts.classifierHead !== false && !opts.int8Io && !opts.perTensor && !opts.perChannel && opts.int16 !== 'off' && opts.int16 !== 'all';
}

/** The classifier head of `sg` to run 16x8 (float model indices), or undefined when there is none, the options turn
 *  the rule off, or a tensor of it has no parameters (no calibration range). */
export function classifierHead(sg: TflSubgraph, params: Map<number, QParams>, opts: HeadOptions): ClassifierHead | undefined {
  if (!headRuleOn(opts)) return undefined;
  const taken = logitOutputOps(sg);
  if (taken.size === 0) return undefined;
  const readers = consumersOf(sg);
  const int16 = new Set<number>();
  const float = new Set<number>();
  for (const k of taken) {
    const op = sg.operators[k];
    const wide = (op.opcode === 'FULLY_CONNECTED' || !!INT16_OPS[op.opcode]) && int16Capable(op, sg.tensors);
    if (op.opcode === 'FULLY_CONNECTED' && !(wide && params.has(op.inputs[0]) && params.has(op.outputs[0]))) return undefined;
    (wide && op.outputs.every((o) => params.has(o)) ? int16 : float).add(k);
    for (const o of op.outputs) for (const r of readers.get(o) ?? []) if (RANKERS.has(sg.operators[r].opcode)) float.add(r);
  }
  return { int16, float };
}

/** `opts` with the classifier head of `result` in 16x8 (int16Ops) and its rankers float32 (floatOps), and the
 *  warning line saying so; `opts` as it is when the rule does not apply. Called by the int8 pass (int8.ts). */
export function withClassifierHead(result: ConvertResult, params: Map<number, QParams>, opts: HeadOptions): Int8Options {
  const sg = result.model.subgraphs[0];
  const head = classifierHead(sg, params, opts);
  const fc = head && [...head.int16].find((k) => sg.operators[k].opcode === 'FULLY_CONNECTED');
  // A head the search already moved (16x8, or float32 with its own weights) stays as the search chose.
  if (!head || fc === undefined || opts.int16Ops?.has(fc) || opts.floatOps?.has(fc)) return opts;
  const out = sg.tensors[sg.operators[fc].outputs[0]];
  const scores = out.shape.reduce((a, d) => a * Math.max(1, d), 1);
  result.warnings.push(`int8: the classifier head (the FULLY_CONNECTED making ${scores} scores, ${out.name}) runs 16x8 `
    + '(int16 activations, int8 weights): int8\'s one step over every class would tie close logits; --int16 off keeps it int8');
  return {
    ...opts,
    int16Ops: new Set([...(opts.int16Ops ?? []), ...head.int16]),
    floatOps: new Set([...(opts.floatOps ?? []), ...[...head.float].filter((k) => !opts.int16Ops?.has(k))]),
  };
}

/** The classifier head as written (a 16x8 FULLY_CONNECTED whose score vector of at most MAX_SCORES values only
 *  leaves the model, through views, a DEQUANTIZE, a SOFTMAX or a ranker): its output's name and score count, for
 *  convert's `--json` (`quantization.classifierHead`). */
export function classifierHeadOf(sg: TflSubgraph): { tensor: string; scores: number; precision: '16x8' } | undefined {
  const readers = consumersOf(sg);
  const outputs = new Set(sg.outputs);
  const leaves = (t: number, depth: number): boolean => {
    const r = readers.get(t) ?? [];
    if (depth > 8 || (r.length === 0 && !outputs.has(t))) return false;
    return r.every((k) => CARRIERS.has(sg.operators[k].opcode) && (RANKERS.has(sg.operators[k].opcode) || leaves(sg.operators[k].outputs[0], depth + 1)));
  };
  for (let k = sg.operators.length - 1; k >= 0; k--) {
    const op = sg.operators[k];
    const out = sg.tensors[op.outputs[0]];
    if (op.opcode !== 'FULLY_CONNECTED' || out.type !== 'INT16' || !out.shape.slice(0, -1).every((d) => d <= 1)) continue;
    const scores = out.shape.reduce((a, d) => a * Math.max(1, d), 1);
    // Named as the float model names it: the DEQUANTIZE's output when the scores leave as float32.
    const dq = (readers.get(op.outputs[0]) ?? []).find((r) => sg.operators[r].opcode === 'DEQUANTIZE');
    const tensor = dq === undefined ? out.name : sg.tensors[sg.operators[dq].outputs[0]].name;
    if (scores <= MAX_SCORES && leaves(op.outputs[0], 0)) return { tensor, scores, precision: '16x8' };
  }
  return undefined;
}
