// A long int8 run says what it is doing and where its time went (src/quantize/int8-phases.ts), stops its accuracy
// search at a time limit (mixed-precision.ts SEARCH_SECONDS, --search-time), and Ctrl-C mid-search writes nothing:
// on the real onnxruntime-node and LiteRT, through the built CLI for the signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { quantizeModelBytes } from '../../src/quantize/file';
import type { Int8Progress } from '../../src/quantize/int8-phases';
import { shiftedModel } from './helpers';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { activationParams } from '../../src/quantize/int8';
import { type Scorer, rankRoundingPoints, roundingPoints } from '../../src/quantize/sensitivity';
import { rankWeightOps } from '../../src/quantize/precise-weights';


const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-phases-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

test('int8 reports its phases as it runs and their times in the summary', async () => {
  const seen: Int8Progress[] = [];
  const { summary } = await quantizeModelBytes(shiftedModel(), 'shifted.onnx', {}, { mode: 'int8', onProgress: (p) => seen.push(p) });
  const phases = new Set(seen.map((p) => p.phase));
  for (const p of ['onnxRanges', 'search', 'quantize'] as const) assert.ok(phases.has(p), `progress for ${p}: ${seen.map((s) => s.message).join(' | ')}`);
  assert.ok(seen.some((p) => /int8 search: step \d+/.test(p.message)), 'each search step is reported');
  const ms = summary.phasesMs ?? {};
  for (const p of ['onnxRanges', 'search', 'quantize', 'convert'] as const) assert.ok(typeof ms[p] === 'number' && ms[p]! >= 0, `phasesMs.${p}: ${JSON.stringify(ms)}`);
  // The search's time is its own phase, within the quantize time the summary always had.
  assert.ok(ms.search! <= summary.quantizeMs + 1, `search ${ms.search} ms of quantize ${summary.quantizeMs} ms`);
  // And the CPU they took (the process's, all threads): wall times beside other jobs measure the load as well.
  const cpu = summary.phasesCpuMs ?? {};
  for (const p of ['onnxRanges', 'search', 'quantize'] as const) assert.ok(typeof cpu[p] === 'number' && cpu[p]! > 0, `phasesCpuMs.${p}: ${JSON.stringify(cpu)}`);
  assert.equal(cpu.convert, undefined, 'int8 phases only');
  assert.equal(summary.guard?.met, true);
  assert.equal(summary.floatOps, 2, 'the search found the two ops as before');
  assert.ok((summary.searchCandidates ?? 0) >= 2, `candidates measured: ${summary.searchCandidates}`);
  assert.equal(summary.searchStopped, undefined);
});

test('the accuracy search stops at its budget with the best model so far, and says so', async () => {
  // A budget of 0 s of work: nothing past the ranking's first pass is measured, so plain int8 (collapsed) is what is left;
  // the guard still judges it (refused without --allow-degraded).
  await assert.rejects(quantizeModelBytes(shiftedModel(), 'shifted.onnx', {}, { mode: 'int8', searchSeconds: 0 }), /below --min-cosine/);
  const { summary, result } = await quantizeModelBytes(shiftedModel(), 'shifted.onnx', {}, { mode: 'int8', searchSeconds: 0, allowDegraded: true });
  assert.equal(summary.searchStopped, true);
  assert.equal(summary.floatOps, 0);
  assert.ok((summary.cosine ?? 1) < 0.9, `plain int8 kept: cosine ${summary.cosine}`);
  assert.ok(result.warnings.some((w) => /search stopped at its budget \(--search-time 0 s of estimated work\)/.test(w)), result.warnings.join('\n'));
});

