// Multi-label sigmoid outputs judged by their decisions (issue #13, s29-guard10). A classifier of independent labels
// (a pitch detector's notes, a sign reader's 39 signs, a tagger's tags) ends in a LOGISTIC of a FULLY_CONNECTED: each
// value is a yes / no the app takes by a threshold, not a map and not one answer among classes. The guard's cosine
// read ThePitchDetect's eight note probabilities as one vector (s29-trained12): int8 written at guard 0.9959 while 55
// of 1,600 note decisions moved on held-out frames and 149 / 200 frames kept their notes (fp16 / dynamic 200 / 200);
// and the VSL sign LSTM's 39 near-zero sigmoids read a held-out cosine of 0.7299 while all 165 recordings kept their
// sign. So such an output (a LOGISTIC whose input a FULLY_CONNECTED made, through views and an ADD / MUL by a
// constant; a last axis of MIN_LABELS labels or more, at most two non-unit axes: a vector or rows of labels, not box rows)
// is judged per value by its decision at DECISION_THRESHOLD: held when both sides are on the same side of it. The
// decisions held are judged as class ids are (argmax-guard.ts MIN_ARGMAX_SHARE with the binomial slack, on the cosine's
// scale: two-class-rows.ts heldCosine), and leave the element-wise cosine. A decision whose reference lies within
// NEAR_DECISION of the threshold is a near-tie (onnxruntime's own ±1 grey of input noise moves such ones) and is not
// counted, as argmaxHolds skips near-tied classes. Only outputs whose references mostly decide (at most MAX_MIDRANGE
// of their values in (0.1, 0.9), mask-guard.ts's test of a mask against a picture) are read so: a sigmoid of a dense
// layer that gives values (Instant-NGP's colours, TranAD's reconstructions) keeps the cosine.
import type { Tensor } from '../ir/types';
import type { TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { producersOf } from './graph';
import { heldCosine } from './two-class-rows';
import { eachPairedValue } from './pitch-frames';
import { isBoxRows } from './task-signal';
import { MAX_MIDRANGE, midrangeShare } from './mask-guard';

/** A label is "on" above this probability (the usual default; an app's own may be lower: ThePitchDetect's analyzer
 *  keeps the notes over 0.2, where int8 moves more decisions: docs/model-sweep.md s29-guard10). */
export const DECISION_THRESHOLD = 0.5;
/** Labels on the last axis from which a sigmoid output is read as labels. */
export const MIN_LABELS = 2;
/** A reference probability this close to the threshold is a near-tie, not counted. */
export const NEAR_DECISION = 1e-3;

const VIEWS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'DEQUANTIZE', 'QUANTIZE']);

/** Whether tensor `t` is made, through views and an ADD / MUL by a constant (the dynamo export's addmm: β·b + α·xW), by a FULLY_CONNECTED (or a BATCH_MATMUL by a
 *  constant). */
function fromDense(sg: TflSubgraph, t: number, producer: Map<number, number>): boolean {
  for (let depth = 0; depth < 8; depth++) {
    const k = producer.get(t);
    if (k === undefined) return false;
    const op = sg.operators[k]!;
    if (op.opcode === 'FULLY_CONNECTED') return true;
    if (op.opcode === 'BATCH_MATMUL') return op.inputs.slice(0, 2).some((i) => !!sg.tensors[i]?.data);
    if (VIEWS.has(op.opcode)) { t = op.inputs[0]!; continue; }
    if (op.opcode === 'ADD' || op.opcode === 'MUL') {
      const [a, b] = op.inputs as [number, number];
      if (sg.tensors[b]?.data) { t = a; continue; }
      if (sg.tensors[a]?.data) { t = b; continue; }
    }
    return false;
  }
  return false;
}

/** Whether output tensor `o` is multi-label sigmoid probabilities (see the header). */
export function isMultiLabel(sg: TflSubgraph, o: number, producer = producersOf(sg)): boolean {
  const shape = sg.tensors[o]!.shape;
  if ((shape.at(-1) ?? 1) < MIN_LABELS || shape.filter((d) => d > 1).length > 2 || isBoxRows(shape)) return false;
  let t = o;
  for (let depth = 0; depth < 8; depth++) {
    const k = producer.get(t);
    if (k === undefined) return false;
    const op = sg.operators[k]!;
    if (VIEWS.has(op.opcode)) { t = op.inputs[0]!; continue; }
    return op.opcode === 'LOGISTIC' && fromDense(sg, op.inputs[0]!, producer);
  }
  return false;
}

/** ONNX names of a converted model's multi-label outputs. */
export function multiLabelOutputs(sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>): Set<string> {
  const producer = producersOf(sg);
  const float = (o: number) => sg.tensors[o]!.type === 'FLOAT32' || !!sg.tensors[o]!.quantization?.scale?.length;
  return new Set(sg.outputs.flatMap((o, j) => {
    const m = metadata.outputs.find((x) => x.tflite === o) ?? metadata.outputs[j];
    return m && float(o) && isMultiLabel(sg, o, producer) ? [m.onnx] : [];
  }));
}

/** Of the multi-label outputs `names`, those whose references over the samples mostly decide (see the header). */
export function decidingOutputs(refs: Map<string, Tensor>[], names: ReadonlySet<string>): Set<string> {
  return new Set([...names].filter((n) => {
    const values = refs.flatMap((r) => { const d = r.get(n)?.data; return d instanceof Float32Array ? Array.from(d) : []; });
    return values.length > 0 && midrangeShare(values) <= MAX_MIDRANGE;
  }));
}

/** `--json` guard.layouts.labels: the outputs, decisions judged, held, near-ties not counted, the share and its bar, and
 *  the share on the cosine's scale. */
export interface LabelDecisions { outputs: string[]; decisions: number; held: number; ties: number; share: number; min: number; cosine: number }

/** The multi-label outputs `names` over the samples, by their decisions at DECISION_THRESHOLD (undefined when none
 *  was judged). `min`: the share's bar. */
export function labelDecisions(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], names: ReadonlySet<string>, min: number): LabelDecisions | undefined {
  let decisions = 0, held = 0, ties = 0;
  const judged = eachPairedValue(refs, outputs, decidingOutputs(refs, names), (r, g) => {
    if (Math.abs(r - DECISION_THRESHOLD) < NEAR_DECISION) { ties++; return; }
    decisions++;
    if ((r > DECISION_THRESHOLD) === (g > DECISION_THRESHOLD)) held++;
  });
  if (!judged.size) return undefined;
  return { outputs: [...judged], decisions, held, ties, share: decisions ? held / decisions : 1, min, cosine: heldCosine(decisions, held) };
}
