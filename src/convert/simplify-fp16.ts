// Models converted to float16 inside with float32 inputs and outputs (onnxconverter_common's
// convert_float_to_float16(keep_io_types=True): float16 weights, a Cast to float16 after each input and to float32
// before each output) compute in float32 here, as every TFLite kernel does: Casts to float16 become Casts to
// float32 (identities the Cast converter drops), float16 constants and values float32. The weights of the nodes
// returned are written back as float16 with a DEQUANTIZE (fp16Weights in ort-weights.ts), so the file keeps the
// ONNX file's size, as `--quantize fp16` does.
import type { Graph, Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';

const FLOAT16 = 10;
const FLOAT = 1;
/** Nodes whose weight (input 1) and bias (input 2) go back to float16. */
const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export function floatFromFp16(g: Graph, constants: Map<string, Tensor>): Set<string> {
  const nodes = new Set<string>();
  const io = [...g.inputs, ...g.outputs];
  const isHalf = (d: string | undefined) => d === 'float16';
  if (io.some((v) => isHalf(g.values.get(v.name)?.dtype ?? v.dtype))) return nodes;
  if (!g.nodes.some((n) => n.opType === 'Cast' && n.attrs.get('to')?.value === FLOAT16)) return nodes;
  for (const n of g.nodes) {
    if (n.opType === 'Cast' && n.attrs.get('to')?.value === FLOAT16) n.attrs.set('to', { type: 'int', value: FLOAT });
    if (WEIGHTED.has(n.opType) && n.name && isHalf(constants.get(n.inputs[1])?.dtype)) nodes.add(n.name);
  }
  for (const [name, t] of constants) if (isHalf(t.dtype)) constants.set(name, { ...t, dtype: 'float32', data: toFloat32(t) });
  for (const [name, v] of g.values) if (isHalf(v.dtype)) g.values.set(name, { ...v, dtype: 'float32' });
  return nodes;
}
