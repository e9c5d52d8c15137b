// Task measures of scripts/check-int8-zoo.ts for the trained models of docs/model-sweep.md "int8 on trained models
// not tried before (s28-trained11)", decoded as each repository's own code does:
// - ctc (a CRNN whose first output is [1, T, C] per-step probabilities with the CTC blank last, mltu's
//   ctc_decoder as BoxFactura/sat-captcha-ai-model's inferenceModel.py calls it: arg-max per step, repeats merged,
//   blanks dropped, indices into its vocabulary): the text the same as onnxruntime's, and both against the file's
//   text (`<TEXT>_<n>.png`, scripts/export/trained11-samples.py captcha). VOCAB (environment) names the characters
//   (default the SAT captcha model's).
// The other models of that section use the existing kinds: classes (Quick-Draw, GTSRB, CIFAR-100, the SayIt keyword
// spotter, with LABELS word lists) and score (MesoNet's one sigmoid).
import type { Outs } from './int8-zoo-tasks';
import { textJudge } from './int8-zoo-trained10';

const VOCAB = process.env.VOCAB ?? 'Y65WRD98SMBG3NJ21CP4KF7ZXHVTQL';

/** Greedy CTC decode of [1, T, C] scores, blank = C − 1 (mltu's ctc_decoder). */
export function ctcText(m: Outs): string {
  const t = m.get([...m.keys()][0])!;
  const c = t.dims[t.dims.length - 1], steps = (t.data as Float32Array).length / c, d = t.data as Float32Array;
  let out = '', prev = -1;
  for (let s = 0; s < steps; s++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (d[s * c + k] > d[s * c + best]) best = k;
    if (best !== prev && best !== c - 1) out += VOCAB[best] ?? '?';
    prev = best;
  }
  return out;
}

/** The captcha read the same as onnxruntime's, and both against the file's text. */
export const ctcJudge = textJudge(ctcText);
