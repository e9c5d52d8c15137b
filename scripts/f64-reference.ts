// Who is right when LiteRT and onnxruntime disagree beyond the bar: both float32 runtimes measured against a float64
// evaluation of the same ONNX graph (scripts/f64_reference.py, torch in double; onnxruntime's CPU provider has no
// double Conv / Resize / HardSigmoid, so the model cast to double does not run there).
//
//   node --import tsx scripts/f64-reference.ts MODEL.onnx MODEL.tflite [--work DIR] [--inputs DIR] [--tap NAME ...]
//
// Inputs: convert's self-check seeds (floats uniform in [0, 1), seed 1) or the .npy files of --inputs DIR. For each
// output: max|a − b| / max|f64| for LiteRT, onnxruntime (optimizations all / disabled) and torch in float32 against
// float64, and LiteRT against onnxruntime (the self-check's measure). --tap NAME adds ONNX values (onnxruntime
// disabled vs float64) to find where float32 rounding starts to grow.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readModelFile } from '../src/onnx/reader';
import type { AttrValue, Tensor } from '../src/ir/types';
import { toFloat32, toNumbers } from '../src/ir/tensor';
import { parseTflite } from '../src/tflite/reader';
import { modelIo, prepareInputs, readInputsDir, toOnnxView } from '../src/deploy/tensors';
import { openTflite } from '../src/runtime/litert';
import { openOnnx } from '../src/runtime/ort';
import { decodeNpy, encodeNpy } from '../src/core/npy';
import { encodeModel } from '../src/onnx/writer';
import { makeSide, readPlan } from '../src/compare/sides';
import { debugCopy } from '../src/compare/tap';
import { frozenInputs } from '../src/convert/metadata';
import { readMetadata } from '../src/runtime/tflite-onnx-io';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const work = flag('--work') ?? join(tmpdir(), `f64-${process.pid}`);
const inputsDir = flag('--inputs');
const taps: string[] = [];
for (let t = flag('--tap'); t; t = flag('--tap')) taps.push(t);
const every = Number(flag('--every') ?? 0);
const [onnxFile, tfliteFile] = args;
if (!onnxFile || !tfliteFile) throw new Error('usage: f64-reference.ts MODEL.onnx MODEL.tflite [--work DIR] [--inputs DIR] [--tap NAME ...]');
mkdirSync(work, { recursive: true });

const model = readModelFile(onnxFile);
const tflite = new Uint8Array(readFileSync(tfliteFile));
const tfl = parseTflite(tflite);
const side = makeSide(tfliteFile, tfl, model.graph);
// --every N: every N-th ONNX value LiteRT computes too (in graph order), besides the --tap ones.
if (every > 0) {
  const mapped = model.graph.nodes.flatMap((n) => n.outputs.filter((o) => o && readPlan(side, side.layers.get(o)).kind === 'tap'));
  mapped.forEach((o, i) => { if ((i + 1) % every === 0 && !taps.includes(o)) taps.push(o); });
}

// graph.json + weights.bin: float tensors as float64, integer / bool ones as int64, each at an 8-byte offset.
const chunks: Buffer[] = [];
let offset = 0;
function place(t: Tensor): object {
  if (Array.isArray(t.data)) throw new Error(`string tensor ${t.name}`);
  const kind = t.dtype.startsWith('float') || t.dtype === 'bfloat16' ? 'f' : t.dtype === 'bool' ? 'b' : 'i';
  const vals = kind === 'f' ? Float64Array.from(toFloat32(t))
    : t.data instanceof BigInt64Array ? t.data : BigInt64Array.from(toNumbers(t), (v) => BigInt(v));
  const buf = Buffer.from(vals.buffer, vals.byteOffset, vals.byteLength);
  chunks.push(buf);
  const at = offset;
  offset += buf.byteLength;
  return { dims: t.dims, kind, offset: at };
}
const attr = (a: AttrValue): unknown => (a.type === 'tensor' ? place(a.value) : a.value);
const graph = {
  inputs: model.graph.inputs.map((i) => i.name),
  outputs: model.graph.outputs.map((o) => o.name),
  taps,
  initializers: Object.fromEntries([...model.graph.initializers].map(([n, t]) => [n, place(t)])),
  nodes: model.graph.nodes.map((n) => ({ name: n.name, op: n.opType, inputs: n.inputs, outputs: n.outputs,
    attrs: Object.fromEntries([...n.attrs].map(([k, v]) => [k, attr(v)])) })),
};
writeFileSync(join(work, 'graph.json'), JSON.stringify(graph));
writeFileSync(join(work, 'weights.bin'), Buffer.concat(chunks));

