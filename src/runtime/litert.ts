// Runs .tflite models on the real LiteRT runtime: @litertjs/core (Google's LiteRT compiled to WASM) inside Node.
//
// @litertjs/core is written for browsers and workers: it loads its emscripten script with `importScripts` and reads
// the factory from `self.ModuleFactory`. In Node we provide `self` and an `importScripts` that evaluates the script
// with its own `require`, `__dirname` and `__filename` (so emscripten takes its Node path and reads the .wasm with
// fs), then restore the globals. No --experimental-wasm-* flag is needed: without relaxed SIMD (Node 20) LiteRT
// picks its compat build, which is single-threaded. The package is ESM; it is loaded with a real dynamic import(),
// which works from the CJS bundle too. LiteRT is initialized once per process.
//
// LiteRT.js's JavaScript API reads and writes only float32, int32 and uint8 tensors; models whose inputs or outputs
// have another type are refused with a clear error.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { ModelError, type DType, type Tensor } from '../ir/types';
import type { TflType } from '../tflite/model';
import { parseTflite } from '../tflite/reader';

type LiteRtJs = typeof import('@litertjs/core');
type CompiledModel = Awaited<ReturnType<LiteRtJs['loadAndCompile']>>;
type SignatureRunner = CompiledModel['signatures'][string];

/** A model input or output as the caller sees it (subgraph 0 order, TFLite tensor names). */
export interface TensorInfo {
  name: string;
  dtype: DType;
  dims: number[];
  /** Index of the tensor in subgraph 0. */
  tensor: number;
}

export interface TfliteSession {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** Runs the model; inputs in `inputs` order, outputs in `outputs` order, named by TFLite tensor name. */
  run(inputs: Tensor[]): Promise<Tensor[]>;
  /** Frees the model's WASM memory; the session cannot run afterwards. */
  close(): void;
}

export interface LiteRtOptions {
  /** CPU threads; LiteRT's threaded build needs relaxed SIMD and SharedArrayBuffer, so Node 20 runs on one. */
  threads?: number;
}

const IO_TYPES: Partial<Record<TflType, { dtype: DType; lrt: 'float32' | 'int32' | 'uint8' }>> = {
  FLOAT32: { dtype: 'float32', lrt: 'float32' },
  INT32: { dtype: 'int32', lrt: 'int32' },
  UINT8: { dtype: 'uint8', lrt: 'uint8' },
};

/** Recent lines LiteRT printed (its errors explain failed compiles), numbered, kept for error messages. */
const recentLog: { n: number; line: string }[] = [];
const echo = process.env.ONNX2LITE_LITERT_LOG === '1';
let logCount = 0;
function log(line: string): void {
  if (echo) process.stderr.write(line + '\n');
  recentLog.push({ n: ++logCount, line });
  if (recentLog.length > 50) recentLog.shift();
}
/** LiteRT's ERROR lines printed after log line `since`, as ': a; b' ('' when none). */
function logErrors(since: number): string {
  const lines = recentLog.filter((l) => l.n > since && l.line.startsWith('ERROR'))
    .map((l) => l.line.replace(/^ERROR:\s*/, '').replace(/^\[[\w.]+:\d+\]\s*/, '').replace(/\.$/, ''));
  return lines.length ? ': ' + lines.join('; ') : '';
}

let loading: Promise<LiteRtJs> | undefined;

function packageDir(): string {
  const req = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'index.js'));
  try {
    return path.dirname(req.resolve('@litertjs/core/package.json'));
  } catch {
    throw new ModelError('the LiteRT runtime (@litertjs/core) is not installed: run npm install');
  }
}

