// compareModels(): runs the ONNX model in onnxruntime-node and the .tflite in LiteRT on the same inputs, with the
// intermediate tensors exposed, and measures each mapped tensor's error in topological order (see types.ts for the
// report, divergence.ts for the first-divergence rule).
//
// Memory stays bounded: the tensors are compared in chunks of at most `chunkBytes` per model; each chunk is one
// onnxruntime run fetching only its tensors and one LiteRT run of a debug copy whose outputs are only its tensors,
// and a chunk's tensors are dropped as soon as they are compared. Models whose mapped tensors fit in one chunk (all
// the shared models at the default 128 MiB) cost one run of each model.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model, Tensor } from '../ir/types';
import { ModelError, elementCount } from '../ir/types';
import { makeTensor, toNumbers } from '../ir/tensor';
import { readModelFile } from '../onnx/reader';
import { encodeModel } from '../onnx/writer';
import { GraphField, ModelField, ValueInfoField, Wire, tagOf } from '../onnx/fields';
import { parseTflite } from '../tflite/reader';
import { convertModel } from '../convert/convert';
import { frozenInputs, type TensorMapping } from '../convert/metadata';
import { inputValueError } from '../convert/input-values';
import { openOnnx } from '../runtime/ort';
import { openTflite } from '../runtime/litert';
import { toTfliteLayout } from '../runtime/tflite-onnx-io';
import { markDivergence } from './divergence';
import { prepareInputs } from './inputs';
import { compareViews, mismatch, numericData, onnxView, permutedView, type View } from './metrics';
import { constValue, makeSide, readPlan, tapBytes, type Side } from './sides';
import { copyFeeds, debugCopy } from './tap';
import type { CompareOptions, CompareProgress, CompareReport, ComparisonResult, LayerResult, Uncovered } from './types';

/** One ONNX tensor to compare: a layer (a node's output) or a model output. */
interface Item {
  onnx: string;
  node: string;
  op: string;
  role: 'layer' | 'output';
  /** Mapping in each side (main .tflite first, float sibling second). */
  maps: (TensorMapping | undefined)[];
}

/** A comparison being filled chunk by chunk. */
interface Pair {
  ref: 'onnx' | number;
  got: number;
  layers: LayerResult[];
  outputs: LayerResult[];
  uncovered: Uncovered[];
}

const DEFAULT_CHUNK = 128 * 1024 * 1024;

function cancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ModelError('comparison cancelled');
}

function readTfliteFile(file: string) {
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(file); } catch (e) {
    throw new ModelError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTflite(bytes);
}

/** A protobuf varint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) { out.push((n & 127) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

/**
 * The ONNX model with `names` as extra graph outputs, as bytes for onnxruntime. Protobuf merges a repeated
 * embedded message field, so appending `ModelProto{graph: GraphProto{output: [ValueInfoProto{name}...]}}` to the
 * file's own bytes adds the outputs without decoding and re-encoding the weights. A model whose weights live in
 * external files is re-encoded from memory instead (onnxruntime cannot resolve them from bytes).
 */
function tappedOnnx(fileBytes: Uint8Array, model: Model, external: boolean, names: string[]): Uint8Array {
  const g = model.graph;
  const have = new Set(g.outputs.map((o) => o.name));
  const extra = [...new Set(names)].filter((n) => !have.has(n));
  if (external) {
    const outputs = [...g.outputs, ...extra.map((name) => ({ name, dtype: undefined, shape: undefined }))];
    return encodeModel({ ...model, graph: { ...g, outputs } }, { valueInfo: false });
  }
  const enc = new TextEncoder();
  const graph: number[] = [];
  for (const n of extra) {
    const name = enc.encode(n);
    const vi = [tagOf(ValueInfoField.Name, Wire.Len), ...varint(name.length), ...name];
    graph.push(tagOf(GraphField.Output, Wire.Len), ...varint(vi.length), ...vi);
  }
  const suffix = [tagOf(ModelField.Graph, Wire.Len), ...varint(graph.length), ...graph];
  const out = new Uint8Array(fileBytes.length + suffix.length);
  out.set(fileBytes);
  out.set(suffix, fileBytes.length);
  return out;
}

