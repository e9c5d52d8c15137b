// Models converted to float16 inside with float32 inputs and outputs (onnxconverter_common's
// convert_float_to_float16(keep_io_types=True): float16 weights, a Cast to float16 after each input and to float32
// before each output) compute in float32 here, as every TFLite kernel does: Casts to float16 become Casts to
// float32 (identities the Cast converter drops), float16 constants and values float32. The weights of the nodes
// returned are written back as float16 with a DEQUANTIZE (fp16Weights in ort-weights.ts), so the file keeps the
// ONNX file's size, as `--quantize fp16` does. A model float16 throughout, inputs and outputs too
// (convert_float_to_float16 without keep_io_types), keeps its float16 inputs and outputs: a CAST to float32 after each
// input and one back to float16 before each output (`castHalfIo`), float32 in between as above.
import type { Graph, Node, Tensor, ValueInfo } from '../ir/types';
import { toFloat32 } from '../ir/tensor';

const FLOAT16 = 10;
const FLOAT = 1;
/** Nodes whose weight (input 1) and bias (input 2) go back to float16; recurrent cells' only where float16 holds
 *  them exactly (their bias is the sum of two float16 biases). */
const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
const RECURRENT = new Set(['LSTM', 'GRU', 'RNN']);

export function floatFromFp16(g: Graph, constants: Map<string, Tensor>): Map<string, 'rounded' | 'exact'> {
  const nodes = new Map<string, 'rounded' | 'exact'>();
  const halfIo = [...g.inputs, ...g.outputs].filter((v) => isHalf(g.values.get(v.name)?.dtype ?? v.dtype)).map((v) => v.name);
  const { made: boundary, rename } = halfIo.length ? castHalfIo(g, new Set(halfIo)) : { made: new Set<Node>(), rename: new Map<string, string>() };
  if (!halfIo.length && !castsToHalf(g)) return nodes;
  floatGraph(g, constants, nodes, boundary, new Set(halfIo), rename);
  for (const [name, t] of constants) if (isHalf(t.dtype)) constants.set(name, { ...t, dtype: 'float32', data: toFloat32(t) });
  return nodes;
}

const isHalf = (d: string | undefined) => d === 'float16';

/** Whether a Cast to float16 is anywhere in `g`, If / Loop / Scan bodies included. */
function castsToHalf(g: Graph): boolean {
  return g.nodes.some((n) => (n.opType === 'Cast' && n.attrs.get('to')?.value === FLOAT16)
    || [...n.attrs.values()].some((a) => (a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : []).some(castsToHalf)));
}

/** `g`'s nodes and values as float32 (the nodes edited are `g`'s own: the caller's copies), and the same in every
 *  If / Loop / Scan body at any depth (copied first: bodies are shared with the model as read). Weighted nodes with a
 *  float16 weight are added to `nodes`. */
function floatGraph(g: Graph, constants: Map<string, Tensor>, nodes: Map<string, 'rounded' | 'exact'>, boundary: Set<Node>, keep: Set<string>,
  rename: Map<string, string>): void {
  for (const n of g.nodes) {
    if (n.opType === 'Cast' && n.attrs.get('to')?.value === FLOAT16 && !boundary.has(n)) {
      n.attrs = new Map(n.attrs).set('to', { type: 'int', value: FLOAT });
    }
    // A float16 fill value (Faster R-CNN's zeros for the RoIs' batch column) is float32 too: a FILL of a FLOAT16
    // value gives a float16 tensor that the float32 ops after it (CONCATENATION) read as float32 bits.
    const fill = n.opType === 'ConstantOfShape' ? n.attrs.get('value') : undefined;
    if (fill?.type === 'tensor' && isHalf(fill.value.dtype)) {
      n.attrs = new Map(n.attrs).set('value', { type: 'tensor', value: { ...fill.value, dtype: 'float32', data: toFloat32(fill.value) } });
    }
    if ((WEIGHTED.has(n.opType) || RECURRENT.has(n.opType)) && n.name && isHalf((constants.get(n.inputs[1]) ?? g.initializers.get(n.inputs[1]))?.dtype)) {
      nodes.set(n.name, RECURRENT.has(n.opType) ? 'exact' : 'rounded');
    }
    if ([...n.attrs.values()].some((a) => a.type === 'graph' || a.type === 'graphs')) {
      const body = (b: Graph) => floatBody(b, constants, nodes, boundary, rename);
      n.attrs = new Map([...n.attrs].map(([k, a]) => [k, a.type === 'graph' ? { type: 'graph', value: body(a.value) }
        : a.type === 'graphs' ? { type: 'graphs', value: a.value.map(body) } : a]));
    }
  }
  for (const [name, v] of g.values) if (isHalf(v.dtype) && !keep.has(name)) g.values.set(name, { ...v, dtype: 'float32' });
}

/** A copy of an If / Loop / Scan body computing in float32: its nodes as floatGraph makes them, its float16
 *  initializers, inputs and outputs float32 (a Loop's carried values are the outer graph's, float32 here). Outer
 *  values it reads that castHalfIo renamed (a float16 model input: Silero's `input` read by the sample-rate If's
 *  branches) are read by their float32 names. */
function floatBody(body: Graph, constants: Map<string, Tensor>, nodes: Map<string, 'rounded' | 'exact'>, boundary: Set<Node>, rename: Map<string, string>): Graph {
  const local = new Set([...body.inputs.map((v) => v.name), ...body.initializers.keys(), ...body.nodes.flatMap((n) => n.outputs)]);
  const outer = new Map([...rename].filter(([k]) => !local.has(k)));
  const read = (x: string) => outer.get(x) ?? x;
  const copy: Graph = { ...body, nodes: body.nodes.map((n) => ({ ...n, inputs: n.inputs.map(read), outputs: [...n.outputs] })), values: new Map(body.values) };
  floatGraph(copy, constants, nodes, boundary, new Set(), outer);
  copy.initializers = new Map([...body.initializers].map(([k, t]) => [k, isHalf(t.dtype) ? { ...t, dtype: 'float32' as const, data: toFloat32(t) } : t]));
  const float = (v: ValueInfo): ValueInfo => {
    const name = read(v.name);
    return copy.values.get(name) ?? (isHalf(v.dtype) ? { ...v, name, dtype: 'float32' } : { ...v, name });
  };
  copy.inputs = body.inputs.map(float);
  copy.outputs = body.outputs.map(float);
  return copy;
}

/** Float16 graph inputs and outputs: each input read through a Cast to float32, each output written by a Cast to
 *  float16 of its float32 value (`<name>__float32`). Returns the Casts made, which stay as they are, and the renames. */
function castHalfIo(g: Graph, names: Set<string>): { made: Set<Node>; rename: Map<string, string> } {
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
  return { made, rename };
}
