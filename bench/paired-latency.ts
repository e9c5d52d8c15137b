// LiteRT latency of several variants of one model (float32, fp16, dynamic, int8), measured so that the ratios hold
// on a busy machine. Wall-clock time does not: on the shared 2-core machine (load 10-20) single runs of a 1.4 ms
// model took anywhere from 1.4 to 165 ms, and runs longer than a scheduler slice are always descheduled (the
// fastest of 10 fp16 runs of one model measured 21 ms in one bench and 94 ms in the next). Nor does the process's
// CPU time (V8's compiler and GC threads count in it). The time the main thread itself spent on a core does: Linux's
// /proc/self/task/<pid>/schedstat (ns; LiteRT's WASM runs on this thread, one thread). Each round runs every variant
// (all open at once, in a rotated order) on the same inputs, each batch repeated to last a few ms, and reads that
// clock around the batch: `ms` is the median over rounds of the thread time per run, `ratio` that against the base
// variant's (up to ±15% between runs at load 18); `wallMs` is the fastest wall-clock run per input (median over inputs), for comparison. Where schedstat
// is missing, `ms` falls back to wall-clock batches. Only LiteRT's own run is timed (inputs already in TFLite layout);
// the load average is given before and after.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Tensor } from '../src/ir/types';
import { openTflite } from '../src/runtime/litert';
import { readMetadata, toTfliteLayout } from '../src/runtime/tflite-onnx-io';

export interface Latency { ms: number; ratio: number; wallMs: number; rounds: number; clock: 'thread' | 'wall' }

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
/** Nanoseconds this (main) thread has run on a core, or undefined where the kernel does not say. */
function threadNs(): number | undefined {
  try {
    return Number(fs.readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** A batch lasts at least this long (ms of the base variant), so the clock reads around it cost little. */
const BATCH_MS = 20;

export const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/** Times `models` (the first is the base of the ratios) on `feeds` (ONNX-named, ONNX layout): rounds until
 *  `budgetMs` is spent (at least `minRounds`, at most `maxRounds`). */
export async function pairedLatency(models: { label: string; tflite: Uint8Array }[], feeds: Tensor[][],
  { budgetMs = 20000, minRounds = 5, maxRounds = 40 } = {}): Promise<{ byLabel: Map<string, Latency>; load: string }> {
  const load0 = loadAverage();
  const sessions = await Promise.all(models.map(async (m) => {
    const meta = readMetadata(m.tflite);
    if (!meta) throw new Error(`${m.label}: no onnx2lite metadata`);
    const session = await openTflite(m.tflite);
    const ins = feeds.map((f) => meta.inputs.map((mi, k) => toTfliteLayout(f.find((t) => t.name === mi.onnx) ?? f[k], mi)));
    return { session, ins };
  }));
  try {
    // wall[variant][input][every run], perRun[variant][round]
    const wall: number[][][] = sessions.map((x) => x.ins.map(() => []));
    const perRun: number[][] = sessions.map(() => []);
    const clock = threadNs() === undefined ? 'wall' as const : 'thread' as const;
    const now = () => (clock === 'thread' ? threadNs()! / 1e6 : performance.now());
    let reps = 1;
    const batch = async (i: number): Promise<number> => {
      const { session, ins } = sessions[i];
      const c0 = now();
      for (let r = 0; r < reps; r++) {
        for (let k = 0; k < ins.length; k++) {
          const t0 = performance.now();
          await session.run(ins[k]);
          wall[i][k].push(performance.now() - t0);
        }
      }
      return (now() - c0) / (reps * ins.length);
    };
    for (let i = 0; i < sessions.length; i++) await batch(i); // warm-up
    // Repeats from the base variant's wall-clock batch (the thread clock of a short batch can read 0: it is updated
    // at scheduler ticks), capped so a round stays short.
    const w0 = performance.now();
    await batch(0);
    reps = Math.max(1, Math.min(200, Math.ceil(BATCH_MS / Math.max(0.01, performance.now() - w0))));
    for (const w of wall) for (const perInput of w) perInput.length = 0;
    const start = performance.now();
    let rounds = 0;
    for (; rounds < maxRounds && (rounds < minRounds || performance.now() - start < budgetMs); rounds++) {
      for (let j = 0; j < sessions.length; j++) { const i = (j + rounds) % sessions.length; perRun[i].push(await batch(i)); }
    }
    const ms = perRun.map(median);
    const byLabel = new Map<string, Latency>();
    models.forEach((m, i) => byLabel.set(m.label, {
      ms: ms[i], ratio: ms[i] / ms[0], rounds, clock, wallMs: median(wall[i].map((perInput) => Math.min(...perInput))),
    }));
    return { byLabel, load: `${load0} → ${loadAverage()}` };
  } finally {
    for (const s of sessions) s.session.close();
  }
}
