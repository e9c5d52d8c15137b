// LiteRT latency of several variants of one model (float32, fp16, dynamic, int8), measured so that the ratios hold
// on a busy machine: every variant is open at once and the variants run interleaved, round by round (each round
// runs every variant on the same inputs, in a rotated order), so a burst of load hits them alike. On a shared machine
// single runs of a 1.4 ms model were seen anywhere from 1.4 to 165 ms (the process descheduled), so the estimate of a
// variant's cost is its fastest run per input over all rounds (`ms`: the median over inputs of that), the least
// disturbed one; `ratio` is that against the base variant's, `pairedRatio` the median over rounds of the round's
// median time against the base's in the same round (close to `ratio` on a quiet machine). Only LiteRT's own run is
// timed (inputs already in TFLite layout), one thread (WASM, XNNPack); the load average is given before and after.
import * as os from 'node:os';
import type { Tensor } from '../src/ir/types';
import { openTflite } from '../src/runtime/litert';
import { readMetadata, toTfliteLayout } from '../src/runtime/tflite-onnx-io';

export interface Latency { ms: number; ratio: number; pairedRatio: number; rounds: number }

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
    // times[variant][input][round]
    const times: number[][][] = sessions.map((s) => s.ins.map(() => []));
    const roundOf = async (i: number): Promise<void> => {
      const { session, ins } = sessions[i];
      for (let k = 0; k < ins.length; k++) {
        const t0 = performance.now();
        await session.run(ins[k]);
        times[i][k].push(performance.now() - t0);
      }
    };
    for (let i = 0; i < sessions.length; i++) await roundOf(i); // warm-up
    for (const t of times) for (const perInput of t) perInput.length = 0;
    const start = performance.now();
    let rounds = 0;
    for (; rounds < maxRounds && (rounds < minRounds || performance.now() - start < budgetMs); rounds++) {
      for (let j = 0; j < sessions.length; j++) await roundOf((j + rounds) % sessions.length);
    }
    const fastest = times.map((t) => median(t.map((perInput) => Math.min(...perInput))));
    const roundMedian = (i: number, r: number) => median(times[i].map((perInput) => perInput[r]));
    const byLabel = new Map<string, Latency>();
    models.forEach((m, i) => byLabel.set(m.label, {
      ms: fastest[i], ratio: fastest[i] / fastest[0], rounds,
      pairedRatio: median(Array.from({ length: rounds }, (_, r) => roundMedian(i, r) / roundMedian(0, r))),
    }));
    return { byLabel, load: `${load0} → ${loadAverage()}` };
  } finally {
    for (const s of sessions) s.session.close();
  }
}