export async function compareModels(onnxPath: string, tflitePath: string, opts: CompareOptions = {},
  onProgress?: (p: CompareProgress) => void, signal?: AbortSignal): Promise<CompareReport> {
  const t0 = performance.now();
  const notes: string[] = [];
  onProgress?.({ phase: 'load', done: 0, total: 0, message: 'reading the models' });
  const model = readModelFile(onnxPath);
  const g = model.graph;
  const fileBytes = fs.readFileSync(onnxPath);
  let weightBytes = 0;
  for (const t of g.initializers.values()) weightBytes += Array.isArray(t.data) ? 0 : t.data.byteLength;
  const external = weightBytes > fileBytes.length;
  const main = makeSide(tflitePath, readTfliteFile(tflitePath), g);
  if (!main.hasMetadata) notes.push('this .tflite has no onnx2lite metadata: compared at the model outputs only (by name and shape); per-layer mapping needs a model converted by onnx2lite');
  const sides: Side[] = [main];
  const reduced = main.precision !== 'float32';
  if (opts.floatTflite && !reduced) notes.push(`--float ${opts.floatTflite} is not used: ${tflitePath} is a float32 model, there is no quantization stage`);
  if (reduced && main.hasMetadata) {
    if (opts.floatTflite) {
      const f = makeSide(opts.floatTflite, readTfliteFile(opts.floatTflite), g);
      if (!f.hasMetadata) throw new ModelError(`${opts.floatTflite} has no onnx2lite metadata: the stage split joins the two models on it`);
      sides.push(f);
    } else if (opts.autoFloat !== false) {
      try {
        const fresh = readModelFile(onnxPath);
        const inputShapes = new Map(main.meta.inputs.map((m) => {
          const t = main.model.subgraphs[0]!.tensors[m.tflite]!;
          const dims = new Array<number>(m.perm.length);
          m.perm.forEach((p, i) => { dims[p] = t.shape[i]!; });
          return [m.onnx, dims] as [string, number[]];
        }));
        // Inputs recorded empty were frozen for having no elements: their dims, not values, make them so again.
        const recorded = main.meta.inputValues ?? [];
        for (const v of recorded) if (v.dims.includes(0)) inputShapes.set(v.onnx, v.dims);
        const inputValues = new Map(recorded.filter((v) => !v.dims.includes(0)).map((v) => [v.onnx, v.values] as [string, number[]]));
        const r = convertModel(fresh, { source: path.basename(onnxPath), inputShapes, inputValues });
        sides.push(makeSide('float32 conversion (in memory)', r.model, g));
        notes.push('stage split: no --float model given, so the ONNX model was converted to float32 in memory');
      } catch (e) {
        notes.push(`no stage split: converting the ONNX model to float32 failed (${(e as Error).message})`);
      }
    }
  }

  // Inputs frozen at conversion (--input-value) are no .tflite inputs: onnxruntime gets their recorded values.
  const frozen = frozenInputs(main.meta);
  const fed = { ...g, inputs: g.inputs.filter((i) => !frozen.some((f) => f.name === i.name)) };
  const inputs = prepareInputs(fed, main.model, main.meta.inputs, opts.inputsDir, opts.seed ?? 0, opts.image);
  if (opts.inputValues?.size) setInputValues(inputs.tensors, frozen, opts.inputValues);
  if (inputs.info.source === 'random') notes.push(`inputs: seeded random data (seed ${opts.seed ?? 0}; floats uniform in [0, 1), integers 0, boolean masks half true); give real ones with --inputs DIR`);
  const feeds = sides.map((s) => s.model.subgraphs[0]!.inputs.map((ti) => {
    const m = s.meta.inputs.find((x) => x.tflite === ti);
    const t = m && inputs.tensors.find((x) => x.name === m.onnx);
    if (!m || !t) throw new ModelError(`TFLite input ${s.model.subgraphs[0]!.tensors[ti]!.name} of ${s.label} maps to no ONNX input`);
    return toTfliteLayout(t, m);
  }));

  // The tensors to compare, in topological order, then the model outputs.
  const producer = new Map<string, { name: string; op: string }>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) producer.set(o, { name: n.name, op: n.opType });
  const items: Item[] = [];
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (o && main.layers.has(o)) items.push({ onnx: o, node: n.name, op: n.opType, role: 'layer', maps: sides.map((s) => s.layers.get(o)) });
    }
  }
  for (const o of g.outputs) {
    const p = producer.get(o.name);
    items.push({ onnx: o.name, node: p?.name ?? o.name, op: p?.op ?? 'Input', role: 'output', maps: sides.map((s) => s.outputs.get(o.name)) });
  }

  const pairs: Pair[] = [{ ref: 'onnx', got: 0, layers: [], outputs: [], uncovered: [] }];
  if (sides.length > 1) pairs.push({ ref: 'onnx', got: 1, layers: [], outputs: [], uncovered: [] }, { ref: 1, got: 0, layers: [], outputs: [], uncovered: [] });

  // Chunks of items whose taps fit the budget on every side.
  const budget = opts.chunkBytes ?? DEFAULT_CHUNK;
  const chunks: Item[][] = [];
  let cur: Item[] = [];
  let used = 0;
  for (const it of items) {
    const b = Math.max(...sides.map((s, k) => tapBytes(s, it.maps[k])));
    if (cur.length && used + b > budget) { chunks.push(cur); cur = []; used = 0; }
    cur.push(it);
    used += b;
  }
  if (cur.length) chunks.push(cur);
  if (chunks.length > 1) notes.push(`${items.length} tensors compared in ${chunks.length} passes to bound memory`);

  // One onnxruntime session per chunk, whose graph outputs are only that chunk's tensors: onnxruntime keeps every
  // graph output alive until the end of a run, even ones not fetched.
  let done = 0;
  for (const chunk of chunks) {
    cancelled(signal);
    const pass = chunks.length > 1 ? ` (pass ${chunks.indexOf(chunk) + 1}/${chunks.length})` : '';
    onProgress?.({ phase: 'run', done, total: items.length, message: `running onnxruntime and LiteRT${pass}` });
    const fetch = [...new Set(chunk.map((i) => i.onnx))];
    const onnxSession = await openOnnx(tappedOnnx(fileBytes, model, external, fetch));
    let ref: Map<string, Tensor>;
    try {
      ref = await onnxSession.run([...inputs.tensors, ...frozen], fetch);
    } finally {
      await onnxSession.close();
    }
    const got: Map<number, Tensor>[] = [];
    for (let k = 0; k < sides.length; k++) {
      cancelled(signal);
      got.push(await runSide(sides[k]!, chunk.map((i) => i.maps[k]), feeds[k]!));
    }
    const every = Math.max(1, Math.floor(items.length / 50));
    for (const it of chunk) {
      if (done % every === 0) onProgress?.({ phase: 'compare', done, total: items.length, message: `compared ${done}/${items.length} tensors` });
      for (const pair of pairs) comparePair(pair, it, sides, ref, got, feeds);
      done++;
    }
  }

  const results = pairs.map((p, k) => finish(p, k === 2 ? sides[0]!.precision : sides[p.got]!.precision, sides, p.ref === 'onnx' ? 'onnx' : sides[p.ref]!.label, g));
  const [top, conversion, quantization] = results as [ComparisonResult, ComparisonResult?, ComparisonResult?];
  const report: CompareReport = {
    version: 1,
    onnx: onnxPath,
    tflite: tflitePath,
    ...top,
    inputs: inputs.info,
    quantized: reduced,
    perLayer: main.hasMetadata,
    notes,
    ms: 0,
  };
  if (conversion && quantization) report.stages = [{ name: 'conversion', ...conversion }, { name: 'quantization', ...quantization }];
  report.ms = Math.round(performance.now() - t0);
  onProgress?.({ phase: 'done', done: items.length, total: items.length, message: 'done' });
  return report;
}

