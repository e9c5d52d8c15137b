// What `onnx2lite micro` embeds: the .tflite as converted, except that an int8 model's HARD_SWISH, written for LiteRT
// in the float form (DEQUANTIZE → float32 HARD_SWISH → QUANTIZE: faster on XNNPack, src/quantize/int8-hardswish.ts),
// goes back to the integer form (ADD / MUL / MUL) so the model stays integer-only on a microcontroller; so do the
// int8 ADD / SUB / MUL written in the float form for XNNPack's scale limits (src/quantize/int8-float-binary.ts). The float
// tensors it no longer uses are dropped, with the subgraph's inputs and outputs, the signatures and the `onnx2lite`
// metadata renumbered to match.
import type { OnnxLiteMetadata } from '../convert/metadata';
import type { TflModel } from '../tflite/model';
import { compactTensors } from '../tflite/graph';
import { integerHardSwish } from '../quantize/int8-hardswish';
import { integerBinary } from '../quantize/int8-float-binary';
import { uniqueNamer } from '../quantize/graph';

/** Rewrites `model` in place; returns how many HARD_SWISH (and ADD / SUB / MUL) ops went back to the integer form (0: model unchanged). */
export function integerOnlyHardSwish(model: TflModel): number {
  let total = 0;
  model.subgraphs.forEach((sg, s) => {
    const n = integerHardSwish(sg, uniqueNamer(sg)) + integerBinary(sg);
    if (n === 0) return;
    total += n;
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
    model.metadata.set('onnx2lite', new TextEncoder().encode(JSON.stringify({ ...md, inputs: fix(md.inputs), outputs: fix(md.outputs), tensors: fix(md.tensors) })));
  });
  return total;
}
