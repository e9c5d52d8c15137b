// ONNX's backend node tests (libonnx-testdata: /usr/share/libonnx-testdata/data/node/test_*) through the whole
// pipeline: each model.onnx is converted in-process, run on the real LiteRT runtime with its test_data_set_0 inputs,
// and its outputs compared with the expected ones (float: |a - e| ≤ 1e-5 + 1e-3·|e| as ONNX's backend tests; ints and
// bools exact). Every test ends in one outcome: pass, refused (the converter's reason), crash (an internal error: a
// bug), load (LiteRT cannot load the model), run (LiteRT fails running it) or mismatch.
//
// LiteRT.js feeds and reads only float32, int32 and uint8 tensors, so a test copy of the .tflite gets a CAST after
// every other output (bool, int8, int16, float16 → int32 or float32) and before every other input. Inputs and outputs
// the converter made channel-last (the `onnx2lite` metadata's perm) are permuted when fed and compared.
//
// Usage: node --import tsx scripts/node-tests.ts [--write] [substring ...]   (--write updates docs/node-tests.md)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertModel, type ConvertResult } from '../src/convert/convert';
import { ConvertError } from '../src/convert/types';
import type { OnnxLiteMetadata } from '../src/convert/metadata';
import { transposeData } from '../src/convert/constdata';
import { invert } from '../src/convert/layout';
import { ModelError, type Model, type Tensor } from '../src/ir/types';
import { toNumbers } from '../src/ir/tensor';
import { readModelFile, readTensorFile } from '../src/onnx/reader';
import { openTflite, type TfliteSession } from '../src/runtime/litert';
import type { TflModel, TflType } from '../src/tflite/model';
import { parseTflite } from '../src/tflite/reader';
import { serializeTflite } from '../src/tflite/writer';
import { analyzeCompatibility } from '../src/convert/compat';
import { BEYOND_TESTDATA } from './node-tests-beyond';

export const NODE_TEST_DIR = '/usr/share/libonnx-testdata/data/node';

export type Outcome = 'pass' | 'refused' | 'crash' | 'load' | 'run' | 'mismatch';

export interface NodeTestResult {
  name: string;
  outcome: Outcome;
  /** Why it did not pass (empty for a pass). */
  detail: string;
  /** Set when the compatibility view's per-node marks (without a trial conversion) disagree with the outcome: all
   *  builtin but convert refused, or a node marked unsupported but convert went through. */
  compatDisagrees?: string;
}

const RTOL = 1e-3;
const ATOL = 1e-5;

/** The type a LiteRT.js caller can feed or read in place of a TFLite type (undefined: feedable as is). */
function ioType(t: TflType): TflType | undefined {
  if (t === 'FLOAT32' || t === 'INT32' || t === 'UINT8') return undefined;
  if (t === 'STRING') throw new ModelError('the test feeds or reads string tensors, which LiteRT.js cannot');
  if (t === 'FLOAT16' || t === 'FLOAT64') return 'FLOAT32';
  return 'INT32';
}

/** A copy of the model whose inputs and outputs LiteRT.js can feed and read: CASTs at the boundary. */
export function feedableCopy(model: TflModel): TflModel {
  const sg = model.subgraphs[0];
  const tensors = [...sg.tensors];
  const pre: TflModel['subgraphs'][0]['operators'] = [];
  const post: TflModel['subgraphs'][0]['operators'] = [];
  const inputs = sg.inputs.map((i) => {
    const t = tensors[i];
    const to = ioType(t.type);
    if (!to) return i;
    tensors.push({ name: `${t.name}__feed`, type: to, shape: [...t.shape] });
    pre.push({ opcode: 'CAST', inputs: [tensors.length - 1], outputs: [i] });
    return tensors.length - 1;
  });
  const outputs = sg.outputs.map((o) => {
    const t = tensors[o];
    const to = ioType(t.type);
    if (!to) return o;
    tensors.push({ name: `${t.name}__read`, type: to, shape: [...t.shape], shapeSignature: t.shapeSignature && [...t.shapeSignature] });
    post.push({ opcode: 'CAST', inputs: [o], outputs: [tensors.length - 1] });
    return tensors.length - 1;
  });
  if (pre.length === 0 && post.length === 0) return model;
  return {
    ...model,
    signatures: undefined,
    subgraphs: [{ ...sg, tensors, operators: [...pre, ...sg.operators, ...post], inputs, outputs }, ...model.subgraphs.slice(1)],
  };
}

