// The self-check of an int8 file against the bar of the guard that accepted it. The float bar (max rel error 1e-2,
// cosine 0.999: verify-report.ts) is a float conversion's: an int8 file differs from the float model by its own
// rounding, so MOMENT's int8, accepted by its guard at cosine 0.9986 on its calibration series, read "NOT verified" at
// cosine 0.998616 / max rel 8.1e-2 on a calibration sample (s26-verify3). The int8 pass hands verify.ts a judge
// (src/quantize/verify-int8-bar.ts) that measures the outputs as its guard did: by cosine against --min-cosine (its
// held-out bar on a sample the guard never measured), and the outputs it judged by their task (probability maps by
// thresholded IoU, label sequences by their decode, logit maps by the IoU of their sign maps) the same way; max rel is
// reported, not judged (an int8 step is a large relative error on a small value).

/** A plain output of the self-check (ONNX layout, flattened): its values on both runtimes and its cosine. */
export interface JudgedOutput { name: string; dims: number[]; ref: Float32Array; got: Float32Array; cosine: number }

/** `--json` `verification.bar`: what the file was judged against and how it measured. */
export interface VerificationBar {
  /** Who set the bar (the int8 guard that accepted the file). */
  by: 'int8 guard';
  /** The cosine bar: --min-cosine (given or default) on one of the guard's samples, the guard's held-out bar
   *  (held-out-guard.ts) on a sample it never measured (a held-out calibration sample, or the seeded inputs). */
  minCosine: number;
  basis: 'min-cosine' | 'held-out';
  /** The worst cosine over the outputs judged by cosine (every output but the task ones below). */
  cosine: number;
  /** Outputs the guard judged by their task, measured so on this sample: kind, outputs, value, bar, verdict. */
  task?: { kind: 'mask' | 'sequence' | 'logit map'; outputs: string[]; value: number; min: number; met: boolean }[];
  met: boolean;
}

/** Measures the self-check's outputs against a bar; `otherCosine`: the worst cosine of what is not a plain output
 *  (detections or top-k rows compared as sets). */
export type BarJudge = (outputs: JudgedOutput[], otherCosine: number) => VerificationBar;

/** "against the int8 guard's bar (cosine 0.998616 >= 0.99, --min-cosine; maps (prob) IoU 0.9712 >= 0.95)". */
export function barText(b: VerificationBar): string {
  const basis = b.basis === 'held-out' ? 'the guard\'s held-out bar: a sample it did not measure' : '--min-cosine, on a sample the guard measured';
  const tasks = (b.task ?? []).map((t) => `; ${t.kind === 'sequence' ? 'label sequences' : t.kind === 'mask' ? 'probability maps' : 'logit maps (read at 0)'} `
    + `(${t.outputs.join(', ')}) ${t.kind === 'sequence' ? 'decoded identically' : 'IoU'} ${t.value.toFixed(4)} ${t.met ? '>=' : '<'} ${t.min}`).join('');
  return `against the int8 guard's bar (cosine ${b.cosine.toFixed(6)} ${b.cosine >= b.minCosine ? '>=' : '<'} ${b.minCosine}, ${basis}${tasks}; `
    + 'max rel error not judged: int8 rounding)';
}