test('past the time limit the ranking measures no more groups: none is run, all rank as unmeasured', async () => {
  const result = convertModel(decodeModel(shiftedModel()));
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -10, max: 10 }); });
  const params = activationParams(result, ranges);
  assert.ok(roundingPoints(result, params).length >= 2);
  let runs = 0;
  const scorer: Scorer = { baseMs: 1, share: (m) => m, score: async () => { runs++; return { snrDb: 10, cosine: 1, ms: 1, objective: 10 }; } };
  const stopped = await rankRoundingPoints(result, params, scorer, undefined, () => true);
  assert.equal(runs, 0, 'no candidate measured once the limit is past');
  assert.ok(stopped.every((p) => p.measure === Infinity));
  const full = await rankRoundingPoints(result, params, scorer);
  assert.ok(runs >= 2 && full.every((p) => p.measure === 10), `without the limit every group is measured (${runs} runs)`);
});

test('the ranking reports every candidate it measures: groups, the worst groups\' points alone, weight ops', async () => {
  // Attention U-Net (sixteenth sweep, 2 samples, load 18): 80 s of point-by-point refinement and 118 s of weight
  // ranking went by without a line; each measured candidate is now reported as the groups are.
  const result = convertModel(decodeModel(shiftedModel()));
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -10, max: 10 }); });
  const params = activationParams(result, ranges);
  let runs = 0;
  const scorer: Scorer = { baseMs: 1, share: (m) => m, score: async () => { runs++; return { snrDb: runs, cosine: 1, ms: 1, objective: runs }; } };
  const seen: string[] = [];
  await rankRoundingPoints(result, params, scorer, (done, total, stage) => seen.push(`${stage} ${done}/${total}`));
  const groups = seen.filter((s) => s.startsWith('groups')).length;
  const points = seen.filter((s) => s.startsWith('points'));
  assert.ok(groups >= 1, seen.join(', '));
  assert.equal(groups + points.length, runs, `one line per candidate measured: ${seen.join(', ')} (${runs} runs)`);
  assert.ok(points.length >= 1, `the refinement is reported: ${seen.join(', ')}`);
  assert.equal(points.at(-1), `points ${points.length}/${points.length}`);
  const w: string[] = [];
  runs = 0;
  const ranked = await rankWeightOps(result, scorer, undefined, (done, total) => w.push(`${done}/${total}`));
  assert.ok(ranked.length >= 1 && w.length === runs && w.at(-1) === `${ranked.length}/${ranked.length}`, w.join(', '));
});

test('CLI: a long int8 run prints progress on stderr; Ctrl-C mid-search ends it with nothing written', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'sigint-'));
  fs.writeFileSync(path.join(dir, 'shifted.onnx'), shiftedModel());
  const out = path.join(dir, 'out.tflite');
  const child = spawn(process.execPath, [path.resolve('bin/onnx2lite.js'), 'convert', 'shifted.onnx', '--quantize', 'int8', '--progress', '-o', out],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let sent = false;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    if (!sent && /int8 search: /.test(err)) { sent = true; child.kill('SIGINT'); }
  });
  const [code, signal] = await once(child, 'exit');
  assert.match(err, /onnx2lite: shifted\.onnx: int8: calibrating \d+ tensors on onnxruntime/);
  assert.ok(sent, `the search was reported before the end (exit ${code} ${signal}): ${err}`);
  assert.equal(signal, 'SIGINT', `ended by the signal: ${err}`);
  assert.deepEqual(fs.readdirSync(dir), ['shifted.onnx'], 'no output, no temporary');
});

test('CLI: --search-time and --progress are int8 options', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'usage-'));
  fs.writeFileSync(path.join(dir, 'shifted.onnx'), shiftedModel());
  const run = async (...args: string[]) => {
    const child = spawn(process.execPath, [path.resolve('bin/onnx2lite.js'), 'convert', 'shifted.onnx', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const [code] = await once(child, 'exit');
    return { code, err };
  };
  const fp16 = await run('--quantize', 'fp16', '--search-time', '5');
  assert.equal(fp16.code, 2, fp16.err);
  assert.match(fp16.err, /--search-time applies to --quantize int8 only/);
  const bad = await run('--quantize', 'int8', '--search-time', 'soon');
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /--search-time takes a number of seconds/);
});
