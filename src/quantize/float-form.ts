// The float form of an int8 op, for LiteRT's XNNPack delegate where it refuses or slows the int8 kernel: DEQUANTIZE
// (each int8 input) → the same op in float32 → QUANTIZE into the op's own int8 output tensor, which keeps its
// parameters. int8-hardswish.ts (HARD_SWISH) and int8-float-binary.ts (ADD / SUB / MUL outside XNNPack's scale
// ratios) write it; `onnx2lite micro` finds it again (floatFormAround) to write the int8 op back for TFLite Micro.
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { DEQUANTIZE_INT8_VERSION, QUANTIZE_VERSION } from './int8-ops';

/** The ops that replace int8 `op`: a DEQUANTIZE per input, `op` on float32 tensors (its output named `yName`), a
 *  QUANTIZE into its own output. `add` appends a tensor to the subgraph and returns its index. */
export function floatForm(t: TflTensor[], op: TflOperator, add: (tt: TflTensor) => number, yName = `${t[op.outputs[0]].name}_float`): TflOperator[] {
  const out: TflOperator[] = [];
  const floats = op.inputs.map((i) => {
    const f = add({ name: `${t[i].name}_float`, type: 'FLOAT32', shape: [...t[i].shape] });
    out.push({ opcode: 'DEQUANTIZE', version: DEQUANTIZE_INT8_VERSION, inputs: [i], outputs: [f], onnxNode: op.onnxNode });
    return f;
  });
  const y = op.outputs[0];
  const yf = add({ name: yName, type: 'FLOAT32', shape: [...t[y].shape] });
  out.push({ ...op, version: 1, inputs: floats, outputs: [yf] },
    { opcode: 'QUANTIZE', version: QUANTIZE_VERSION, inputs: [yf], outputs: [y], onnxNode: op.onnxNode });
  return out;
}

/** Around op `k` of a float form: the DEQUANTIZE of each input and the QUANTIZE of its output, when nothing else reads
 *  their float tensors (nor are they subgraph outputs) — with the int8 tensors they read and write. */
export function floatFormAround(sg: TflSubgraph, k: number, readers: Map<number, number[]>, producer: Map<number, number>):
  { deqs: TflOperator[]; quant: TflOperator; inputs: number[]; output: number } | undefined {
  const op = sg.operators[k];
  const only = (i: number, by: number) => { const r = readers.get(i); return r?.length === 1 && r[0] === by && !sg.outputs.includes(i); };
  const q = readers.get(op.outputs[0])?.[0];
  const quant = q === undefined ? undefined : sg.operators[q];
  if (quant?.opcode !== 'QUANTIZE' || !only(op.outputs[0], q!)) return undefined;
  const deqs = op.inputs.map((i) => { const d = producer.get(i); return d === undefined ? undefined : sg.operators[d]; });
  if (!deqs.every((d, j) => d?.opcode === 'DEQUANTIZE' && only(op.inputs[j], k))) return undefined;
  return { deqs: deqs as TflOperator[], quant, inputs: deqs.map((d) => d!.inputs[0]), output: quant.outputs[0] };
}
