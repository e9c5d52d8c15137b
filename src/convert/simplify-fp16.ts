// Models converted to float16 inside with float32 inputs and outputs (onnxconverter_common's
// convert_float_to_float16(keep_io_types=True): float16 weights, a Cast to float16 after each input and to float32
// before each output) compute in float32 here, as every TFLite kernel does: Casts to float16 become Casts to
// float32 (identities the Cast converter drops), float16 constants and values float32. The weights of the nodes
// returned are written back as float16 with a DEQUANTIZE (fp16Weights in ort-weights.ts), so the file keeps the
// ONNX file's size, as `--quantize fp16` does. A model float16 throughout, inputs and outputs too
// (convert_float_to_float16 without keep_io_types), keeps its float16 inputs and outputs: a CAST to float32 after each
// input and one back to float16 before each output (`castHalfIo`), float32 in between as above.
import type { Graph, Node, Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';

const FLOAT16 = 10;
const FLOAT = 1;
/** Nodes whose weight (input 1) and bias (input 2) go back to float16. */
const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export function floatFromFp16(g: Graph, constants: Map<string, Tensor>): Set<string> {
  const nodes = new Set<string>();
  const isHalf = (d: string | undefined) => d === 'float16';
  const halfIo = [...g.inputs, ...g.outputs].filter((v) => isHalf(g.values.get(v.name)?.dtype ?? v.dtype)).map((v) => v.name);
  const boundary = halfIo.length ? castHalfIo(g, new Set(halfIo)) : new Set<Node>();
  if (!halfIo.length && !g.nodes.some((n) => n.opType === 'Cast' && n.attrs.get('to')?.value === FLOAT16)) return nodes;
  for (const n of g.nodes) {
    if (n.opType === 'Cast' && n.attrs.get('to')?.value === FLOAT16 && !boundary.has(n)) n.attrs.set('to', { type: 'int', value: FLOAT });
    // A float16 fill value (Faster R-CNN's zeros for the RoIs' batch column) is float32 too: a FILL of a FLOAT16
    // value gives a float16 tensor that the float32 ops after it (CONCATENATION) read as float32 bits.
    const fill = n.opType === 'ConstantOfShape' ? n.attrs.get('value') : undefined;
    if (fill?.type === 'tensor' && isHalf(fill.value.dtype)) n.attrs.set('value', { type: 'tensor', value: { ...fill.value, dtype: 'float32', data: toFloat32(fill.value) } });
    if (WEIGHTED.has(n.opType) && n.name && isHalf(constants.get(n.inputs[1])?.dtype)) nodes.add(n.name);
  }
  for (const [name, t] of constants) if (isHalf(t.dtype)) constants.set(name, { ...t, dtype: 'float32', data: toFloat32(t) });
  const keep = new Set(halfIo);
  for (const [name, v] of g.values) if (isHalf(v.dtype) && !keep.has(name)) g.values.set(name, { ...v, dtype: 'float32' });
  return nodes;
}

/** Float16 graph inputs and outputs: each input read through a Cast to float32, each output written by a Cast to
 *  float16 of its float32 value (`<name>__float32`). Returns the Casts made, which stay as they are. */
function castHalfIo(g: Graph, names: Set<string>): Set<Node> {
  const made = new Set<Node>();
  const rename = new Map<string, string>();
  const cast = (from: string, to: string, dtype: number): Node => {
    const n: Node = { name: `${to}__cast`, opType: 'Cast', domain: '', inputs: [from], outputs: [to], attrs: new Map([['to', { type: 'int', value: dtype }]]) };
    made.add(n);
    return n;
  };
  const head: Node[] = [];
  const tail: Node[] = [];
  const inputs = new Set(g.inputs.map((v) => v.name));
  const outputs = new Set(g.outputs.map((v) => v.name));
  for (const name of names) {
    const inner = `${name}__float32`;
    const v = g.values.get(name);
    g.values.set(inner, { name: inner, dtype: 'float32', shape: v?.shape });
    rename.set(name, inner);
    if (inputs.has(name)) head.push(cast(name, inner, FLOAT));
    if (outputs.has(name) && !inputs.has(name)) tail.push(cast(inner, name, FLOAT16));
  }
  for (const n of g.nodes) {
    n.inputs = n.inputs.map((x) => rename.get(x) ?? x);
    n.outputs = n.outputs.map((x) => rename.get(x) ?? x);
  }
  g.nodes.unshift(...head);
  g.nodes.push(...tail);
  return made;
}
