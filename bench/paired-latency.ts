// LiteRT latency of several variants of one model (float32, fp16, dynamic, int8), measured so that the ratios hold
// on a busy machine. Wall-clock time does not: on the shared 2-core machine (load 10-20) single runs of a 1.4 ms
// model took anywhere from 1.4 to 165 ms, and runs longer than a scheduler slice are always descheduled (the
// fastest of 10 fp16 runs of one model measured 21 ms in one bench and 94 ms in the next). Nor does the process's
// CPU time (V8's compiler and GC threads count in it). The time the main thread itself spent on a core does: Linux's
// /proc/self/task/<pid>/schedstat (ns; LiteRT's WASM runs on this thread, one thread). The kernel brings a running
// thread's sum there up to date only at scheduler ticks and switches (4 ms steps at HZ 250: a 20 ms batch read
// 3.1 ms per run for every mode of PP-OCR cls, a Silero step 0.000 ms), so each reading first calls getrusage
// (process.cpuUsage), which accounts the calling thread's pending time (thread_group_cputime → task_sched_runtime):
// readings are then exact to the microsecond. Each round runs every variant (all open at once, in a rotated order)
// on the same inputs, each batch repeated to last BATCH_MS, and reads that clock around the batch (a batch whose
// readings are equal all the same is timed by the wall clock: `fallbacks` counts them): `ms` is the median over
// rounds of the thread time per run, `ratio` the median over rounds of the batch's time over the base variant's in
// the same round, `spread` the quartiles of those per-round ratios; `wallMs` is the fastest wall-clock run per input
// (median over inputs) and `wallRatio` its ratio, for comparison (at load 25+ the thread clock's ratios shrink toward
// 1: each switch-out costs a cache refill, counted alike for every variant). Where schedstat is missing, `ms` falls back to wall-clock batches. Only
// LiteRT's own run is timed (inputs already in TFLite layout); the load average is given before and after.
// pairedLatencyByBuild does the same across LiteRT's WASM builds (one child process per build,
// bench/latency-child.ts, timed by its own CPU time after V8 has finished compiling).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fork } from 'node:child_process';
import type { Tensor } from '../src/ir/types';
import { openTflite } from '../src/runtime/litert';
import type { LiteRtBuild } from '../src/runtime/litert-load';
import { readMetadata, toTfliteLayout } from '../src/runtime/tflite-onnx-io';

