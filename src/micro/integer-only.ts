// What `onnx2lite micro` embeds: the .tflite as converted, except that an int8 model's HARD_SWISH, written for LiteRT
// in the float form (DEQUANTIZE → float32 HARD_SWISH → QUANTIZE: faster on XNNPack, src/quantize/int8-hardswish.ts),
// goes back to the integer form (ADD / MUL / MUL) so the model stays integer-only on a microcontroller; so do the
// int8 ADD / SUB / MUL written in the float form for XNNPack's scale limits (src/quantize/int8-float-binary.ts). The float
// tensors it no longer uses are dropped, with the subgraph's inputs and outputs, the signatures and the `onnx2lite`
// metadata renumbered to match. An int8 model's float16-stored weights (the layers mixed precision keeps float:
// DEQUANTIZE of a FLOAT16 constant, with a one-element SLICE reader for XNNPack, src/quantize/fp16-filters.ts) become
// float32 constants: TFLite Micro has no float16 kernels.
import { metadataBytes, type OnnxLiteMetadata } from '../convert/metadata';
import type { TflModel, TflSubgraph } from '../tflite/model';
import { halfToFloat } from '../ir/tensor';
import { fp16Pins } from '../quantize/fp16-filters';
import { compactTensors } from '../tflite/graph';
import { integerHardSwish } from '../quantize/int8-hardswish';
import { integerBinary } from '../quantize/int8-float-binary';
import { uniqueNamer } from '../quantize/graph';

/** Drops the tensors subgraph `s` no longer uses; the inputs, outputs, signatures and metadata follow. */
function compact(model: TflModel, s: number): void {
  const sg = model.subgraphs[s];
  const { kept, remap } = compactTensors(sg.tensors, sg.operators, sg.inputs, sg.outputs);
  sg.tensors = kept;
  sg.inputs = sg.inputs.map((i) => remap.get(i)!);
  sg.outputs = sg.outputs.map((o) => remap.get(o)!);
  for (const sig of model.signatures ?? []) {
    if ((sig.subgraph ?? 0) !== s) continue;
    for (const io of [...sig.inputs, ...sig.outputs]) io.tensor = remap.get(io.tensor) ?? io.tensor;
  }
  const raw = s === 0 ? model.metadata.get('onnx2lite') : undefined;
  if (!raw) return;
  const md = JSON.parse(new TextDecoder().decode(raw)) as OnnxLiteMetadata;
  const fix = (list: OnnxLiteMetadata['tensors']) => list.filter((m) => remap.has(m.tflite)).map((m) => ({ ...m, tflite: remap.get(m.tflite)! }));
  model.metadata.set('onnx2lite', metadataBytes({ ...md, inputs: fix(md.inputs), outputs: fix(md.outputs), tensors: fix(md.tensors) }));
}

/** Rewrites `model` in place; returns how many HARD_SWISH (and ADD / SUB / MUL) ops went back to the integer form (0: model unchanged). */
export function integerOnlyHardSwish(model: TflModel): number {
  let total = 0;
  model.subgraphs.forEach((sg, s) => {
    const n = integerHardSwish(sg, uniqueNamer(sg)) + integerBinary(sg);
    if (n === 0) return;
    total += n;
    compact(model, s);
  });
  return total;
}

const isInt8Model = (sg: TflSubgraph) => sg.tensors.some((t) => t.type === 'INT8' && !t.data);

/** In an int8 model, each DEQUANTIZE of a FLOAT16 constant becomes the float32 constant it makes (its SLICE reader
 *  for XNNPack goes too); in place. Returns how many (0: model unchanged). A `--quantize fp16` model is left as it
 *  is (analyze.ts refuses it). */
export function unpackFloat16Weights(model: TflModel): number {
  let total = 0;
  model.subgraphs.forEach((sg, s) => {
    if (!isInt8Model(model.subgraphs[0])) return;
    const pins = fp16Pins(sg);
    let n = 0;
    const ops = sg.operators.filter((op) => {
      if (pins.has(op)) return false;
      const src = sg.tensors[op.inputs[0]];
      if (op.opcode !== 'DEQUANTIZE' || src?.type !== 'FLOAT16' || !src.data) return true;
      const half = new Uint16Array(src.data.slice().buffer);
      const out = sg.tensors[op.outputs[0]];
      sg.tensors[op.outputs[0]] = { ...out, type: 'FLOAT32', data: new Uint8Array(Float32Array.from(half, halfToFloat).buffer) };
      n++;
      return false;
    });
    if (n === 0) return;
    sg.operators = ops;
    total += n;
    compact(model, s);
  });
  return total;
}