/** ONNX-ordered data → the stored layout `perm` (TFLite dim i = ONNX dim perm[i]), as a feedable typed array. */
function toFeed(t: Tensor, perm: number[], dtype: 'float32' | 'int32' | 'uint8'): Tensor {
  const vals = toNumbers(t);
  const arr = dtype === 'float32' ? Float32Array.from(vals) : dtype === 'int32' ? Int32Array.from(vals) : Uint8Array.from(vals);
  const data = transposeData(arr, t.dims, perm, (n) => new (arr.constructor as Float32ArrayConstructor)(n));
  return { name: t.name, dtype, dims: perm.map((p) => t.dims[p]), data };
}

function isFloat(t: Tensor): boolean {
  return t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16' || t.dtype === 'bfloat16';
}

/** Why `got` (ONNX order) differs from `want`, or undefined when they agree. */
function compare(got: { dims: number[]; values: number[] }, want: Tensor): string | undefined {
  const wd = want.dims;
  if (got.dims.length !== wd.length || got.dims.some((d, i) => d !== wd[i])) {
    return `shape [${got.dims.join(',')}], expected [${wd.join(',')}]`;
  }
  const w = toNumbers(want);
  const float = isFloat(want);
  let worst = -1;
  let worstDiff = 0;
  for (let i = 0; i < w.length; i++) {
    const a = got.values[i];
    const e = w[i];
    if (float) {
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      if (a === e) continue;
      const d = Math.abs(a - e);
      if (!(d <= ATOL + RTOL * Math.abs(e)) && (worst < 0 || !(d <= worstDiff))) { worst = i; worstDiff = d; }
    } else if (a !== e) {
      if (worst < 0) worst = i;
    }
  }
  if (worst < 0) return undefined;
  return `element ${worst}: got ${got.values[worst]}, expected ${w[worst]}${float ? ` (|diff| ${worstDiff.toPrecision(3)})` : ''}`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An internal error rather than a refusal: not a ModelError/ConvertError, or one that wraps a JS error. */
function isRefusal(e: unknown): boolean {
  if (!(e instanceof ConvertError || e instanceof ModelError)) return false;
  return !/ conversion failed: /.test(e.message);
}

/**
 * (op, input index) pairs whose value decides an output's shape or where it samples, or that are weights: real
 * models have them constant.
 */
const SHAPE_INPUTS: Record<string, number[]> = {
  Reshape: [1], Expand: [1], Tile: [1], Slice: [1, 2, 3, 4], Pad: [1, 3], Resize: [1, 2, 3], Upsample: [1], OneHot: [1],
  Range: [0, 1, 2], ConstantOfShape: [0], TopK: [1], Split: [1], Squeeze: [1], Unsqueeze: [1], ReduceSum: [1], ReduceMean: [1],
  ReduceMax: [1], ReduceMin: [1], ReduceProd: [1], ReduceL1: [1], ReduceL2: [1], ReduceLogSum: [1], ReduceLogSumExp: [1],
  ReduceSumSquare: [1], CumSum: [1], Trilu: [1], CenterCropPad: [1], HannWindow: [0], HammingWindow: [0], BlackmanWindow: [0],
  // Not shapes, but constant in real models: weights.
  Compress: [1], Conv: [1, 2], ConvTranspose: [1, 2], MaxUnpool: [2], STFT: [1, 3],
  // A Loop's trip count and condition decide the size of its scan outputs.
  Loop: [0, 1],
};

/** Moves the graph inputs that decide shapes into initializers, with their test values; false when there are none. */
function giveShapeInputs(model: Model, base: string): boolean {
  const g = model.graph;
  const wanted = new Set<string>();
  for (const n of g.nodes) for (const i of SHAPE_INPUTS[n.opType] ?? []) if (n.inputs[i]) wanted.add(n.inputs[i]);
  for (const n of [...g.nodes].reverse()) if (n.outputs.some((o) => wanted.has(o))) for (const i of n.inputs) if (i) wanted.add(i);
  let any = false;
  g.inputs.forEach((v, i) => {
    const file = path.join(base, 'test_data_set_0', `input_${i}.pb`);
    if (wanted.has(v.name) && fs.existsSync(file)) { g.initializers.set(v.name, { ...readTensorFile(file), name: v.name }); any = true; }
  });
  return any;
}

/** The first problem the compatibility view marks without a trial conversion ('' when every node is builtin). It is
 *  given the very model convert reads next: the analysis must leave it as it was read. */
function compatMarks(model: Model): string {
  try {
    const c = analyzeCompatibility(model, { trialConversion: false });
    return c.modelIssues[0]?.message ?? c.nodes.find((n) => n.status !== 'builtin')?.reason ?? '';
  } catch (e) {
    return `the compatibility analysis threw: ${message(e)}`;
  }
}

/**
 * Runs one node test. With `given`, the inputs that decide shapes (Reshape's shape, TopK's K...) become constants
 * first; the result is undefined when the test has no such input.
 */
export async function runNodeTest(name: string, dir = NODE_TEST_DIR, given = false): Promise<NodeTestResult | undefined> {
  const base = path.join(dir, name);
  let disagree: string | undefined;
  const result = (outcome: Outcome, detail = ''): NodeTestResult => ({ name, outcome, detail, ...(disagree ? { compatDisagrees: disagree } : {}) });
  let bytes: Uint8Array;
  let meta: OnnxLiteMetadata;
  let r: ConvertResult;
  let inputNames: string[];
  try {
    const model = readModelFile(path.join(base, 'model.onnx'));
    inputNames = model.graph.inputs.map((v) => v.name);
    if (given) {
      if (!giveShapeInputs(model, base)) return undefined;
      model.graph.inputs = model.graph.inputs.filter((v) => !model.graph.initializers.has(v.name));
    }
    // The compatibility view's per-node marks, without its trial conversion, must say what convert does.
    const marks = given ? undefined : compatMarks(model);
    try {
      r = convertModel(model, { source: 'model.onnx' });
    } catch (e) {
      // Empty tensors that folding leaves at the outputs are found by the view's trial conversion, not its marks.
      if (marks === '' && !/with no elements/.test(message(e))) disagree = 'every node marked builtin';
      throw e;
    }
    if (marks) disagree = `marked: ${marks}`;
    meta = r.metadata;
  } catch (e) {
    if (isRefusal(e)) return result('refused', message(e));
    return result('crash', `${e instanceof Error ? e.name : 'Error'}: ${message(e)}`);
  }
  try {
    bytes = serializeTflite(r.model);
  } catch (e) {
    return result('crash', `the converted model cannot be written: ${message(e)}`);
  }
  let session;
  try {
    bytes = serializeTflite(feedableCopy(parseTflite(bytes)));
    session = await openTflite(bytes);
  } catch (e) {
    return result('load', message(e));
  }
  try {
    return await check(session, meta, base, inputNames, result);
  } catch (e) {
    return result('run', message(e));
  } finally {
    session.close();
  }
}

async function check(session: TfliteSession, meta: OnnxLiteMetadata, base: string, inputNames: string[],
  result: (o: Outcome, d?: string) => NodeTestResult): Promise<NodeTestResult> {
  {
    const feeds = meta.inputs.map((m, i) => {
      const t = readTensorFile(path.join(base, 'test_data_set_0', `input_${inputNames.indexOf(m.onnx)}.pb`));
      return toFeed(t, m.perm, session.inputs[i].dtype as 'float32' | 'int32' | 'uint8');
    });
    let outs: Tensor[];
    try {
      outs = await session.run(feeds);
    } catch (e) {
      return result('run', message(e));
    }
    for (let i = 0; i < meta.outputs.length; i++) {
      const want = readTensorFile(path.join(base, 'test_data_set_0', `output_${i}.pb`));
      const perm = meta.outputs[i].perm;
      const o = outs[i];
      const back = transposeData(Array.from(o.data as ArrayLike<number>), o.dims, invert(perm), (n) => new Array<number>(n));
      const why = compare({ dims: invert(perm).map((p) => o.dims[p]), values: back }, want);
      if (why) return result('mismatch', `output ${i} (${meta.outputs[i].onnx}): ${why}`);
    }
    return result('pass');
  }
}

export function listNodeTests(dir = NODE_TEST_DIR): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((t) => t.startsWith('test_')).sort() : [];
}