export interface Latency {
  ms: number; ratio: number; wallMs: number; rounds: number;
  /** Quartiles of the per-round ratios (the base's [1, 1]). */
  spread: [number, number];
  /** Batches whose clock read equal before and after, timed by the wall clock instead. */
  fallbacks: number;
  /** wallMs over the base variant's: at load 25-33 on 2 cores a thread is switched out many times a run and refills
   *  its caches each time, which adds CPU time to every variant alike (PP-OCR cls int8 / float32 0.94× by thread time,
   *  0.68× by the fastest runs); the fastest undisturbed runs say the kernels' own ratio. */
  wallRatio: number;
  /** 'process': the CPU time of a child process that runs nothing else (pairedLatencyByBuild; with LiteRT's threaded
   *  build it sums its worker threads, so `wallMs` says the latency). */
  clock: 'thread' | 'wall' | 'process';
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
/** Nanoseconds this (main) thread has run on a core, or undefined where the kernel does not say. getrusage first:
 *  it accounts this thread's time since the last tick, which schedstat alone would show only at the next one. */
export function threadNs(): number | undefined {
  try {
    process.cpuUsage();
    return Number(fs.readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** A batch lasts at least this long (ms of the base variant), so the clock reads around it cost little; at most
 *  MAX_REPS runs (a Silero VAD step takes ~0.05 ms). */
const BATCH_MS = 20;
const MAX_REPS = 2000;

export const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/** One variant that can run a timed batch: `reps` times every input; per-run clock ms and each run's wall ms. */
export interface BatchRunner { clock: Latency['clock']; batch(reps: number): Promise<{ ms: number; wall: number[]; fallback?: boolean }> }

/** Opened sessions of `models` on `feeds`, each a BatchRunner (here and in latency-child.ts). */
export async function openRunners(models: { label: string; tflite: Uint8Array }[], feeds: Tensor[][],
  clockOf: 'thread' | 'process' = 'thread', threads = 1): Promise<{ runners: BatchRunner[]; close(): void }> {
  const sessions = await Promise.all(models.map(async (m) => {
    const meta = readMetadata(m.tflite);
    if (!meta) throw new Error(`${m.label}: no onnx2lite metadata`);
    const session = await openTflite(m.tflite, { threads });
    const ins = feeds.map((f) => meta.inputs.map((mi, k) => toTfliteLayout(f.find((t) => t.name === mi.onnx) ?? f[k], mi)));
    return { session, ins };
  }));
  const clock: Latency['clock'] = clockOf === 'process' ? 'process' : threadNs() === undefined ? 'wall' : 'thread';
  const now = () => (clock === 'thread' ? threadNs()! / 1e6 : clock === 'process' ? process.cpuUsage().user / 1e3 + process.cpuUsage().system / 1e3 : performance.now());
  const runners = sessions.map(({ session, ins }): BatchRunner => ({
    clock,
    async batch(reps) {
      const wall: number[] = [];
      // The process clock counts V8's GC threads: start each batch without the previous ones' garbage.
      if (clock === 'process') (globalThis as { gc?: () => void }).gc?.();
      const c0 = now();
      const w0 = performance.now();
      for (let r = 0; r < reps; r++) {
        for (let k = 0; k < ins.length; k++) {
          const t0 = performance.now();
          await session.run(ins[k]);
          wall.push(performance.now() - t0);
        }
      }
      const c = now() - c0;
      const runs = reps * ins.length;
      // A clock that did not move (a kernel that updates it only at ticks) says nothing: the wall clock does.
      return c > 0 ? { ms: c / runs, wall } : { ms: (performance.now() - w0) / runs, wall, fallback: true };
    },
  }));
  return { runners, close: () => { for (const s of sessions) s.session.close(); } };
}

const quantile = (xs: number[], q: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };

/** The median and quartiles of a variant's time over the base's, round by round (both ran in the same round). */
export function pairedRatio(variant: number[], base: number[]): { ratio: number; spread: [number, number] } {
  const r = variant.map((v, k) => v / base[k]);
  return { ratio: median(r), spread: [quantile(r, 0.25), quantile(r, 0.75)] };
}

/** "0.74× (0.71-0.77)": a ratio and its spread. */
export const ratioText = (l: Pick<Latency, 'ratio' | 'spread'>): string => `${l.ratio.toFixed(2)}× (${l.spread[0].toFixed(2)}-${l.spread[1].toFixed(2)})`;

/** A bench table's latency cell: "   3.1 (0.74× (0.71-0.77)) wall 2.6 (0.70×)", with how many batches fell back to the
 *  wall clock when any did. */
export const latencyCell = (l: Latency, digits = 1): string =>
  `${l.ms.toFixed(digits).padStart(8)} (${ratioText(l)}) wall ${l.wallMs.toFixed(digits)} (${l.wallRatio.toFixed(2)}×)` + (l.fallbacks ? ` [${l.fallbacks} wall-clock batches]` : '');

/** Interleaved rounds over `runners` (the first is the base of the ratios), each runner's wall times kept per input. */
async function rounds(labels: string[], runners: BatchRunner[], inputs: number,
  { budgetMs = 20000, minRounds = 5, maxRounds = 40 } = {}): Promise<{ byLabel: Map<string, Latency>; perRound: Map<string, number[]> }> {
  const wall: number[][][] = runners.map(() => Array.from({ length: inputs }, () => []));
  const perRun: number[][] = runners.map(() => []);
  const fallbacks = runners.map(() => 0);
  let reps = 1;
  const batch = async (i: number): Promise<number> => {
    const r = await runners[i].batch(reps);
    r.wall.forEach((w, j) => wall[i][j % inputs].push(w));
    if (r.fallback) fallbacks[i]++;
    return r.ms;
  };
  for (let i = 0; i < runners.length; i++) await batch(i); // warm-up
  // Repeats from the base variant's wall-clock batch, capped so a round stays short.
  const w0 = performance.now();
  await batch(0);
  reps = Math.max(1, Math.min(MAX_REPS, Math.ceil(BATCH_MS / Math.max(0.001, performance.now() - w0))));
  for (const w of wall) for (const perInput of w) perInput.length = 0;
  fallbacks.fill(0);
  const start = performance.now();
  let n = 0;
  for (; n < maxRounds && (n < minRounds || performance.now() - start < budgetMs); n++) {
    for (let j = 0; j < runners.length; j++) { const i = (j + n) % runners.length; perRun[i].push(await batch(i)); }
  }
  const ms = perRun.map(median);
  const wallMs = wall.map((w) => median(w.map((perInput) => Math.min(...perInput))));
  const byLabel = new Map<string, Latency>();
  labels.forEach((label, i) => {
    const { ratio, spread } = pairedRatio(perRun[i], perRun[0]);
    byLabel.set(label, { ms: ms[i], ratio, spread, fallbacks: fallbacks[i], rounds: n, clock: runners[i].clock, wallMs: wallMs[i], wallRatio: wallMs[i] / wallMs[0] });
  });
  return { byLabel, perRound: new Map(labels.map((label, i) => [label, perRun[i]])) };
}

/** Times `models` (the first is the base of the ratios) on `feeds` (ONNX-named, ONNX layout): rounds until
 *  `budgetMs` is spent (at least `minRounds`, at most `maxRounds`). */
export async function pairedLatency(models: { label: string; tflite: Uint8Array }[], feeds: Tensor[][],
  opts: { budgetMs?: number; minRounds?: number; maxRounds?: number } = {}): Promise<{ byLabel: Map<string, Latency>; load: string }> {
  const load0 = loadAverage();
  const { runners, close } = await openRunners(models, feeds);
  try {
    const { byLabel } = await rounds(models.map((m) => m.label), runners, feeds.length, opts);
    return { byLabel, load: `${load0} → ${loadAverage()}` };
  } finally {
    close();
  }
}

/** Which LiteRT WASM build a user gets where (litert-load.ts picks the fastest the runtime has). */
export const BUILD_USERS: Record<LiteRtBuild, string> = {
  compat: 'onnx2lite everywhere (CLI, VS Code, tests: litert-load.ts); LiteRT.js itself where WASM has no relaxed SIMD (Node 20)',
  'relaxed-simd': 'LiteRT.js by itself in Chrome / Edge, Electron and Node >= 22 (a web app or extension loading LiteRT.js)',
  threaded: 'LiteRT.js with threads: relaxed SIMD + workers (pages must be cross-origin isolated); a Raspberry Pi runs native LiteRT instead',
};

/** pairedLatency across LiteRT builds: one child process per build (a process loads one build), every variant of
 *  every build run in the same interleaved rounds (one child runs at a time). Per build, `ratio` is against that
 *  build's first model; `byBuild.get(b).get(label).ms / byBuild.get(builds[0]).get(label).ms` compares builds.
 *  The clock is each child's CPU time (over all its threads for the threaded build: `wallMs` says its latency). */
export async function pairedLatencyByBuild(builds: LiteRtBuild[], models: { label: string; tflite: Uint8Array }[], feeds: Tensor[][],
  opts: { budgetMs?: number; minRounds?: number; maxRounds?: number; threads?: number } = {}): Promise<{ byBuild: Map<LiteRtBuild, Map<string, Latency>>; load: string }> {
  const load0 = loadAverage();
  const children = await Promise.all(builds.map((b) => startChild(b, models, feeds, opts.threads ?? 2)));
  try {
    const runners = children.flatMap((c) => c.runners);
    const labels = builds.flatMap((b) => models.map((m) => `${b}\u0000${m.label}`));
    const { byLabel: all, perRound } = await rounds(labels, runners, feeds.length, opts);
    const byBuild = new Map<LiteRtBuild, Map<string, Latency>>();
    for (const b of builds) {
      const base = perRound.get(`${b}\u0000${models[0].label}`)!;
      byBuild.set(b, new Map(models.map((m) => {
        const key = `${b}\u0000${m.label}`;
        const l = all.get(key)!;
        return [m.label, { ...l, ...pairedRatio(perRound.get(key)!, base), wallRatio: l.wallMs / all.get(`${b}\u0000${models[0].label}`)!.wallMs }];
      })));
    }
    return { byBuild, load: `${load0} → ${loadAverage()}` };
  } finally {
    for (const c of children) c.child.kill();
  }
}

/** A child process running bench/latency-child.ts (bundled with esbuild like the benches) on one build. */
async function startChild(build: LiteRtBuild, models: { label: string; tflite: Uint8Array }[], feeds: Tensor[][], threads: number) {
  const entry = path.join(process.cwd(), 'dist', 'bench', 'latency-child.cjs');
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [path.join(process.cwd(), 'bench', 'latency-child.ts')], outfile: entry, bundle: true, platform: 'node',
    target: 'node20', format: 'cjs', external: ['onnxruntime-node', '@litertjs/core', 'esbuild'], logLevel: 'warning' });
  const child = fork(entry, [], { serialization: 'advanced', execArgv: [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc'], env: { ...process.env, ONNX2LITE_LITERT_BUILD: build }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let pending: ((m: ChildReply) => void) | undefined;
  let failed: Error | undefined;
  child.on('message', (m: ChildReply) => { const p = pending; pending = undefined; p?.(m); });
  child.on('exit', (code) => { failed = new Error(`the ${build} latency child exited (${code})`); const p = pending; pending = undefined; p?.({ error: failed.message }); });
  const ask = (m: ChildRequest): Promise<ChildReply> => new Promise((resolve, reject) => {
    if (failed) { reject(failed); return; }
    pending = (r) => (r.error ? reject(new Error(`${build}: ${r.error}`)) : resolve(r));
    child.send(m);
  });
  const opened = await ask({ open: { models, feeds, threads: build === 'threaded' ? threads : 1 } });
  if (opened.build !== build) throw new Error(`asked for LiteRT's ${build} build, the child loaded ${opened.build}`);
  const runners = models.map((_, i): BatchRunner => ({
    clock: opened.clock!,
    async batch(reps) { const r = await ask({ batch: { i, reps } }); return { ms: r.ms!, wall: r.wall!, fallback: r.fallback }; },
  }));
  return { child, runners };
}

export interface ChildRequest {
  open?: { models: { label: string; tflite: Uint8Array }[]; feeds: Tensor[][]; threads: number };
  batch?: { i: number; reps: number };
}
export interface ChildReply { error?: string; build?: string; clock?: Latency['clock']; ms?: number; wall?: number[]; fallback?: boolean }

/** The LiteRT builds a bench compares (ONNX2LITE_BENCH_BUILDS=compat,relaxed-simd,threaded; 'none' skips them). */
export function benchBuilds(): LiteRtBuild[] {
  const v = process.env.ONNX2LITE_BENCH_BUILDS ?? 'compat,relaxed-simd';
  return v === 'none' ? [] : v.split(',').map((b) => b.trim()).filter(Boolean) as LiteRtBuild[];
}

/** One line per build saying who runs it (printed once before a bench's table). */
export const buildLegend = (builds: LiteRtBuild[]): string => builds.map((b) => `# LiteRT ${b}: ${BUILD_USERS[b]}`).join('\n');

/** "builds: compat 0.78× (0.75-0.80) 12.3 ms, relaxed-simd 0.80× (0.78-0.83) 12.1 ms" for `label` (each build's ratio
 *  to its own base). */
export function buildNote(byBuild: Map<LiteRtBuild, Map<string, Latency>>, label: string, digits = 1): string {
  return 'builds: ' + [...byBuild].map(([b, m]) => { const l = m.get(label)!; return `${b} ${ratioText(l)} ${l.ms.toFixed(digits)} ms`; }).join(', ');
}
