// Values of chosen tensors of the converted float model, read on LiteRT sample by sample: the one way calibration
// (ranges of converter-made tensors) and bias correction (each layer's float input) read intermediates.
//
// The tensors are read through compare's debug copy (src/compare/tap.ts), which feeds a tapped graph input through a
// CAST (an input that is also an output is bound to the output's fresh buffer and the model runs on that memory:
// BlazeFace's bias correction measured NaN everywhere) and packs many taps into a few outputs (LiteRT's run time
// grows with the square of the output count: an unrolled BiLSTM's 6,283 tensors took 300 s a sample unpacked).
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { copyFeeds, debugCopy } from '../compare/tap';
import { openTflite } from '../runtime/litert';
import { toTfliteLayout } from '../runtime/tflite-onnx-io';

/** Bytes of tapped values one debug copy reads a run. Every tap lives to the end of the run and is packed into an
 *  output beside the others: r2plus1d_18's 51 frame slices (454 MB) over its 507 MB float heap made LiteRT fail to
 *  make the output's buffer (`litert_tensor_buffer.h:128`). Past this, the taps are read in several copies, each run
 *  over every sample (a field, so that tests can lower it). */
export const tapLimits = { batchBytes: 256 * 2 ** 20 };

/** `want` cut in order into runs of at most `limit` bytes (a tensor larger than that alone). */
function batches(sg: { tensors: { shape: number[] }[] }, want: number[], limit: number): number[][] {
  const out: number[][] = [];
  let bytes = 0;
  for (const i of want) {
    const b = sg.tensors[i].shape.reduce((a, c) => a * c, 4);
    if (!out.length || bytes + b > limit) { out.push([]); bytes = 0; }
    out[out.length - 1].push(i);
    bytes += b;
  }
  return out;
}

/** Calls `each` once per sample and per batch of at most tapLimits.batchBytes (one call per sample for most models)
 *  with the float32 values of `tensors` (TFLite tensor index → values, in LiteRT layout) from the float model `result`
 *  on LiteRT. Only FLOAT32 tensors are readable this way. */
export async function readFloatValues(result: ConvertResult, tensors: number[], samples: Tensor[][],
  each: (values: Map<number, Float32Array>, sample: number) => void): Promise<void> {
  const sg = result.model.subgraphs[0];
  const want = [...new Set(tensors)].filter((i) => sg.tensors[i]?.type === 'FLOAT32');
  if (!want.length || !samples.length) return;
  for (const batch of batches(sg, want, tapLimits.batchBytes)) {
    const copy = debugCopy(result.model, batch);
    const session = await openTflite(copy.bytes);
    try {
      const md = result.metadata;
      for (let s = 0; s < samples.length; s++) {
        const feeds = md.inputs.map((m, k) => toTfliteLayout(samples[s][k], m));
        const out = copy.read(await session.run(copyFeeds(session.inputs, feeds)));
        const values = new Map<number, Float32Array>();
        for (const [i, t] of out) values.set(i, t.data as Float32Array);
        each(values, s);
      }
    } finally {
      session.close();
    }
  }
}