/** Runs a side's debug copy with the chunk's taps; returns the tapped values by tensor index. */
/** --input-value on compare: the named inputs get these values (on both sides) instead of random or file data. */
function setInputValues(tensors: Tensor[], frozen: Tensor[], values: Map<string, number[]>): void {
  for (const [name, vals] of values) {
    const k = tensors.findIndex((t) => t.name === name);
    if (k < 0) {
      const f = frozen.find((t) => t.name === name);
      if (f && toNumbers(f).join() === vals.join()) continue;
      if (f) throw inputValueError(`--input-value ${name}: the .tflite was converted with ${name} frozen to ${toNumbers(f).join(',')}`);
      throw inputValueError(`--input-value names "${name}", which is not an input of the model (inputs: ${tensors.map((t) => t.name).join(', ')})`);
    }
    const t = tensors[k]!;
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (vals.length !== n) throw inputValueError(`--input-value ${name} gives ${vals.length} value${vals.length === 1 ? '' : 's'}, but input "${name}" has shape [${t.dims.join(', ')}] (${n} elements)`);
    tensors[k] = makeTensor(name, t.dtype, t.dims, vals);
  }
}

async function runSide(side: Side, maps: (TensorMapping | undefined)[], feeds: Tensor[]): Promise<Map<number, Tensor>> {
  const taps = maps.map((m) => readPlan(side, m)).flatMap((p) => (p.kind === 'tap' ? [p.tensor] : []));
  if (taps.length === 0) return new Map();
  const copy = debugCopy(side.model, taps);
  const session = await openTflite(copy.bytes);
  try {
    return copy.read(await session.run(copyFeeds(session.inputs, feeds)));
  } finally {
    session.close();
  }
}

