// The float models the int8 search measures (mixed-precision.ts): a copy quantizeInt8 may change, a candidate's worst
// output cosine against onnxruntime, and onnxruntime's outputs on the samples. Moved from mixed-precision.ts unchanged
// (re-exported there).
import type { ConvertResult } from '../convert/convert';
import type { Model, Tensor } from '../ir/types';
import { encodeModel } from '../onnx/writer';
import { openOnnx } from '../runtime/ort';
import { openConverted } from '../runtime/tflite-onnx-io';
import { worstOutputCosine } from './output-cosine';

/** A copy of a float ConvertResult that quantizeInt8 can change without touching the original. */
export function cloneResult(r: ConvertResult): ConvertResult {
  const model = { ...r.model, metadata: new Map(r.model.metadata), subgraphs: r.model.subgraphs.map((sg) => ({
    ...sg, tensors: [...sg.tensors], inputs: [...sg.inputs], outputs: [...sg.outputs],
    operators: sg.operators.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs], options: op.options && { ...op.options } })),
  })) };
  return { ...r, model, warnings: [...r.warnings], opHistogram: { ...r.opHistogram } };
}

/** The worst cosine over samples and float outputs between the quantized model and the ONNX reference. */
export async function score(tflite: Uint8Array, samples: Tensor[][], refs: Map<string, Tensor>[], probabilities?: ReadonlySet<string>): Promise<number> {
  const s = await openConverted(tflite);
  try {
    const outputs: Map<string, Tensor>[] = [];
    for (let k = 0; k < samples.length; k++) outputs.push(await s.run(samples[k]));
    return worstOutputCosine(refs, outputs, probabilities);
  } finally {
    s.close();
  }
}

/** onnxruntime's outputs of `onnx` on `samples`, by output name. */
export async function referenceOutputs(onnx: Model, samples: Tensor[][]): Promise<Map<string, Tensor>[]> {
  const outputs = onnx.graph.outputs.map((o) => o.name);
  const session = await openOnnx(encodeModel(onnx, { valueInfo: false }));
  const refs: Map<string, Tensor>[] = [];
  try {
    for (const s of samples) refs.push(await session.run(s, outputs));
  } finally {
    await session.close();
  }
  return refs;
}

/** The search's candidates scored once per set of choices: a candidate built from the same ops in 16x8 / split /
 *  float32 and the same float-stored weights is the same model, so its score is kept, not run on LiteRT again.
 *  PaddleOCR v4 det's steps k = 1-12 each re-measured its 29-op float32 prefix (the ranked points' ops all inside it).
 *  `tag` marks a built candidate with its choices; `score` runs an untagged one every time. */
export class CandidateScores<R extends object, S> {
  private readonly keys = new WeakMap<R, string>();
  private readonly scores = new Map<string, Promise<S>>();
  /** Candidates whose score was taken from an earlier run of the same choices. */
  hits = 0;

  constructor(private readonly run: (r: R) => Promise<S>) {}

  tag(r: R, ...choices: Iterable<number | string>[]): R {
    this.keys.set(r, choices.map((c) => [...c].map(String).sort().join(',')).join('|'));
    return r;
  }

  score(r: R): Promise<S> {
    const key = this.keys.get(r);
    if (key === undefined) return this.run(r);
    const known = this.scores.get(key);
    if (known) { this.hits++; return known; }
    const s = this.run(r);
    this.scores.set(key, s);
    // A failed run is not kept: the next candidate with these choices runs again.
    s.catch(() => this.scores.delete(key));
    return s;
  }
}
