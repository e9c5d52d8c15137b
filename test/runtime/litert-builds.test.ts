// LiteRT.js's WASM builds side by side (src/runtime/litert-load.ts): each in its own process (a process loads one
// build), the same models on the same inputs. onnx2lite loads the compat build everywhere; the relaxed-SIMD build
// (what LiteRT.js picks by itself in Chromium, VS Code and Node >= 22) gives the same results for int8 CNN ops and
// float32 ones within float rounding (fused multiply-add), but computes an int8 MEAN over the innermost axis wrongly
// (LiteRT.js 2.5.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { TflModel } from '../../src/tflite/model';
import { serializeTflite } from '../../src/tflite/writer';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { quantizeModelBytes } from '../../src/quantize/file';
import { rng } from '../quantize/helpers';

const HELPER = path.join(__dirname, '..', 'helpers', 'litert-build-run.ts');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-builds-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the helper in a child on `build` (undefined: the default); its outputs, or its exit status and stderr. */
function runBuild(label: string, build?: string): { build?: string; outputs?: Record<string, number[][]>; status: number | null; stderr: string } {
  const env = { ...process.env };
  if (build === undefined) delete env.ONNX2LITE_LITERT_BUILD; else env.ONNX2LITE_LITERT_BUILD = build;
  const r = spawnSync(process.execPath, ['--import', 'tsx', HELPER, dir, label], { env, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return { status: r.status, stderr: r.stderr };
  return { ...JSON.parse(fs.readFileSync(path.join(dir, `out-${label}.json`), 'utf8')), status: 0, stderr: r.stderr };
}

const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint], quantizedDimension: 0 });
/** QUANTIZE → int8 MEAN over `axes` (keepDims) → DEQUANTIZE, float32 input and output. */
function int8Mean(shape: number[], axes: number[]): TflModel {
  const out = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return { version: 3, description: 'int8 mean', metadata: new Map(), subgraphs: [{ name: 'main', inputs: [0], outputs: [4], tensors: [
    { name: 'x', type: 'FLOAT32', shape }, { name: 'xq', type: 'INT8', shape, quantization: q(0.00876, -65) },
    { name: 'axes', type: 'INT32', shape: [axes.length], data: new Uint8Array(Int32Array.from(axes).buffer) },
    { name: 'yq', type: 'INT8', shape: out, quantization: q(0.00254, -128) }, { name: 'y', type: 'FLOAT32', shape: out }],
  operators: [{ opcode: 'QUANTIZE', inputs: [0], outputs: [1] }, { opcode: 'MEAN', version: 2, inputs: [1, 2], outputs: [3], options: { keepDims: true } },
    { opcode: 'DEQUANTIZE', version: 2, inputs: [3], outputs: [4] }] }] };
}

const inputs = new Map<string, { dims: number[]; data: Float32Array }>();
function write(name: string, tflite: Uint8Array, input: { name: string; dims: number[] }, lo: number, hi: number, seed: number): void {
  const g = rng(seed);
  const data = Float32Array.from({ length: input.dims.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * g());
  inputs.set(name, { dims: input.dims, data });
  fs.writeFileSync(path.join(dir, `${name}.tflite`), tflite);
  fs.writeFileSync(path.join(dir, `${name}.input.json`), JSON.stringify([{ name: input.name, dims: input.dims, data: Array.from(data) }]));
}

let int8Only = false;
let runs: Promise<{ compat: ReturnType<typeof runBuild>; relaxed: ReturnType<typeof runBuild>; byDefault: ReturnType<typeof runBuild> }> | undefined;
function all() {
  runs ??= (async () => {
    const onnx = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'shared', 'models', 'mobilenet_v3_small.onnx'));
    const x = { name: 'input', dims: [1, 224, 224, 3] }; // as stored (channel-last): the helper feeds LiteRT directly
    const name = decodeModel(onnx).graph.inputs[0]!.name;
    write('mnv3-float32', serializeTflite(convertModel(decodeModel(onnx), {}).model), { ...x, name }, -2, 2, 1);
    // int8 throughout (float ops inside an int8 model round differently, and a QUANTIZE after them can flip a step).
    const tiny = fs.readFileSync(path.join(__dirname, '..', '..', 'samples', 'tinycnn.onnx'));
    const { result } = await quantizeModelBytes(tiny, 'tinycnn.onnx', {}, { mode: 'int8', allowDegraded: true });
    const sg = result.model.subgraphs[0]!;
    int8Only = sg.operators.every((o) => o.opcode === 'DEQUANTIZE' || o.outputs.every((t) => sg.tensors[t]!.type !== 'FLOAT32'));
    const tinyIn = decodeModel(tiny).graph.inputs[0]!;
    const dims = tinyIn.shape!.map(Number);
    write('tinycnn-int8', serializeTflite(result.model), { name: tinyIn.name, dims: [dims[0]!, ...dims.slice(2), dims[1]!] }, -2, 2, 4);
    write('mean-last-axis', serializeTflite(int8Mean([1, 16, 64], [2])), { name: 'x', dims: [1, 16, 64] }, -0.2, 1, 2);
    write('mean-spatial', serializeTflite(int8Mean([1, 8, 8, 64], [1, 2])), { name: 'x', dims: [1, 8, 8, 64] }, -0.2, 1, 3);
    return { compat: runBuild('compat', 'compat'), relaxed: runBuild('relaxed', 'relaxed-simd'), byDefault: runBuild('default') };
  })();
  return runs;
}

