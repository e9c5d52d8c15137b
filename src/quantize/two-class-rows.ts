// Two-class rows read by each row's arg-max in the guard's measure itself (output-cosine.ts guardMeasures), so that the
// search, the guard and the held-out guard read them alike. s28-guard7 judged a tabular classifier's `[N, 2]` softmax
// by its rows' arg-max only when the guard had already missed (argmax-guard.ts twoClassRowsGuard), while the measure
// the search climbs still read the rows as a detector's foreground class rows (score-rows.ts: class 0 taken for the
// background, the rows' mean per class removed), whose spread between rows is a few int8 steps: SAINT op17 was written
// with 38 ops float32 that the search had spent on a class-row cosine of 0.9812 (plain int8 0.9489), every row's
// arg-max holding in plain int8 already. Here a table that may be two-class rows (no box table beside it:
// twoClassOutputs, found on the converted graph and carried by output-roles.ts) whose rows the class-row judge would
// read as foreground for at least MIN_ROW_SHARE of them (a detector's scores are nearly all background) is judged by
// the arg-max of each row against onnxruntime, near-ties apart (argmax-guard.ts argmaxHolds), on the cosine's scale:
// 1 with no flip, above 0.99 while the flips are ones a flip rate of 1 − MIN_ARGMAX_SHARE explains on that many rows
// (the binomial bar argmaxGuardMet applies), below it beyond.
import type { Tensor } from '../ir/types';
import type { TflSubgraph } from '../tflite/model';
import type { OnnxLiteMetadata } from '../convert/metadata';
import { boxTablesBeside, tfliteOutputShapes } from './box-rows';
import { backgroundClass, foregroundRows } from './score-rows';
import { FLIP_ALPHA, MIN_ARGMAX_SHARE, argmaxHolds, binomialTail } from './argmax-guard';

/** Share of a two-class table's rows the guard's class-row judge (score-rows.ts) must read as foreground for the table
 *  to be N independent rows: a detector's scores are nearly all background (Ultra-Light: 30 face rows of 17,640), a
 *  tabular / pair classifier's [N, 2] rows each an answer (SAINT op17: 16 of 16). */
export const MIN_ROW_SHARE = 0.5;

/** ONNX names of the float outputs that may be two-class rows: [.., N, 2] with N ≥ 2 and no box table of the same
 *  rows beside them (box-rows.ts boxTablesBeside: that is a detector's scores). */
export function twoClassOutputs(sg: TflSubgraph, metadata: Pick<OnnxLiteMetadata, 'outputs'>): Set<string> {
  const shapes = tfliteOutputShapes(sg, metadata);
  const two = new Set(shapes.filter((o) => o.float && o.dims.at(-1) === 2 && o.dims.slice(0, -1).reduce((a, d) => a * Math.max(1, d), 1) >= 2).map((o) => o.name));
  const beside = new Set(boxTablesBeside(shapes, two).values());
  return new Set([...two].filter((n) => !beside.has(n)));
}

/** Of the score tables `tables` (output-cosine.ts scoreTableOutputs), the two-class `candidates` whose rows the
 *  class-row judge reads as foreground for at least MIN_ROW_SHARE of them on these samples. */
export function independentRows(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], tables: ReadonlySet<string>,
  candidates: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const name of tables) {
    if (!candidates.has(name)) continue;
    const want = refs.map((r) => r.get(name)?.data).filter((d): d is Float32Array => d instanceof Float32Array);
    if (want.length !== refs.length || refs[0]?.get(name)?.dims.at(-1) !== 2) continue;
    const background = backgroundClass(want, 2);
    let rows = 0;
    let judged = 0;
    want.forEach((w, k) => {
      const g = outputs[k]?.get(name)?.data;
      rows += w.length / 2;
      if (g instanceof Float32Array && g.length === w.length) judged += foregroundRows(w, g, 2, background).length;
    });
    if (rows > 0 && judged >= MIN_ROW_SHARE * rows) out.add(name);
  }
  return out;
}

/** What the two-class judge read on these samples (`--json` guard.heldOut / the search's parts). */
export interface TwoClassRows { outputs: string[]; positions: number; held: number; ties: number; share: number; cosine: number }

/** The most flips among `positions` that a flip rate of 1 − MIN_ARGMAX_SHARE explains (argmaxGuardMet's bar). */
export function flipsExplained(positions: number): number {
  let f = 0;
  while (f < positions && binomialTail(f + 1, positions, 1 - MIN_ARGMAX_SHARE) >= FLIP_ALPHA) f++;
  return f;
}

/** Answers held among `positions` counted on the cosine's scale (see the header): 1 without a flip, over 0.99 up to
 *  the flips a flip rate of 1 − MIN_ARGMAX_SHARE explains, under 0.99 beyond, 0.5 lower per unit share of positions
 *  past them (as argmax-guard.ts argmaxCosine). Two-class rows and pitch frames (pitch-frames.ts) read by it. */
export function heldCosine(positions: number, held: number): number {
  const flips = positions - held;
  if (flips <= 0 || positions <= 0) return 1;
  const allowed = flipsExplained(positions);
  if (flips <= allowed) return 1 - (0.01 * flips) / (allowed + 1);
  return Math.max(0, 0.99 - (0.5 * (flips - allowed)) / positions);
}

/** Two-class rows held on the cosine's scale (heldCosine). */
export const twoClassCosine = (positions: number, held: number): number => heldCosine(positions, held);

/** The rows of `names` judged by their arg-max over the samples (undefined when none). */
export function twoClassRows(refs: Map<string, Tensor>[], outputs: Map<string, Tensor>[], names: ReadonlySet<string>): TwoClassRows | undefined {
  if (!names.size) return undefined;
  let positions = 0;
  let held = 0;
  let ties = 0;
  refs.forEach((ref, k) => {
    for (const name of names) {
      const want = ref.get(name)?.data;
      const got = outputs[k]?.get(name)?.data;
      if (!(want instanceof Float32Array) || !(got instanceof Float32Array) || want.length !== got.length) continue;
      const a = argmaxHolds(want, got, 2);
      positions += a.positions - a.ties;
      held += a.held;
      ties += a.ties;
    }
  });
  return { outputs: [...names], positions, held, ties, share: positions ? held / positions : 1, cosine: heldCosine(positions, held) };
}
