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

/** Calls `each` once per sample with the float32 values of `tensors` (TFLite tensor index → values, in LiteRT
 *  layout) from the float model `result` on LiteRT. Only FLOAT32 tensors are readable this way. */
export async function readFloatValues(result: ConvertResult, tensors: number[], samples: Tensor[][],
  each: (values: Map<number, Float32Array>, sample: number) => void): Promise<void> {
  const sg = result.model.subgraphs[0];
  const want = [...new Set(tensors)].filter((i) => sg.tensors[i]?.type === 'FLOAT32');
  if (!want.length || !samples.length) return;
  const copy = debugCopy(result.model, want);
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
