// Headroom for a normalization's per-token variance (LayerNorm / RMSNorm over the last axis: mean(x²) and + ε before
// the inverse root). Calibrated on few tokens (a decoding step: 16 samples of 2 tokens), a new token's variance goes
// past its int8 range and the clipped variance scales that whole token (GQA decoder held-out logits cosine 0.982;
// widening these two tensors alone: 0.9927; the residual stream itself, 16% past its range on that token: 0.9821).
// Widening every small-sample range instead cost PaddleOCR rec 87.5% -> 83.3% of lines: only these tensors, found by
// graph structure, get it, by how much the calibration samples' own extremes spread.
import type { ConvertResult } from '../convert/convert';
import type { Range } from '../quantize/params';
import type { TflOperator, TflSubgraph } from '../tflite/model';
import { consumersOf, isConst, producersOf } from '../tflite/graph';

/** Each key's extremes per calibration sample (RangeCollector.add feeds it). */
export class SampleExtremes {
  private readonly lows = new Map<number, number[]>();
  private readonly highs = new Map<number, number[]>();
  private readonly counts = new Map<number, number>();

  /** One sample's `count` values of `key`, from `lo` to `hi`. */
  add(key: number, lo: number, hi: number, count: number): void {
    push(this.lows, key, lo);
    push(this.highs, key, hi);
    this.counts.set(key, (this.counts.get(key) ?? 0) + count);
  }

  /** How many values calibrated `key` over all samples. */
  count(key: number): number {
    return this.counts.get(key) ?? 0;
  }

  /** The margin past the calibrated extreme at each end (0 with fewer than 4 samples): a Gumbel fit of the samples'
   *  extremes (scale β = sd · √6 / π) moved from the quantile the largest of k samples sits at to the one that one
   *  sample in 16·k exceeds, β · ln 16 (≈ 2.2 sd). */
  margin(key: number): { below: number; above: number } {
    return { below: gumbelStep(this.lows.get(key)), above: gumbelStep(this.highs.get(key)) };
  }
}

function push(m: Map<number, number[]>, key: number, v: number): void {
  const l = m.get(key);
  if (l) l.push(v);
  else m.set(key, [v]);
}

const MIN_SAMPLES = 4;
const GUMBEL_BETA = Math.sqrt(6) / Math.PI;

function gumbelStep(v: number[] | undefined): number {
  if (!v || v.length < MIN_SAMPLES) return 0;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return GUMBEL_BETA * sd * Math.log(16);
}

/** The int32 axes of a MEAN (constant second input), or undefined. */
function meanAxes(sg: TflSubgraph, op: TflOperator): number[] | undefined {
  const t = sg.tensors[op.inputs[1]];
  if (!t?.data || t.type !== 'INT32') return undefined;
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return Array.from({ length: t.data.byteLength / 4 }, (_, i) => dv.getInt32(4 * i, true));
}

/** Reads of a normalization's variance on its way to the inverse square root: + ε, then the root itself. */
const TO_ROOT = new Set(['ADD', 'RSQRT', 'SQRT']);

/** Tensors of subgraph 0 that hold a normalization's per-token variance over the last axis: MEAN(x·x),
 *  MEAN(SQUARE(x)) or MEAN(POW(x, 2)) (x centered for a LayerNorm, as is for an RMSNorm), and its sum with ε before
 *  the RSQRT / SQRT. */
export function normVariances(sg: TflSubgraph): Set<number> {
  const prod = producersOf(sg.operators);
  const readers = consumersOf(sg.operators);
  const out = new Set<number>();
  const squared = (t: number) => {
    const k = prod.get(t);
    if (k === undefined) return false;
    const op = sg.operators[k];
    return op.opcode === 'SQUARE' || (op.opcode === 'MUL' && op.inputs[0] === op.inputs[1])
      || (op.opcode === 'POW' && isConst(sg.tensors[op.inputs[1]]));
  };
  for (const op of sg.operators) {
    if (op.opcode !== 'MEAN' || !squared(op.inputs[0])) continue;
    const rank = sg.tensors[op.inputs[0]].shape.length;
    if (!meanAxes(sg, op)?.some((a) => a === rank - 1 || a === -1)) continue;
    out.add(op.outputs[0]);
    // + ε (a constant) before the root.
    for (const k of readers.get(op.outputs[0]) ?? []) {
      const r = sg.operators[k];
      const other = r.inputs.find((i) => i !== op.outputs[0]);
      if (r.opcode === 'ADD' && other !== undefined && isConst(sg.tensors[other])
        && (readers.get(r.outputs[0]) ?? []).every((j) => TO_ROOT.has(sg.operators[j].opcode))) out.add(r.outputs[0]);
    }
  }
  return out;
}

/** Below this many calibrated values (tokens, for a per-token variance) a variance gets headroom: a held-out token
 *  passes the largest of n with a chance of about 1/n (GQA decoder: 32, a decoding step's 2 tokens in 16 samples;
 *  GPT-2 / LLaMA steps 64). From here on the coarser int8 step costs more than the rare clip: PaddleOCR rec's
 *  LayerNorms (40 tokens in 24 lines, 960) with it quantized to a model whose guard search missed (cosine 0.9489). */
export const HEADROOM_BELOW = 256;

/** `ranges` with each normalization variance calibrated on fewer than HEADROOM_BELOW values moved out by its
 *  samples' margin (the graph's outputs keep theirs: keepExtremes). Changes `ranges` in place and returns it. */
export function withNormHeadroom(result: ConvertResult, ranges: Map<number, Range>, extremes: SampleExtremes): Map<number, Range> {
  const sg = result.model.subgraphs[0];
  const outputs = new Set(sg.outputs);
  for (const k of normVariances(sg)) {
    const r = ranges.get(k);
    if (!r || outputs.has(k) || extremes.count(k) >= HEADROOM_BELOW) continue;
    const m = extremes.margin(k);
    ranges.set(k, { min: r.min < 0 ? r.min - m.below : r.min, max: r.max > 0 ? r.max + m.above : r.max });
  }
  return ranges;
}