test('the compat build is the default; ONNX2LITE_LITERT_BUILD=relaxed-simd loads that one (Node 20: behind V8\'s flag)', async () => {
  const { compat, relaxed, byDefault } = await all();
  assert.equal(byDefault.status, 0, byDefault.stderr);
  assert.equal(byDefault.build, 'compat');
  assert.equal(compat.build, 'compat');
  assert.equal(relaxed.build, 'relaxed-simd', relaxed.stderr);
  assert.deepEqual(byDefault.outputs, compat.outputs);
});

test('relaxed SIMD vs compat: an all-int8 CNN gives identical outputs, float32 mobilenet_v3_small within float rounding', async () => {
  const { compat, relaxed } = await all();
  const worst = (name: string) => {
    const a = compat.outputs![name]![0]!;
    const b = relaxed.outputs![name]![0]!;
    return { d: Math.max(...a.map((v, i) => Math.abs(v - b[i]!))), scale: Math.max(...a.map(Math.abs)) };
  };
  assert.ok(int8Only, 'tinycnn quantizes to int8 ops only');
  assert.deepEqual(relaxed.outputs!['tinycnn-int8'], compat.outputs!['tinycnn-int8']);
  const f = worst('mnv3-float32');
  // Fused multiply-adds round once where compat rounds twice: ~1e-5 of the output's scale after 50 layers.
  assert.ok(f.d <= 1e-4 * f.scale, `float32: max |relaxed - compat| ${f.d} of max |y| ${f.scale}`);
});

test('int8 MEAN: compat is within one output step of the exact mean on every axis; relaxed SIMD misses it over the innermost axis', async () => {
  const { compat, relaxed } = await all();
  const step = 0.00254;
  const exact = (name: string, rows: number, len: number, stride: (r: number, j: number) => number) => {
    const x = inputs.get(name)!.data;
    // The mean of the int8-rounded input, as the kernel sees it.
    const xq = Array.from(x, (v) => 0.00876 * (Math.max(-128, Math.min(127, Math.round(v / 0.00876) - 65)) + 65));
    return Array.from({ length: rows }, (_, r) => { let s = 0; for (let j = 0; j < len; j++) s += xq[stride(r, j)]!; return s / len; });
  };
  const last = exact('mean-last-axis', 16, 64, (r, j) => r * 64 + j);
  const spatial = exact('mean-spatial', 64, 64, (c, j) => j * 64 + c);
  const off = (got: number[], want: number[]) => Math.max(...want.map((v, i) => Math.abs(v - got[i]!))) / step;
  assert.ok(off(compat.outputs!['mean-last-axis']![0]!, last) <= 1, `compat, innermost axis: ${off(compat.outputs!['mean-last-axis']![0]!, last)} steps`);
  assert.ok(off(compat.outputs!['mean-spatial']![0]!, spatial) <= 1, `compat, spatial: ${off(compat.outputs!['mean-spatial']![0]!, spatial)} steps`);
  assert.ok(off(relaxed.outputs!['mean-spatial']![0]!, spatial) <= 1, `relaxed, spatial: ${off(relaxed.outputs!['mean-spatial']![0]!, spatial)} steps`);
  // LiteRT.js 2.5.3's relaxed-SIMD build: when this fails, LiteRT has fixed it and litert-load.ts may load relaxed SIMD by default.
  assert.ok(off(relaxed.outputs!['mean-last-axis']![0]!, last) > 10, `relaxed, innermost axis: ${off(relaxed.outputs!['mean-last-axis']![0]!, last)} steps`);
});

test('ONNX2LITE_LITERT_BUILD with an unknown build: one line naming the builds', () => {
  const r = runBuild('bad', 'fast');
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^the LiteRT runtime could not be loaded: ONNX2LITE_LITERT_BUILD must be one of compat, relaxed-simd, threaded \(got 'fast'\)$/);
});
