// Values of chosen tensors of the converted float model, read on LiteRT sample by sample: the one way calibration
// (ranges of converter-made tensors) and bias correction (each layer's float input) read intermediates.
//
// A copy of the model declares the tensors as extra outputs. Graph inputs among them are never declared: an input
// that is also an output is bound to the output's fresh buffer and the model runs on that memory (every later value
// wrong: BlazeFace's bias correction measured NaN everywhere); they are read from the sample's own feed instead.
// Tensors that already are graph outputs are read where they are.
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { openTflite } from '../runtime/litert';
import { toTfliteLayout } from '../runtime/tflite-onnx-io';
import { serializeTflite } from '../tflite/writer';

/** Calls `each` once per sample with the float32 values of `tensors` (TFLite tensor index → values, in LiteRT
 *  layout) from the float model `result` on LiteRT. Only FLOAT32 tensors are readable this way. */
export async function readFloatValues(result: ConvertResult, tensors: number[], samples: Tensor[][],
  each: (values: Map<number, Float32Array>, sample: number) => void): Promise<void> {
  const sg = result.model.subgraphs[0];
  const want = [...new Set(tensors)];
  if (!want.length || !samples.length) return;
  const extra = want.filter((i) => !sg.outputs.includes(i) && !sg.inputs.includes(i));
  const outputs = [...sg.outputs, ...extra];
  const debug = { ...result.model, signatures: undefined, subgraphs: [{ ...sg, outputs }, ...result.model.subgraphs.slice(1)] };
  const session = await openTflite(serializeTflite(debug));
  try {
    const md = result.metadata;
    for (let s = 0; s < samples.length; s++) {
      const feeds = md.inputs.map((m, k) => toTfliteLayout(samples[s][k], m));
      const out = await session.run(feeds);
      const values = new Map<number, Float32Array>();
      for (const i of want) {
        const k = outputs.indexOf(i);
        if (k >= 0) values.set(i, out[k].data as Float32Array);
      }
      md.inputs.forEach((m, k) => { if (want.includes(m.tflite)) values.set(m.tflite, feeds[k].data as Float32Array); });
      each(values, s);
    }
  } finally {
    session.close();
  }
}
