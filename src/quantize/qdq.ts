// QDQ models (ONNX QuantizeLinear → DequantizeLinear pairs, as ONNX Runtime's quantization tool writes them)
// convert to float TFLite with QUANTIZE → DEQUANTIZE pairs (src/convert/ops/QuantizeLinear.ts, DequantizeLinear.ts).
// For int8 output this folds each pair away and keeps its scale and zero point as the tensor's fixed parameters.
import type { ConvertResult } from '../convert/convert';
import { consumersOf, producersOf } from './graph';
import type { QParams } from './params';

/** Removes QUANTIZE(float→int8)→DEQUANTIZE pairs; returns the fixed parameters of the float tensors they wrapped. */
export function foldQdqPairs(result: ConvertResult): Map<number, QParams> {
  const sg = result.model.subgraphs[0];
  const t = sg.tensors;
  const fixed = new Map<number, QParams>();
  const prod = producersOf(sg);
  const use = consumersOf(sg);
  const dead = new Set<number>();
  const rename = new Map<number, number>();
  const graphOut = new Set(sg.outputs);
  sg.operators.forEach((dq, k) => {
    if (dq.opcode !== 'DEQUANTIZE') return;
    const q = dq.inputs[0];
    const qk = prod.get(q);
    if (qk === undefined) return;
    const qop = sg.operators[qk];
    const x = qop.inputs[0];
    const y = dq.outputs[0];
    if (qop.opcode !== 'QUANTIZE' || t[x].type !== 'FLOAT32' || !t[q].quantization || t[q].quantization!.scale.length !== 1) return;
    const qp = t[q].quantization!;
    const p: QParams = { scale: qp.scale[0], zeroPoint: qp.zeroPoint[0] - (t[q].type === 'UINT8' ? 128 : 0) };
    fixed.set(x, p);
    dead.add(k);
    if ((use.get(q) ?? []).every((c) => sg.operators[c].opcode === 'DEQUANTIZE')) dead.add(qk);
    if (graphOut.has(y)) {
      // Keep y (a model output): the DEQUANTIZE becomes a copy of x through the pass's own DEQUANTIZE later.
      dead.delete(k);
      t.push({ name: `${t[y].name}__shape`, type: 'INT32', shape: [t[y].shape.length], data: new Uint8Array(Int32Array.from(t[y].shape).buffer) });
      Object.assign(dq, { opcode: 'RESHAPE', version: 1, inputs: [x, t.length - 1], options: { newShape: [...t[y].shape] } });
      fixed.set(y, p);
    } else {
      rename.set(y, x);
    }
  });
  if (dead.size === 0 && rename.size === 0) return fixed;
  sg.operators = sg.operators.filter((_, k) => !dead.has(k));
  for (const op of sg.operators) op.inputs = op.inputs.map((i) => rename.get(i) ?? i);
  return fixed;
}
