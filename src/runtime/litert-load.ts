// Loads @litertjs/core (Google's LiteRT compiled to WASM) into Node, once per process.
//
// @litertjs/core is written for browsers and workers: it loads its emscripten script with `importScripts` and reads
// the factory from `self.ModuleFactory`. In Node we provide `self` and an `importScripts` that evaluates the script
// with its own `require`, `__dirname` and `__filename` (so emscripten takes its Node path and reads the .wasm with
// fs), then restore the globals. The package is ESM; it is loaded with a real dynamic import(), which works from the
// CJS bundle too (esbuild keeps `@litertjs/core` external).
// Which build: LiteRT ships a compat build (plain WASM SIMD, one thread), a relaxed-SIMD build and a threaded one
// (relaxed SIMD + worker threads). Left to itself LiteRT.js picks relaxed SIMD wherever the runtime has it
// (Chromium, VS Code's Electron, Node >= 22) and compat elsewhere (Node 20). Here the compat build is loaded
// everywhere, so a model gives the same numbers in the CLI, in VS Code and in tests: measured on LiteRT.js 2.5.3,
// the relaxed-SIMD build computes int8 MEAN over the innermost axis wrongly (a LayerNorm's mean of [1, 16, 64] over
// axis 2: 0.24 for 0.40, 0.81 with zero points 0), floats differ from compat's in the last bits (fused multiply-add),
// and it is not faster here (int8 0.94-1.03x, float32 0.85-1.1x of compat on PP-OCR; bench/paired-latency.ts).
// Its int8 is not faster because XNNPack runs the same int8 kernels in both builds (the relaxed build carries
// i32x4.relaxed_dot_i8x16_i7x16_add kernels but does not pick them here): PP-OCRv4 det's 3x3 conv 96->24 at 160x160
// in int8 21.9 ms in both, while its float32 twin takes 28.7 ms in compat and 43-47 ms in relaxed SIMD on Node 20
// (bench/op-latency.ts, 2026-12-05); the int8 / float32 ratio the relaxed build shows there is float32 slowing down.
// ONNX2LITE_LITERT_BUILD=relaxed-simd (or threaded) loads another build, for benches and test/runtime/litert-builds;
// Node 20 gets relaxed SIMD from V8's --experimental-wasm-relaxed-simd, turned on here when asked for.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { ModelError } from '../ir/types';

export type LiteRtJs = typeof import('@litertjs/core');

/** Recent lines LiteRT printed (its errors explain failed compiles), numbered, kept for error messages. */
const recentLog: { n: number; line: string }[] = [];
const echo = process.env.ONNX2LITE_LITERT_LOG === '1';
let logCount = 0;
/** The current log position, for logErrors(since). */
export const logMark = (): number => logCount;
function log(line: string): void {
  if (echo) process.stderr.write(line + '\n');
  recentLog.push({ n: ++logCount, line });
  if (recentLog.length > 50) recentLog.shift();
}
/** LiteRT's ERROR lines printed after log line `since`, as ': a; b' ('' when none). */
export function logErrors(since: number): string {
  const lines = recentLog.filter((l) => l.n > since && l.line.startsWith('ERROR'))
    .map((l) => l.line.replace(/^ERROR:\s*/, '').replace(/^\[[\w.]+:\d+\]\s*/, '').replace(/\.$/, ''));
  return lines.length ? ': ' + lines.join('; ') : '';
}

let loading: Promise<LiteRtJs> | undefined;

/** The threaded build starts each pthread as `new Worker(its own script)`; Node would load that file as an ES module
 *  (the package is "type": "module") where it has no `require`. This Worker runs the same script as CommonJS. */
function pthreadWorker(code: string, file: string): unknown {
  const script = `(function (require, __dirname, __filename) {${code}\n})(require, ${JSON.stringify(path.dirname(file))}, ${JSON.stringify(file)});`;
  return class extends Worker {
    constructor(_url: unknown, options: WorkerOptions) { super(script, { ...options, eval: true }); }
  };
}

