// The benches' latency clock (bench/paired-latency.ts): the main thread's own CPU time, read exactly (not in the
// kernel's 4 ms scheduler-tick steps, which read 3.1 ms per run for every mode of a 2 ms model and 0.000 ms for a
// Silero step), and each ratio given with the quartiles of its per-round ratios. No timing target is asserted here
// (speed lives in `npm run bench`): only that the clock resolves what it times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Tensor } from '../../src/ir/types';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { buildModel, node } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { latencyCell, pairedLatency, pairedRatio, threadNs } from '../../bench/paired-latency';

const hasSchedstat = fs.existsSync(`/proc/self/task/${process.pid}/schedstat`);

/** Spins the CPU for about `ms` of wall time (on a quiet core, as much thread time). */
function spin(ms: number): void {
  const t0 = performance.now();
  let x = 0;
  while (performance.now() - t0 < ms) x += Math.sqrt(x + 1);
  if (x < 0) console.log(x);
}

test('the thread clock reads spans shorter than a scheduler tick', { skip: !hasSchedstat && 'no schedstat' }, () => {
  // schedstat alone moves in scheduler-tick steps (4 ms at HZ 250): most 0.3 ms spans read 0, the rest 4 ms.
  const spans: number[] = [];
  for (let k = 0; k < 25; k++) {
    const t0 = threadNs()!;
    spin(0.3);
    spans.push((threadNs()! - t0) / 1e6);
  }
  spans.sort((a, b) => a - b);
  const mid = spans[spans.length >> 1];
  assert.ok(mid > 0.1 && mid < 2, `median thread time of a 0.3 ms spin: ${mid.toFixed(3)} ms (${spans.map((s) => s.toFixed(2)).join(' ')})`);
  assert.ok(spans.filter((s) => s === 0).length <= 2, `spans reading 0: ${spans.filter((s) => s === 0).length} of ${spans.length}`);
});

test('pairedRatio gives the median per-round ratio and its quartiles', () => {
  const r = pairedRatio([2, 3, 4, 5, 100], [4, 4, 4, 4, 4]);
  assert.equal(r.ratio, 1);
  assert.deepEqual(r.spread, [0.75, 1.25]);
  // Paired by round: a round slow for both leaves the ratio alone.
  assert.equal(pairedRatio([1, 10, 1], [2, 20, 2]).ratio, 0.5);
});

/** A tiny model (a few µs a run, like a Silero VAD step): Add / Mul on [1, 16]. */
function tinyModel(ops: number): Uint8Array {
  const nodes = Array.from({ length: ops }, (_, k) => node(k % 2 ? 'Mul' : 'Add', [k ? `h${k - 1}` : 'x', 'x'], [k === ops - 1 ? 'y' : `h${k}`]));
  const onnx = encodeModel(buildModel({ inputs: [['x', 'float32', [1, 16]]], outputs: [['y', 'float32', [1, 16]]], nodes }));
  return serializeTflite(convertModel(decodeModel(onnx)).model);
}

test('a model of microseconds a run gets a thread time, not 0, and a ratio with its spread', { skip: !hasSchedstat && 'no schedstat' }, async () => {
  const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, 16], data: Float32Array.from({ length: 16 }, (_, i) => i / 16) };
  const { byLabel, load } = await pairedLatency([{ label: 'one', tflite: tinyModel(1) }, { label: 'eight', tflite: tinyModel(8) }], [[x]],
    { budgetMs: 1500, minRounds: 5, maxRounds: 12 });
  const one = byLabel.get('one')!;
  const eight = byLabel.get('eight')!;
  assert.equal(one.clock, 'thread');
  assert.ok(one.ms > 0 && eight.ms > 0, `ms per run ${one.ms} / ${eight.ms} (load ${load})`);
  assert.ok(one.ms < 5 && eight.ms < 5, `a run of a few adds takes ${one.ms} / ${eight.ms} ms`);
  assert.equal(one.fallbacks + eight.fallbacks, 0, 'every batch moved the thread clock');
  assert.equal(one.ratio, 1);
  assert.deepEqual(one.spread, [1, 1]);
  assert.ok(eight.spread[0] <= eight.ratio && eight.ratio <= eight.spread[1] && eight.spread[0] > 0, `${eight.ratio} in ${eight.spread}`);
  assert.match(latencyCell(eight, 3), /× \(\d+\.\d\d-\d+\.\d\d\)\) wall \d+\.\d+ \(\d+\.\d\d×\)/);
  assert.equal(one.wallRatio, 1);
});
