// int8 HARD_SWISH in a form LiteRT's XNNPack delegate runs: TFLite's int8 HARD_SWISH kernel is not delegated and
// runs several times slower than the float32 op (LiteRT WASM: 0.43 ms against 0.08 ms for one of PP-OCR cls's).
// - 'float' (what int8.ts writes): DEQUANTIZE → HARD_SWISH (float32) → QUANTIZE into the op's own output tensor.
//   All three are delegated, and conversions are cheap passes: a 1x1 CONV_2D + HARD_SWISH stack ran 5-15% faster
//   than with the integer form (bench/paired-latency.ts, both LiteRT builds), and the output is the exact
//   x·relu6(x+3)/6 rounded once. Whole PP-OCRv4 rec plain int8 (28 HARD_SWISH, LiteRT.js 2.5.3 compat, paired
//   rounds, load 2-4 / 12-13): the int8 HARD_SWISH op 2.50× the float form's time (XNNPack leaves an int8 HARD_SWISH
//   to TFLite's own kernel), ADD / MUL / MUL 1.056× / 1.11×, ADD / MUL with the 1/6 folded into the reading
//   convs' weight scales (12 of 28) 1.055×.
// - 'integer' (integer-only, for TFLite Micro and integer accelerators: `onnx2lite micro` writes the float form back
//   into it with integerHardSwish) as ADD / MUL / MUL: x · relu6(x + 3) / 6 is written as
//   h6 = ADD(x, 3) with a fused RELU6     (int8, fixed range [0, 6])
//   h  = MUL(h6, 1/6)                     (int8, fixed range [0, 1])
//   y  = MUL(x, h)                        (the HARD_SWISH's own output tensor and parameters)
// The op order and every other tensor stay; the graph only gets two ops more per HARD_SWISH.
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { INT8_OPS } from './int8-ops';
import { floatForm, floatFormAround } from './float-form';
import { quantParams } from './params';
import { consumersOf, producersOf } from '../tflite/graph';

const isInt8 = (t: TflTensor | undefined) => t?.type === 'INT8' && t.quantization?.scale.length === 1;

/** Writes y = x·relu6(x + 3)/6 as ADD / MUL / MUL for int8 x and y (per-tensor), adding its tensors to the subgraph. */
function integerOps(sg: TflSubgraph, name: (base: string) => string, x: number, y: number, onnxNode: string | undefined,
  shared: { three: number; sixth: number }): TflOperator[] {
  const t = sg.tensors;
  const add = (tt: TflTensor) => { t.push({ ...tt, name: name(tt.name) }); return t.length - 1; };
  /** An int8 scalar constant holding `v` exactly at q = 127. */
  const scalar = (base: string, v: number) => add({ name: base, type: 'INT8', shape: [], data: new Uint8Array([127]),
    quantization: quantParams({ scale: v / 127, zeroPoint: 0 }) });
  if (shared.three < 0) { shared.three = scalar('hard_swish_3', 3); shared.sixth = scalar('hard_swish_1_6', 1 / 6); }
  const base = t[y].name;
  const h6 = add({ name: `${base}_relu6`, type: 'INT8', shape: [...t[x].shape], quantization: quantParams({ scale: 6 / 255, zeroPoint: -128 }) });
  const h = add({ name: `${base}_gate`, type: 'INT8', shape: [...t[x].shape], quantization: quantParams({ scale: 1 / 255, zeroPoint: -128 }) });
  const mul = (inputs: number[], outputs: number[]): TflOperator => ({ opcode: 'MUL', version: INT8_OPS.MUL.version, inputs, outputs,
    options: { fusedActivationFunction: 'NONE' }, onnxNode });
  return [
    { opcode: 'ADD', version: INT8_OPS.ADD.version, inputs: [x, shared.three], outputs: [h6], options: { fusedActivationFunction: 'RELU6' }, onnxNode },
    mul([h6, shared.sixth], [h]),
    mul([x, h], [y]),
  ];
}

/** Rewrites every int8 HARD_SWISH of the subgraph; returns how many. `name` makes tensor names unique. */
export function expandInt8HardSwish(sg: TflSubgraph, name: (base: string) => string, form: 'integer' | 'float' = 'integer'): number {
  const t = sg.tensors;
  const add = (tt: TflTensor) => { t.push({ ...tt, name: name(tt.name) }); return t.length - 1; };
  const shared = { three: -1, sixth: -1 };
  let n = 0;
  const out: TflOperator[] = [];
  for (const op of sg.operators) {
    const x = op.inputs[0];
    const y = op.outputs[0];
    if (op.opcode !== 'HARD_SWISH' || !isInt8(t[x]) || !isInt8(t[y])) { out.push(op); continue; }
    n++;
    if (form === 'float') {
      out.push(...floatForm(t, op, add));
      continue;
    }
    out.push(...integerOps(sg, name, x, y, op.onnxNode, shared));
  }
  sg.operators = out;
  return n;
}

/** The float form back in the integer form (micro export: TFLite Micro and integer accelerators want integer-only
 *  int8 models): each DEQUANTIZE (int8 x) → float32 HARD_SWISH → QUANTIZE (int8 y) whose float tensors nothing else
 *  reads becomes ADD / MUL / MUL from x to y. The two float tensors are left unreferenced (compact them after).
 *  Returns how many. */
export function integerHardSwish(sg: TflSubgraph, name: (base: string) => string): number {
  const t = sg.tensors;
  const readers = consumersOf(sg.operators);
  const producer = producersOf(sg.operators);
  const drop = new Set<TflOperator>();
  const rewrite = new Map<TflOperator, { x: number; y: number }>();
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'HARD_SWISH' || t[op.inputs[0]]?.type !== 'FLOAT32' || t[op.outputs[0]]?.type !== 'FLOAT32') return;
    const around = floatFormAround(sg, k, readers, producer);
    if (!around) return;
    const [x, y] = [around.inputs[0], around.output];
    if (!isInt8(t[x]) || t[x].data || !isInt8(t[y])) return;
    drop.add(around.deqs[0]).add(around.quant);
    rewrite.set(op, { x, y });
  });
  const shared = { three: -1, sixth: -1 };
  const out: TflOperator[] = [];
  for (const op of sg.operators) {
    const r = rewrite.get(op);
    if (r) out.push(...integerOps(sg, name, r.x, r.y, op.onnxNode, shared));
    else if (!drop.has(op)) out.push(op);
  }
  sg.operators = out;
  return rewrite.size;
}