export type LiteRtBuild = 'compat' | 'relaxed-simd' | 'threaded';
const BUILD_FILES: Record<LiteRtBuild, string> = {
  compat: 'litert_wasm_compat_internal.js', 'relaxed-simd': 'litert_wasm_internal.js', threaded: 'litert_wasm_threaded_internal.js',
};
let loadedBuild: LiteRtBuild | undefined;
/** The build loaded in this process (undefined before the first load). */
export const liteRtBuild = (): LiteRtBuild | undefined => loadedBuild;

/** The smallest module using a relaxed-SIMD instruction (i32x4.relaxed_trunc_f32x4_s), as LiteRT checks it. */
const RELAXED_SIMD_CHECK = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0,
  65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

/** Whether WebAssembly here has relaxed SIMD, turning on V8's flag for it where it exists but is off (Node 20). */
export function enableRelaxedSimd(): boolean {
  if (WebAssembly.validate(RELAXED_SIMD_CHECK)) return true;
  // A V8 that does not know the flag ignores it.
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(RELAXED_SIMD_CHECK);
}

/** The build to load: ONNX2LITE_LITERT_BUILD, else compat (see the top of this file). */
function chosenBuild(): LiteRtBuild {
  const asked = process.env.ONNX2LITE_LITERT_BUILD;
  if (asked === undefined || asked === '') return 'compat';
  if (!(asked in BUILD_FILES)) throw new ModelError(`ONNX2LITE_LITERT_BUILD must be one of ${Object.keys(BUILD_FILES).join(', ')} (got '${asked}')`);
  if (asked !== 'compat' && !enableRelaxedSimd()) throw new ModelError(`LiteRT's ${asked} build needs WebAssembly relaxed SIMD, which this runtime does not have`);
  return asked as LiteRtBuild;
}

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
export function loadLiteRt(opts: { threads?: number } = {}): Promise<LiteRtJs> {
  loading ??= (async () => {
    const dir = packageDir();
    const lrt = (await importEsm(pathToFileURL(path.join(dir, 'dist', 'index.js')).href)) as LiteRtJs;
    const g = globalThis as Record<string, unknown>;
    const saved = { self: g.self, importScripts: g.importScripts, Module: g.Module };
    // The threaded build sizes its worker pool from navigator.hardwareConcurrency (Node 20 has no navigator).
    const navigatorShim = !('navigator' in g);
    if (navigatorShim) g.navigator = { hardwareConcurrency: Math.max(1, opts.threads ?? 1) };
    g.self = globalThis;
    g.importScripts = (url: string) => {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url;
      const code = readFileSync(file, 'utf8');
      const factory = vm.runInThisContext(
        `(function (require, __dirname, __filename, Worker) {${code}\n;return ModuleFactory;})`, { filename: file },
      ) as (r: NodeRequire, d: string, f: string, w: unknown) => unknown;
      g.ModuleFactory = factory(createRequire(file), path.dirname(file), file, pthreadWorker(code, file));
    };
    g.Module = { print: (s: string) => log(String(s)), printErr: (s: string) => log(String(s)) };
    // Node has no WebGPU: LiteRT's default environment warns that it found none; keep that off the console.
    const warn = console.warn;
    console.warn = (...a: unknown[]) => {
      if (!String(a[0]).startsWith('Failed to create default WebGPU device')) warn(...a);
    };
    try {
      const build = chosenBuild();
      // A file path, not the directory: LiteRT would pick by its own feature check (compat where the flag is off).
      await lrt.loadLiteRt(path.join(dir, 'wasm', BUILD_FILES[build]));
      loadedBuild = build;
      return lrt;
    } catch (e) {
      loading = undefined;
      throw new ModelError(`the LiteRT runtime could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete g[k]; else g[k] = v;
      }
      delete g.ModuleFactory;
      if (navigatorShim) delete g.navigator;
      console.warn = warn;
    }
  })();
  return loading;
}

/** A WASM trap or abort leaves the module unusable: drop it so the next openTflite loads a fresh one. */
export function resetIfAborted(lrt: LiteRtJs, e: unknown): void {
  if (e instanceof WebAssembly.RuntimeError || (e instanceof Error && e.message.startsWith('Aborted'))) {
    try { lrt.unloadLiteRt(); } catch { /* already broken */ }
    loading = undefined;
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'number' ? `WASM exception ${e}` : String(e);
}