/** A side's value of an item in the ONNX index space, or why there is none. */
function sideView(side: Side, m: TensorMapping | undefined, got: Map<number, Tensor>, feeds: Tensor[]): View | string {
  const plan = readPlan(side, m);
  if (plan.kind === 'none') return plan.reason;
  const sg = side.model.subgraphs[0]!;
  const t = plan.kind === 'input' ? feeds[sg.inputs.indexOf(plan.tensor)]
    : plan.kind === 'const' ? constValue(sg.tensors[plan.tensor]!) : got.get(plan.tensor);
  if (!t) return 'LiteRT returned no value';
  if (t.dims.length !== m!.perm.length) return `rank ${t.dims.length} in the .tflite, ${m!.perm.length} in the mapping`;
  return permutedView(numericData(t.data, t.dtype), t.dims, m!.perm);
}

function comparePair(pair: Pair, it: Item, sides: Side[], ref: Map<string, Tensor>, got: Map<number, Tensor>[], feeds: Tensor[][]): void {
  const m = it.maps[pair.got];
  const miss = (reason: string) => { if (it.role === 'layer') pair.uncovered.push({ node: it.node, tensor: it.onnx, reason }); };
  if (!m || (pair.ref !== 'onnx' && !it.maps[pair.ref])) return; // not in one of the models: not a layer of this comparison
  let rv: View | string;
  if (pair.ref === 'onnx') {
    const r = ref.get(it.onnx);
    rv = !r ? 'onnxruntime returned no value' : r.dtype === 'string' ? 'string tensor'
      : onnxView(numericData(r.data, r.dtype), r.dims);
    if (typeof rv !== 'string' && elementCount(rv.dims) !== rv.data.length) rv = 'onnxruntime returned a value of another size';
  } else {
    rv = sideView(sides[pair.ref]!, it.maps[pair.ref], got[pair.ref]!, feeds[pair.ref]!);
  }
  const gv = sideView(sides[pair.got]!, m, got[pair.got]!, feeds[pair.got]!);
  if (typeof rv === 'string') return miss(rv);
  if (typeof gv === 'string') return miss(gv);
  const why = mismatch(rv, gv);
  if (why) return miss(why);
  const r: LayerResult = { node: it.node, op: it.op, tensor: it.onnx, tflite: m.tflite, ...compareViews(rv, gv) };
  (it.role === 'layer' ? pair.layers : pair.outputs).push(r);
}

function finish(p: Pair, precision: Side['precision'], sides: Side[], reference: string, g: Model['graph']): ComparisonResult {
  const first = markDivergence(p.layers, g, precision);
  const side = sides[p.got]!;
  const nodes = new Set<string>();
  for (const m of side.layers.values()) if (m.node && (p.ref === 'onnx' || sides[p.ref]!.layers.has(m.onnx))) nodes.add(m.node);
  const covered = new Set(p.layers.map((l) => l.node).filter((n) => nodes.has(n)));
  return {
    reference,
    model: side.label,
    layers: p.layers,
    firstDivergence: first && { node: first.node, tensor: first.tensor, op: first.op, snrDb: first.snrDb, inputSnrDb: first.inputSnrDb ?? 0 },
    outputs: p.outputs,
    coverage: { nodes: nodes.size, covered: covered.size, percent: nodes.size ? Math.round((1000 * covered.size) / nodes.size) / 10 : 100 },
    uncovered: p.uncovered,
  };
}
