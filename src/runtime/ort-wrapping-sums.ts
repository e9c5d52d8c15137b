// onnxruntime's int64 ReduceSum as int64 arithmetic wraps it.
//
// onnxruntime (CPU, since microsoft/onnxruntime#28743; onnxruntime-node 1.30) saturates an integer reduction that
// overflows at the type's max / lowest, where PyTorch, NumPy and LiteRT wrap modulo 2^64. A hash computed that way
// (BLT's byte n-gram embeddings: `Σ byte · prime^i` with prime powers that wrap modulo 2^64, then `% 500`) is then
// another row on onnxruntime than in PyTorch, and every check that uses onnxruntime as the reference (convert's
// self-check, the quantization guards, compare) refused the correct LiteRT model. Its CumSum and Add wrap: a
// ReduceSum of int64 integer arithmetic over a constant outside INT32's range (the sign of a hash) is given to
// onnxruntime as CumSum along each reduced axis, the last element sliced (and squeezed unless keepdims).
import { readFileSync, statSync } from 'node:fs';
import type { Model, Node, Tensor } from '../ir/types';
import { decodeModel } from '../onnx/reader';
import { encodeModel } from '../onnx/writer';

const ARITH = new Set(['Mul', 'Add', 'Sub', 'Neg']);
const MAX_BYTES = 256 * 2 ** 20;
const MAX_DEPTH = 12;

function int64Values(t: Tensor | undefined): BigInt64Array | undefined {
  return t && t.dtype === 'int64' && t.data instanceof BigInt64Array ? t.data : undefined;
}

/** Files (path, size, modification time) already read and found to need no copy: every check opens the same
 *  model with onnxruntime several times (self-check, guard, compare), and reading and decoding it again each time
 *  blocked for as long as the model is big. */
const unchanged = new Set<string>();

/** `model` itself, or (when it has such a ReduceSum) the bytes of a copy whose int64 hash sums wrap on onnxruntime. */
export function withWrappingSums(model: string | Uint8Array): string | Uint8Array {
  if (typeof model !== 'string') return wrappingSums(model);
  let key: string;
  try {
    const st = statSync(model);
    key = `${model}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return model;
  }
  if (unchanged.has(key)) return model;
  const out = wrappingSums(model);
  if (out === model) unchanged.add(key);
  return out;
}

function wrappingSums(model: string | Uint8Array): string | Uint8Array {
  let bytes: Uint8Array;
  try {
    if (typeof model === 'string' && statSync(model).size > MAX_BYTES) return model;
    bytes = typeof model === 'string' ? readFileSync(model) : model;
  } catch {
    return model;
  }
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('ReduceSum') < 0) return model;
  let m: Model;
  try {
    m = decodeModel(bytes);
  } catch {
    return model;
  }
  const opset = m.opsets.get('') ?? m.opsets.get('ai.onnx') ?? 0;
  if (opset < 13) return model;
  const consts = new Map<string, BigInt64Array>();
  for (const [name, t] of m.graph.initializers) { const v = int64Values(t); if (v) consts.set(name, v); }
  const producer = new Map<string, Node>();
  for (const n of m.graph.nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n);
    const a = n.opType === 'Constant' ? n.attrs.get('value') : undefined;
    const v = a?.type === 'tensor' ? int64Values(a.value) : undefined;
    if (v) consts.set(n.outputs[0]!, v);
  }
  const wide = (name: string, depth: number): boolean => {
    const c = consts.get(name);
    if (c) return c.some((x) => x > 2147483647n || x < -2147483648n);
    const p = producer.get(name);
    return !!p && depth < MAX_DEPTH && ARITH.has(p.opType) && p.inputs.some((i) => !!i && wide(i, depth + 1));
  };
  const hashes = m.graph.nodes.filter((n) => n.opType === 'ReduceSum' && n.inputs[1] && !!consts.get(n.inputs[1])?.length && wide(n.inputs[0]!, 0));
  if (!hashes.length) return model;
  const nodes = m.graph.nodes.flatMap((n) => (hashes.includes(n) ? cumulativeSum(n, consts.get(n.inputs[1]!)!, m) : [n]));
  return encodeModel({ ...m, graph: { ...m.graph, nodes } }, { valueInfo: false });
}

/** ReduceSum(x, axes) as CumSum along each axis and the last element sliced; squeezed unless keepdims. */
function cumulativeSum(n: Node, axes: BigInt64Array, m: Model): Node[] {
  const keep = n.attrs.get('keepdims');
  const keepDims = keep?.type !== 'int' || keep.value !== 0;
  const name = (what: string) => `${n.outputs[0]}__wrap_${what}`;
  const int64 = (what: string, values: bigint[]): string => {
    m.graph.initializers.set(name(what), { name: name(what), dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values) });
    return name(what);
  };
  const node = (opType: string, inputs: string[], out: string): Node => ({ name: out, opType, domain: '', inputs, outputs: [out], attrs: new Map() });
  const out: Node[] = [];
  let x = n.inputs[0]!;
  axes.forEach((a, i) => {
    m.graph.initializers.set(name(`axis${i}`), { name: name(`axis${i}`), dtype: 'int64', dims: [], data: BigInt64Array.of(a) });
    const cum = node('CumSum', [x, name(`axis${i}`)], name(`cum${i}`));
    out.push(cum, node('Slice', [cum.outputs[0]!, int64(`start${i}`, [-1n]), int64(`end${i}`, [2n ** 63n - 1n]), int64(`ax${i}`, [a])], name(`last${i}`)));
    x = name(`last${i}`);
  });
  const y = n.outputs[0]!;
  out.push(keepDims ? node('Identity', [x], y) : node('Squeeze', [x, int64('squeeze', Array.from(axes))], y));
  return out;
}
