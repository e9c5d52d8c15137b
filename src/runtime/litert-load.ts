// Loads @litertjs/core (Google's LiteRT compiled to WASM) into Node, once per process.
//
// @litertjs/core is written for browsers and workers: it loads its emscripten script with `importScripts` and reads
// the factory from `self.ModuleFactory`. In Node we provide `self` and an `importScripts` that evaluates the script
// with its own `require`, `__dirname` and `__filename` (so emscripten takes its Node path and reads the .wasm with
// fs), then restore the globals. No --experimental-wasm-* flag is needed: without relaxed SIMD (Node 20) LiteRT
// picks its compat build, which is single-threaded. The package is ESM; it is loaded with a real dynamic import(),
// which works from the CJS bundle too (esbuild keeps `@litertjs/core` external).
// LiteRT prints its errors instead of throwing them: they are kept here (ONNX2LITE_LITERT_LOG=1 echoes them to stderr)
// so that callers can put LiteRT's own reason in their error message.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
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