async function main(): Promise<void> {
// The same inputs on every side.
const io = modelIo(tfl);
const prepared = prepareInputs(io.inputs, inputsDir ? readInputsDir(inputsDir) : undefined, 1);
// Inputs frozen with --input-value are no .tflite inputs: onnxruntime and the float64 side get their recorded values.
const feeds = { device: prepared.device, onnx: [...prepared.onnx, ...frozenInputs(readMetadata(tflite))] };
graph.inputs.forEach((name, k) => {
  const t = feeds.onnx.find((f) => f.name === name);
  if (!t) throw new Error(`no feed for input ${name}`);
  writeFileSync(join(work, `in_${k}.npy`), encodeNpy(t));
});

const lite = await openTflite(tflite);
const got = await lite.run(feeds.device);
lite.close();
const names = io.outputs.map((o) => o.mapping?.onnx ?? o.name);
const liteOut = new Map(names.map((n, k) => [n, toFloat32(toOnnxView(io.outputs[k]!, got[k]!))]));
const ortRun = async (optimization: 'all' | 'disabled', outs: string[]) => {
  const s = await openOnnx(onnxFile, { optimization });
  try { return await s.run(feeds.onnx, outs); } finally { await s.close(); }
};
const ortAll = await ortRun('all', names);
const ortNone = await ortRun('disabled', names);

const py = join(__dirname, 'f64_reference.py');
for (const mode of ['', 'float32']) execFileSync('/usr/bin/python3', [py, work, ...(mode ? [mode] : [])], { stdio: 'inherit' });
const npy = (file: string) => toFloat32(decodeNpy(new Uint8Array(readFileSync(join(work, file))), file));
const npy64 = (file: string): Float64Array => {
  const t = decodeNpy(new Uint8Array(readFileSync(join(work, file))), file);
  return t.data instanceof Float64Array ? t.data : Float64Array.from(toNumbers(t));
};

/** max|a − b| / max|ref| */
function rel(a: ArrayLike<number>, b: ArrayLike<number>, ref: ArrayLike<number>): string {
  if (a.length !== b.length) return `size ${a.length} vs ${b.length}`;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i]! - b[i]!)); m = Math.max(m, Math.abs(ref[i]!)); }
  return (d / m).toExponential(1);
}
console.log('output | LiteRT vs ort | LiteRT vs f64 | ort(all) vs f64 | ort(none) vs f64 | torch f32 vs f64 | ort all vs none');
graph.outputs.forEach((name, k) => {
  const f64 = npy64(`f64_out_${k}.npy`);
  const l = liteOut.get(name), a = ortAll.get(name), n = ortNone.get(name);
  if (!l || !a || !n) return;
  const fa = toFloat32(a), fn = toFloat32(n);
  console.log([name, rel(l, fa, fa), rel(l, f64, f64), rel(fa, f64, f64), rel(fn, f64, f64), rel(npy(`f32_out_${k}.npy`), f64, f64), rel(fa, fn, fn)].join(' | '));
});
if (taps.length) {
  // LiteRT's copy of each tapped value (a debug copy with them as outputs), onnxruntime's (extra graph outputs).
  const plans = taps.map((name) => ({ name, m: side.layers.get(name)!, plan: readPlan(side, side.layers.get(name)) }));
  const tapped = plans.filter((p) => p.plan.kind === 'tap');
  const copy = debugCopy(tfl, tapped.map((p) => (p.plan as { tensor: number }).tensor));
  const s = await openTflite(copy.bytes);
  const vals = copy.read(await s.run(feeds.device));
  s.close();
  const liteTap = new Map(tapped.map((p) => {
    const v = vals.get(p.m.tflite)!;
    const io1 = { position: 0, tensorIndex: p.m.tflite, name: p.name, dtype: 'float32' as const, shape: v.dims, mapping: p.m };
    return [p.name, toFloat32(toOnnxView(io1, v))];
  }));
  const g = model.graph;
  const extra = taps.filter((t) => !g.outputs.some((o) => o.name === t)).map((name) => ({ name, dtype: undefined, shape: undefined }));
  const bytes = encodeModel({ ...model, graph: { ...g, outputs: [...g.outputs, ...extra] } }, { valueInfo: false });
  const ortTap = async (optimization: 'all' | 'disabled') => {
    const o = await openOnnx(bytes, { optimization });
    try { return await o.run(feeds.onnx, taps); } finally { await o.close(); }
  };
  const [ta, tn] = [await ortTap('all'), await ortTap('disabled')];
  console.log('value | op | LiteRT vs f64 | ort(all) vs f64 | ort(none) vs f64 | torch f32 vs f64 | LiteRT vs ort(all)');
  const opOf = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType] as [string, string])));
  taps.forEach((name, k) => {
    const f64 = npy64(`f64_tap_${k}.npy`);
    const a = toFloat32(ta.get(name)!), n = toFloat32(tn.get(name)!), l = liteTap.get(name);
    console.log([name, opOf.get(name), l ? rel(l, f64, f64) : '-', rel(a, f64, f64), rel(n, f64, f64), rel(npy(`f32_tap_${k}.npy`), f64, f64), l ? rel(l, a, a) : '-'].join(' | '));
  });
}
}

void main();
