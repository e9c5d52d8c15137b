// Values of chosen tensors of the converted float model, read on LiteRT sample by sample: the one way calibration
// (ranges of converter-made tensors) and bias correction (each layer's float input) read intermediates.
//
// A copy of the model declares the tensors as extra outputs. Graph inputs among them are never declared: an input
// that is also an output is bound to the output's fresh buffer and the model runs on that memory (every later value
// wrong: BlazeFace's bias correction measured NaN everywhere); they are read from the sample's own feed instead.
// Tensors that already are graph outputs are read where they are. LiteRT's run time grows with the square of the
// output count (an unrolled BiLSTM's 6,283 tensors: 300 s a sample): statically shaped tensors are packed, each
// RESHAPEd flat and CONCATENATEd, PACK_SIZE to an output, and cut apart here.
import type { ConvertResult } from '../convert/convert';
import type { Tensor } from '../ir/types';
import { openTflite } from '../runtime/litert';
import { toTfliteLayout } from '../runtime/tflite-onnx-io';
import type { TflOperator, TflTensor } from '../tflite/model';
import { serializeTflite } from '../tflite/writer';

/** Tensors concatenated into one packed output. */
const PACK_SIZE = 256;
/** Fewer extra outputs than this are declared as they are. */
const PACK_FROM = 32;

interface Packed { output: number; parts: { tensor: number; offset: number; length: number }[] }

/** Calls `each` once per sample with the float32 values of `tensors` (TFLite tensor index → values, in LiteRT
 *  layout) from the float model `result` on LiteRT. Only FLOAT32 tensors are readable this way. */
export async function readFloatValues(result: ConvertResult, tensors: number[], samples: Tensor[][],
  each: (values: Map<number, Float32Array>, sample: number) => void): Promise<void> {
  const sg = result.model.subgraphs[0];
  const want = [...new Set(tensors)];
  if (!want.length || !samples.length) return;
  const extra = want.filter((i) => !sg.outputs.includes(i) && !sg.inputs.includes(i));
  const flat = (t: TflTensor) => t.type === 'FLOAT32' && !t.shapeSignature?.some((d) => d < 0);
  const packable = extra.length >= PACK_FROM ? extra.filter((i) => flat(sg.tensors[i])) : [];
  const packed = new Set(packable);
  const direct = extra.filter((i) => !packed.has(i));
  const tensorsCopy = [...sg.tensors];
  const ops: TflOperator[] = [];
  const packs: Packed[] = [];
  for (let p = 0; p < packable.length; p += PACK_SIZE) {
    const group = packable.slice(p, p + PACK_SIZE);
    const parts: Packed['parts'] = [];
    let offset = 0;
    const flats = group.map((i) => {
      const length = sg.tensors[i].shape.reduce((a, b) => a * b, 1);
      parts.push({ tensor: i, offset, length });
      offset += length;
      const shape = tensorsCopy.push({ name: `${sg.tensors[i].name}__flat_shape`, type: 'INT32', shape: [1], data: new Uint8Array(Int32Array.of(length).buffer) }) - 1;
      const f = tensorsCopy.push({ name: `${sg.tensors[i].name}__flat`, type: 'FLOAT32', shape: [length] }) - 1;
      ops.push({ opcode: 'RESHAPE', inputs: [i, shape], outputs: [f], options: { newShape: [length] } });
      return f;
    });
    const output = tensorsCopy.push({ name: `packed_values_${packs.length}`, type: 'FLOAT32', shape: [offset] }) - 1;
    ops.push({ opcode: 'CONCATENATION', inputs: flats, outputs: [output], options: { axis: 0, fusedActivationFunction: 'NONE' } });
    packs.push({ output, parts });
  }
  const outputs = [...sg.outputs, ...direct, ...packs.map((p) => p.output)];
  const debug = { ...result.model, signatures: undefined,
    subgraphs: [{ ...sg, tensors: tensorsCopy, operators: [...sg.operators, ...ops], outputs }, ...result.model.subgraphs.slice(1)] };
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
      for (const p of packs) {
        const data = out[outputs.indexOf(p.output)].data as Float32Array;
        for (const part of p.parts) values.set(part.tensor, data.subarray(part.offset, part.offset + part.length));
      }
      md.inputs.forEach((m, k) => { if (want.includes(m.tflite)) values.set(m.tflite, feeds[k].data as Float32Array); });
      each(values, s);
    }
  } finally {
    session.close();
  }
}