export async function runNodeTests(names = listNodeTests()): Promise<NodeTestResult[]> {
  const out: NodeTestResult[] = [];
  for (const n of names) out.push((await runNodeTest(n))!);
  return out;
}

/** The tests that have shape-deciding inputs, run with those inputs given as constants. */
export async function runNodeTestsGiven(names = listNodeTests()): Promise<NodeTestResult[]> {
  const out: NodeTestResult[] = [];
  for (const n of names) {
    const r = await runNodeTest(n, NODE_TEST_DIR, true);
    if (r) out.push(r);
  }
  return out;
}

/** A failure's reason with names and numbers taken out, so that like failures group together. */
export function reasonKey(r: NodeTestResult): string {
  let d = r.detail.replace(/^node [^:]*: /, '');
  if (r.outcome === 'mismatch') return d.replace(/^output \d+ \([^)]*\): /, '').replace(/^element.*/, 'values differ').replace(/^shape.*/, 'shapes differ');
  d = d.replace(/"[^"]*"/g, '"…"').replace(/'[^']*'/g, "'…'").replace(/\[[^\]]*\]/g, '[…]').replace(/(?<![\w.])-?\d+(\.\d+)?(e-?\d+)?(?![\w.])/g, 'N');
  return d.length > 160 ? d.slice(0, 157) + '...' : d;
}

