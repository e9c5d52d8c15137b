// LiteRT latency of several variants of one model (float32, fp16, dynamic, int8), measured so that the ratios hold
// on a busy machine: every variant is open at once and the variants run interleaved, round by round (each round
// runs every variant on the same inputs, in a rotated order), so a burst of load hits them alike. Per variant: the
// fastest round's median time per run (`ms`, the machine's best), and the median over rounds of its time divided by
// the base variant's in the same round (`ratio`, the paired ratio), with the load average before and after.
// Only LiteRT's own run is timed (inputs already in TFLite layout), one thread (WASM, XNNPack).
import * as os from 'node:os';
import type { Tensor } from '../src/ir/types';
import { openTflite } from '../src/runtime/litert';
import { readMetadata, toTfliteLayout } from '../src/runtime/tflite-onnx-io';

export interface Latency { ms: number; ratio: number; rounds: number }

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
    const roundOf = async (i: number): Promise<number> => {
      const { session, ins } = sessions[i];
      const times: number[] = [];
      for (const x of ins) {
        const t0 = performance.now();
        await session.run(x);
        times.push(performance.now() - t0);
      }
      return median(times);
    };
    for (let i = 0; i < sessions.length; i++) await roundOf(i); // warm-up
    const per: number[][] = sessions.map(() => []);
    const start = performance.now();
    for (let r = 0; r < maxRounds && (r < minRounds || performance.now() - start < budgetMs); r++) {
      for (let j = 0; j < sessions.length; j++) {
        const i = (j + r) % sessions.length;
        per[i].push(await roundOf(i));
      }
    }
    const byLabel = new Map<string, Latency>();
    models.forEach((m, i) => byLabel.set(m.label, {
      ms: Math.min(...per[i]), ratio: median(per[i].map((t, r) => t / per[0][r])), rounds: per[i].length,
    }));
    return { byLabel, load: `${load0} → ${loadAverage()}` };
  } finally {
    for (const s of sessions) s.session.close();
  }
}