// A real import() even after esbuild turns this file into CommonJS.
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/** Loads and initializes LiteRT once per process. */
export function loadLiteRt(opts: LiteRtOptions = {}): Promise<LiteRtJs> {
  loading ??= (async () => {
    const dir = packageDir();
    const lrt = (await importEsm(pathToFileURL(path.join(dir, 'dist', 'index.js')).href)) as LiteRtJs;
    const g = globalThis as Record<string, unknown>;
    const saved = { self: g.self, importScripts: g.importScripts, Module: g.Module };
    g.self = globalThis;
    g.importScripts = (url: string) => {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url;
      const code = readFileSync(file, 'utf8');
      const factory = vm.runInThisContext(
        `(function (require, __dirname, __filename) {${code}\n;return ModuleFactory;})`, { filename: file },
      ) as (r: NodeRequire, d: string, f: string) => unknown;
      g.ModuleFactory = factory(createRequire(file), path.dirname(file), file);
    };
    g.Module = { print: (s: string) => log(String(s)), printErr: (s: string) => log(String(s)) };
    // Node has no WebGPU: LiteRT's default environment warns that it found none; keep that off the console.
    const warn = console.warn;
    console.warn = (...a: unknown[]) => {
      if (!String(a[0]).startsWith('Failed to create default WebGPU device')) warn(...a);
    };
    try {
      const threads = (opts.threads ?? 1) > 1 && (await lrt.supportsFeature('relaxedSimd')) && (await lrt.supportsFeature('threads'));
      await lrt.loadLiteRt(path.join(dir, 'wasm') + path.sep, { threads });
      return lrt;
    } catch (e) {
      loading = undefined;
      throw new ModelError(`the LiteRT runtime could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete g[k]; else g[k] = v;
      }
      delete g.ModuleFactory;
      console.warn = warn;
    }
  })();
  return loading;
}

/** Loads a .tflite once for many runs. */
export async function openTflite(model: Uint8Array, opts: LiteRtOptions = {}): Promise<TfliteSession> {
  const parsed = parseTflite(model);
  const sg = parsed.subgraphs[0];
  if (!sg) throw new ModelError('TFLite model has no subgraph');
  const info = (t: number): TensorInfo => {
    const tensor = sg.tensors[t]!;
    const io = IO_TYPES[tensor.type];
    if (!io) {
      throw new ModelError(`LiteRT.js feeds and reads only float32, int32 and uint8 tensors; '${tensor.name}' is ${tensor.type}`);
    }
    return { name: tensor.name, dtype: io.dtype, dims: tensor.shape.slice(), tensor: t };
  };
  const inputs = sg.inputs.map(info);
  const outputs = sg.outputs.map(info);
  const lrt = await loadLiteRt(opts);
  const since = logCount;
  let compiled: CompiledModel;
  try {
    compiled = await lrt.loadAndCompile(model, {
      accelerator: 'wasm', ...(opts.threads ? { cpuOptions: { numThreads: opts.threads } } : {}),
    });
  } catch (e) {
    resetIfAborted(lrt, e);
    throw new ModelError(`LiteRT cannot load this model${logErrors(since) || ': ' + errorText(e)}`);
  }
  // A model whose ops fail to prepare still "compiles" (and would run to zeros): LiteRT only logs the errors.
  const compileErrors = logErrors(since);
  if (compileErrors) {
    compiled.delete();
    throw new ModelError(`LiteRT cannot load this model${compileErrors}`);
  }
  // LiteRT runs a signature; find the one of subgraph 0 and map its names to tensor indices.
  const sig = parsed.signatures?.find((s) => (s.subgraph ?? 0) === 0);
  const runner: SignatureRunner = (sig && compiled.signatures[sig.key]) || Object.values(compiled.signatures)[0]!;
  const toTensor = (names: readonly { name: string }[], fromSig: { name: string; tensor: number }[] | undefined, order: number[]) =>
    names.map((d, i) => {
      const t = sig ? fromSig?.find((m) => m.name === d.name)?.tensor : order[i];
      const pos = t === undefined ? -1 : order.indexOf(t);
      if (pos < 0) throw new ModelError(`LiteRT signature tensor '${d.name}' is not an input or output of subgraph 0`);
      return pos;
    });
  const inPos = toTensor(runner.getInputDetails(), sig?.inputs, sg.inputs);
  const outPos = toTensor(runner.getOutputDetails(), sig?.outputs, sg.outputs);
  let closed = false;

  const session: TfliteSession = {
    inputs,
    outputs,
    async run(feeds: Tensor[]): Promise<Tensor[]> {
      if (closed) throw new ModelError('the TFLite session is closed');
      if (feeds.length !== inputs.length) {
        throw new ModelError(`the model takes ${inputs.length} input(s) (${inputs.map((i) => i.name).join(', ')}), got ${feeds.length}`);
      }
      const created: { delete(): void }[] = [];
      try {
        const args = inPos.map((p) => {
          const want = inputs[p]!;
          const feed = feeds[p]!;
          if (feed.dtype !== want.dtype) throw new ModelError(`input '${want.name}' is ${want.dtype}, got ${feed.dtype}`);
          if (feed.dims.length !== want.dims.length || feed.dims.some((d, i) => d !== want.dims[i])) {
            throw new ModelError(`input '${want.name}' has shape [${want.dims.join(', ')}], got [${feed.dims.join(', ')}]`);
          }
          const ctor = want.dtype === 'float32' ? Float32Array : want.dtype === 'int32' ? Int32Array : Uint8Array;
          if (!(feed.data instanceof ctor)) throw new ModelError(`input '${want.name}' data must be a ${ctor.name}`);
          const t = new lrt.Tensor(feed.data as Float32Array<ArrayBuffer>, want.dims);
          created.push(t);
          return t;
        });
        const since = logCount;
        let results: InstanceType<LiteRtJs['Tensor']>[];
        try {
          results = await runner.run(args as InstanceType<LiteRtJs['Tensor']>[]);
        } catch (e) {
          resetIfAborted(lrt, e);
          throw new ModelError(`LiteRT failed to run the model${logErrors(since) || ': ' + errorText(e)}`);
        }
        created.push(...results);
        const runErrors = logErrors(since);
        if (runErrors) throw new ModelError(`LiteRT failed to run the model${runErrors}`);
        const out = new Array<Tensor>(outputs.length);
        results.forEach((r, i) => {
          const o = outputs[outPos[i]!]!;
          out[outPos[i]!] = { name: o.name, dtype: o.dtype, dims: Array.from(r.type.layout.dimensions), data: r.toTypedArray() };
        });
        return out;
      } finally {
        for (const t of created) t.delete();
      }
    },
    close(): void {
      if (!closed) { closed = true; compiled.delete(); }
    },
  };
  // LiteRT prepares the ops on the first run and only logs when that fails (the outputs then stay zero): run once on
  // zeros here so a model whose ops cannot be prepared is refused when opened, with LiteRT's own reason. Failures
  // that depend on the data (a division by zero in an integer DIV...) are left to the real runs.
  try {
    await session.run(inputs.map((i) => ({ name: i.name, dtype: i.dtype, dims: i.dims, data: zeros(i) })));
  } catch (e) {
    if (e instanceof ModelError && /failed to prepare|failed to allocate tensors|unresolved custom op/i.test(e.message)) {
      session.close();
      throw new ModelError(e.message.replace('LiteRT failed to run the model', 'LiteRT cannot load this model'));
    }
  }
  return session;
}

function zeros(info: TensorInfo): Float32Array | Int32Array | Uint8Array {
  const n = info.dims.reduce((a, b) => a * b, 1);
  return info.dtype === 'float32' ? new Float32Array(n) : info.dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
}

/** Runs a .tflite once: inputs in the model's input order, outputs in its output order. */
export async function runTflite(model: Uint8Array, inputs: Tensor[], opts: LiteRtOptions = {}): Promise<Tensor[]> {
  const session = await openTflite(model, opts);
  try {
    return await session.run(inputs);
  } finally {
    session.close();
  }
}

/** A WASM trap or abort leaves the module unusable: drop it so the next openTflite loads a fresh one. */
function resetIfAborted(lrt: LiteRtJs, e: unknown): void {
  if (e instanceof WebAssembly.RuntimeError || (e instanceof Error && e.message.startsWith('Aborted'))) {
    try { lrt.unloadLiteRt(); } catch { /* already broken */ }
    loading = undefined;
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'number' ? `WASM exception ${e}` : String(e);
}
