// float16 weights of convolutions and fully connected layers that LiteRT's XNNPack delegate unpacks once, when the
// model is loaded.
//
// Why: with float16 weights (a FLOAT16 constant and a DEQUANTIZE into the float32 tensor an op reads) LiteRT.js ran
// models 2.4-6.6x slower than float32 (mobilenet_v2 134 ms against 21 ms, PP-OCR rec 252 against 49). The cause is
// in TFLite's XNNPack delegate (xnnpack_delegate.cc, PrepareOpsToDelegate): a DEQUANTIZE float16 → float32 whose
// every reader is a FULLY_CONNECTED, CONV_2D or DEPTHWISE_CONV_2D taking it as weights is "skipped": the op is handed
// the float16 constant itself. For a convolution, the XNNPACK inside LiteRT.js 2.5.3 then converts that filter to
// float32 and packs it again at every inference (its constant folding of such converts, static_convert.cc, came
// later). Measured on mobilenet_v2 (bench/paired-latency.ts): float16 filters on CONV_2D 3.7x, on DEPTHWISE_CONV_2D
// 1.65x; on FULLY_CONNECTED (XNNPACK's float32 × float16 matrix product) mobilenet_v2's classifier was no slower, but
// openWakeWord's hey_jarvis head (all FULLY_CONNECTED) ran 1.18-1.33x float32, 1.06x with its weights unpacked.
// What: any other reader makes the delegate unpack the float16 constant to float32 once, as it does for int8
// weights. Each such DEQUANTIZE (every reader a FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D weight read) gets one: a SLICE of one element (begin 0, size 1 on every axis) whose output
// nothing reads. XNNPACK takes the SLICE too (the delegate then keeps the DEQUANTIZE out of the run), so nothing runs
// on the TFLite side; the file grows by a few dozen bytes per filter and the values are those of the float16
// weights, unchanged. mobilenet_v2 fp16 with these: 1.07x float32 (was 6.5x).
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf } from '../tflite/graph';

/** Readers the delegate hands a float16 weight to directly. */
const GEMM_READERS = new Set(['FULLY_CONNECTED', 'CONV_2D', 'DEPTHWISE_CONV_2D']);

/** The suffix of the one-element SLICE outputs (recognised by fp16Pins). */
export const FP16_PIN_SUFFIX = '_xnnpack_unpack';

const int32s = (values: number[]): Uint8Array => new Uint8Array(Int32Array.from(values).buffer);

/** Whether XNNPACK's delegate would give the ops reading `op`'s output its float16 constant directly. */
function skippedByDelegate(op: TflOperator, sg: TflSubgraph, readers: number[] | undefined): boolean {
  const src = sg.tensors[op.inputs[0]];
  const out = op.outputs[0];
  if (op.opcode !== 'DEQUANTIZE' || src?.type !== 'FLOAT16' || !src.data || sg.tensors[out]?.type !== 'FLOAT32') return false;
  if (!readers?.length || sg.outputs.includes(out)) return false;
  const ops = sg.operators;
  return readers.every((k) => GEMM_READERS.has(ops[k].opcode) && ops[k].inputs[0] !== out);
}

/** Gives every DEQUANTIZE of a float16 constant read only as convolution / fully connected weights a one-element
 *  SLICE reader (see the top of this file), in place (the operator array itself is edited: callers may hold it). Returns how many. */
export function pinFp16Filters(sg: TflSubgraph): number {
  const readers = consumersOf(sg.operators);
  const t = sg.tensors;
  const add = (tensor: TflTensor) => t.push(tensor) - 1;
  const bounds = new Map<number, [number, number]>();
  const boundsOf = (rank: number): [number, number] => {
    let b = bounds.get(rank);
    if (!b) {
      b = [add({ name: `fp16_unpack_begin_${rank}d`, type: 'INT32', shape: [rank], data: int32s(new Array(rank).fill(0)) }),
        add({ name: `fp16_unpack_size_${rank}d`, type: 'INT32', shape: [rank], data: int32s(new Array(rank).fill(1)) })];
      bounds.set(rank, b);
    }
    return b;
  };
  const out: TflOperator[] = [];
  let n = 0;
  for (const op of sg.operators) {
    out.push(op);
    if (!skippedByDelegate(op, sg, readers.get(op.outputs[0]))) continue;
    const w = t[op.outputs[0]];
    const [begin, size] = boundsOf(w.shape.length);
    const probe = add({ name: `${w.name}${FP16_PIN_SUFFIX}`, type: 'FLOAT32', shape: w.shape.map(() => 1) });
    out.push({ opcode: 'SLICE', version: 1, inputs: [op.outputs[0], begin, size], outputs: [probe], onnxNode: op.onnxNode });
    n++;
  }
  sg.operators.splice(0, sg.operators.length, ...out);
  return n;
}

/** Ops of a subgraph that are such SLICEs (they compute nothing the model returns). */
export function fp16Pins(sg: TflSubgraph): Set<TflOperator> {
  return new Set(sg.operators.filter((op) => op.opcode === 'SLICE' && sg.tensors[op.outputs[0]]?.name.endsWith(FP16_PIN_SUFFIX)));
}