const TITLES: Record<Exclude<Outcome, 'pass'>, string> = {
  refused: 'Refused by the converter (with a reason)',
  crash: 'Converter crashes (internal errors: bugs)',
  load: 'LiteRT cannot load the converted model',
  run: 'LiteRT fails running the converted model',
  mismatch: 'Numeric mismatch',
};

const OUTCOMES: Outcome[] = ['pass', 'refused', 'mismatch', 'run', 'load', 'crash'];

/** Failures grouped by outcome, then by reason (largest groups first), under headings of `level`. */
export function failureSections(results: NodeTestResult[], level: string): string[] {
  const lines: string[] = [];
  for (const o of OUTCOMES.slice(1) as Exclude<Outcome, 'pass'>[]) {
    const rs = results.filter((r) => r.outcome === o);
    if (rs.length === 0) continue;
    lines.push('', `${level} ${TITLES[o]}: ${rs.length}`, '');
    const groups = new Map<string, NodeTestResult[]>();
    for (const r of rs) {
      const k = reasonKey(r);
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    for (const [k, g] of [...groups].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
      const names = g.map((r) => r.name.replace(/^test_/, '') + (o === 'mismatch' ? ` (${r.detail.replace(/\|/g, '\\|')})` : ''));
      lines.push(`- **${g.length}** — ${k.replace(/\|/g, '\\|')}: ${names.join(', ')}`);
    }
  }
  return lines;
}

export function formatReport(results: NodeTestResult[], given?: NodeTestResult[]): string {
  const pass = results.filter((r) => r.outcome === 'pass').length;
  const lines = [
    '# ONNX backend node tests on LiteRT',
    '',
    'Generated by `node --import tsx scripts/node-tests.ts --write` (also run by `test/convert/node-tests.test.ts`).',
    'Each of ONNX\'s backend node tests (`/usr/share/libonnx-testdata/data/node/test_*`, from the Debian package',
    '`libonnx-testdata`) is converted, run on the real LiteRT runtime (@litertjs/core, WASM) with the inputs of its',
    '`test_data_set_0`, and compared with its expected outputs (float: |diff| ≤ 1e-5 + 1e-3·|expected|; integers and',
    'booleans exact). Shape-deciding inputs (Reshape\'s shape, Slice\'s starts...) stay model inputs as in the test, so',
    'conversions that need them constant are refused.',
    '',
    `**${pass} of ${results.length} pass.**`,
    '',
    '| outcome | tests |',
    '|---|---|',
  ];
  for (const o of OUTCOMES) lines.push(`| ${o} | ${results.filter((r) => r.outcome === o).length} |`);
  lines.push(...failureSections(results, '##'));
  if (given) {
    const gp = given.filter((r) => r.outcome === 'pass').length;
    const strict = new Map(results.map((r) => [r.name, r.outcome]));
    const before = given.filter((r) => strict.get(r.name) === 'pass').length;
    lines.push('', '## With shape-deciding inputs and weights given as constants', '',
      `Real models have Reshape's shape, TopK's K, Slice's starts, Conv's weights... constant. ${given.length} tests feed such values as`,
      `inputs; with them made constants (their test values), **${gp} of ${given.length} pass** (${before} as given above).`);
    lines.push(...failureSections(given, '###'));
  }
  return lines.join('\n') + '\n' + BEYOND_TESTDATA;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const filters = args.filter((a) => !a.startsWith('--'));
  const names = listNodeTests().filter((n) => filters.length === 0 || filters.some((f) => n.includes(f)));
  const results = await runNodeTests(names);
  const report = formatReport(results, await runNodeTestsGiven(names));
  if (write) fs.writeFileSync(path.join(__dirname, '..', 'docs', 'node-tests.md'), report);
  if (filters.length > 0) for (const r of results) if (r.outcome !== 'pass') console.log(`${r.name}: ${r.outcome}: ${r.detail}`);
  process.stdout.write(report);
}

if (require.main === module) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
