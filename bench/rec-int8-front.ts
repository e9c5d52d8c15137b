// PaddleOCR rec int8 on PaddleOCR's own feed (issue #13): lines identical vs latency for chosen sets of ops kept
// float32, on one width bucket (ocr-wide.ts: each line at height 48 and its own aspect, zero-padded to the bucket).
// Calibration ranges and GPTQ weights are computed once (as quantizeFullInt8 does, minmax or percentile as asked),
// then each variant is the int8 pass with its float32 ops: its lines identical to onnxruntime (calibration lines and
// evaluation lines apart), the cost model's estimate and, with --time, paired LiteRT latency against float32.
// Usage: ONNX2LITE_OCR_MODELS=DIR node --import tsx bench/rec-int8-front.ts [--bucket 640] [--time] [--cache FILE]
//   [--save DIR] [--nearest] [--no-gptq] [--calib N] [--bias-correction] [--equalize] [--method minmax|percentile|mse] VARIANTS.json
// VARIANTS.json: [{ "label": "stem", "float": "0-22,40", "fp16w": false, "int16": "", "jitter": 0, "seed": 1 }, ...] (op
// index ranges of the float32 model; fp16w: their weights stored float16 instead of int8; int16: ops in 16x8; jitter J:
// every activation scale (one factor per same-scale group, fixed-output ones aside) times a seeded factor in
// [1 - J, 1 + J], zero points kept: how much of a row's lines is the luck of its grids; "bias": "seq" with "gain": G
// also fits per-channel gains clamped to 1 ± G, bias-sequential.ts; "fitGrids": N averages that fit over N more copies of
// the grids jittered by "fitJitter"; "blame16": [2, 4] adds rows with the 2 / 4 layers compare blames after it in 16x8). Each row also gives the
// search's arg-max measures on the first 8 calibration lines (agreement, the smooth measure, and that measure with
// float's margin capped at 1 / 2 logits). --cache FILE keeps the ranges and GPTQ weights (~8 min at load 20) for the
// next run; --save DIR writes each variant, --time-saved DIR times the files saved there (paired, float32 the base).
// --ops prints each op with its output's range and how unequal its channels' ranges are (max / median channel);
// --noise the float model's own decode under ±0.25-1 grey level of noise on the lines' pixels (onnxruntime).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../src/ir/types';
import { convertModel } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { simplifiedModel } from '../src/convert/simplify';
import { serializeTflite } from '../src/tflite/writer';
import { RANGE_METHODS, RangeCollector, type RangeMethod, keepExtremes, onnxRanges, plan, tfliteRanges } from '../src/calibration/ranges';
import { deriveRanges } from '../src/calibration/derive';
import { withNormHeadroom } from '../src/calibration/norm-headroom';
import { activationParams, quantizeInt8, tensorsWithoutParams } from '../src/quantize/int8';
import { wideParams } from '../src/quantize/int16';
import type { QParams, Range } from '../src/quantize/params';
import type { RoundedWeights } from '../src/quantize/weight-rounding';
import { gptqWeights } from '../src/quantize/weight-rounding';
import { GUARD_SAMPLES, cloneResult, score } from '../src/quantize/mixed-precision';
import { jittered } from './rec-int8-jitter';
import type { ConvertResult } from '../src/convert/convert';
import { estimatedMs } from '../src/quantize/cost-model';
import { correctBiases } from '../src/quantize/bias-correction';
import { equalizeConvDepthwise } from '../src/quantize/equalize-conv-depthwise';
import { sequentialBiases, withGains } from '../src/quantize/bias-sequential';
import { sequentialBiasChoice } from '../src/quantize/bias-choice';
import { blamedPoints, splitBlame } from '../src/quantize/blamed-first';
import { consumersOf } from '../src/quantize/graph';
import { openConverted } from '../src/runtime/tflite-onnx-io';
import { argmaxAgreement } from '../src/quantize/task-signal';
import { ctcGreedy, evaluate, references } from './ocr-tasks';
import { bucketOf, feedLine, pngs, widthOf } from './ocr-wide';
import { makeOcrSamples } from './material/ocr-samples.mjs';
import { tensorValues } from './rec-int8-types';
import { loadAverage, pairedLatency } from './paired-latency';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };

export function opSet(spec: string): Set<number> {
  const s = new Set<number>();
  for (const part of spec.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let k = a; k <= (b ?? a); k++) s.add(k);
  }
  return s;
}

/** The search's arg-max measures (task-signal.ts) on log-probabilities (margins as in logits): positions agreeing, the
 *  smooth agreement the search ranks by, and the same with float's margin capped at 1 / 2. */
async function margins(tflite: Uint8Array, samples: Tensor[][], refs: Tensor[]): Promise<{ agree: number; soft: number; capped: number[] }> {
  const s = await openConverted(tflite);
  const sums = [Infinity, 1, 2].map(() => ({ n: 0, agree: 0, soft: 0 }));
  const log = (t: ArrayLike<number>) => Float32Array.from(t, (x) => Math.log(Math.max(x, 1e-30)));
  try {
    for (const [k, x] of samples.entries()) {
      const got = log([...(await s.run(x)).values()][0].data as Float32Array);
      const want = log(refs[k].data as Float32Array);
      [Infinity, 1, 2].forEach((cap, i) => {
        const a = argmaxAgreement(want, got, refs[k].dims[refs[k].dims.length - 1], cap);
        sums[i].n += a.positions; sums[i].agree += a.agree; sums[i].soft += a.soft;
      });
    }
  } finally {
    s.close();
  }
  return { agree: sums[0].agree / sums[0].n, soft: sums[0].soft / sums[0].n, capped: sums.slice(1).map((x) => x.soft / x.n) };
}

(async () => {
  const dir = process.env.ONNX2LITE_OCR_MODELS;
  if (!dir) { console.log('skipped: set ONNX2LITE_OCR_MODELS'); return; }
  const bucket = Number(arg('--bucket') ?? 640);
  const file = path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx');
  const bytes = fs.readFileSync(file);
  const material = makeOcrSamples(path.join(os.tmpdir(), 'onnx2lite-ocr-samples-3'), { moreLines: 144, wide: 72 });
  const evalFiles = ['line-wide', 'line-more-wide'].flatMap((d) => pngs(path.join(material, 'eval', d))).filter((f) => bucketOf(widthOf(f)) === bucket);
  const calibAll = pngs(path.join(material, 'calib', 'line-wide'));
  const calibW = calibAll.map(widthOf);
  const calibFiles = [...calibAll.keys()].filter((k) => bucketOf(calibW[k]) === bucket).concat([...calibAll.keys()].filter((k) => bucketOf(calibW[k]) < bucket))
    .slice(0, Number(arg('--calib') ?? 24)).map((k) => calibAll[k]);
  const feeds = evalFiles.map((f) => [feedLine(f, bucket)]);
  const samples = calibFiles.map((f) => [feedLine(f, bucket)]);
  // --time-saved DIR: paired latency of the .tflite files a former run saved there (float32.tflite the base).
  const savedDir = arg('--time-saved');
  if (savedDir) {
    const files = fs.readdirSync(savedDir).filter((f) => f.endsWith('.tflite')).sort((a, b) => Number(b === 'float32.tflite') - Number(a === 'float32.tflite'));
    const models = files.map((f) => ({ label: f.replace(/\.tflite$/, ''), tflite: new Uint8Array(fs.readFileSync(path.join(savedDir, f))) }));
    const lat = await pairedLatency(models, feeds.slice(0, 3), { budgetMs: Number(arg('--budget') ?? 30000) });
    for (const m of models) { const l = lat.byLabel.get(m.label)!; console.log(`latency ${m.label.padEnd(28)} ${l.ms.toFixed(1)} ms ${l.ratio.toFixed(2)}x (${l.spread[0].toFixed(2)}-${l.spread[1].toFixed(2)}) wall ${l.wallRatio.toFixed(2)}x, ${l.rounds} rounds`); }
    console.log(`# latency load ${lat.load}`);
    return;
  }
  if (process.argv.includes('--noise')) {
    // The float model's own noise floor on this feed: ±g grey levels of uniform noise on the line's own pixels (the
    // zero padding stays zero, as resize_norm_img writes it), onnxruntime against onnxruntime.
    const refs = await references(bytes, feeds);
    const decode = (t: Tensor) => ctcGreedy(t.data as Float32Array, t.dims).join(',');
    let seed = 1;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    for (const g of [0.25, 0.5, 1]) {
      const noisy = feeds.map(([x], i) => {
        const w = Math.min(widthOf(evalFiles[i]), bucket);
        const d = Float32Array.from(x.data as Float32Array);
        for (let r = 0; r < 3 * 48; r++) for (let c = 0; c < w; c++) d[r * bucket + c] += (rnd() * 2 - 1) * (2 * g) / 255;
        return [{ ...x, data: d }];
      });
      const got = await references(bytes, noisy);
      const same = got.filter((t, i) => decode(t) === decode(refs[i])).length;
      console.log(`float32 (onnxruntime), ±${g} grey level on the line's pixels: ${same}/${feeds.length} lines the same (${(100 * same / feeds.length).toFixed(1)}%); load ${loadAverage()}`);
    }
    return;
  }
  const inputShapes = new Map([['x', [1, 3, 48, bucket]]]);
  const result = convertModel(decodeModel(bytes), { inputShapes });
  const onnx = simplifiedModel(decodeModel(bytes), inputShapes);
  const sg = result.model.subgraphs[0];
  // --equalize: the conv -> depthwise pairs equalized before the ranges, as convert's int8 stage does (int8-stage.ts);
  // give it its own --cache file (the ranges differ).
  if (process.argv.includes('--equalize')) console.log(`# equalized ${(await equalizeConvDepthwise(result, onnx, samples)).pairs} conv -> depthwise pair(s)`);
  const t0 = performance.now();
  const method = (arg('--method') ?? 'minmax') as RangeMethod;
  // --cache FILE: ranges' parameters and GPTQ's weights of a former run with the same bucket, method and lines.
  const cacheFile = arg('--cache');
  type Cached = { params: [number, QParams][]; int16: [number, QParams][]; weights: [number, { data: number[]; scales: number[]; bias?: number[]; biasTensor?: number }][] };
  const cached: Cached | undefined = cacheFile && fs.existsSync(cacheFile) ? JSON.parse(fs.readFileSync(cacheFile, 'utf8')) : undefined;
  let params: Map<number, QParams>;
  let int16Params: Map<number, QParams>;
  let gptq: Map<number, RoundedWeights> | undefined;
  // --params-from FILE: a former --cache file's ranges, GPTQ computed afresh (for --damp / --act-order).
  const paramsFrom: Cached | undefined = !cached && arg('--params-from') ? JSON.parse(fs.readFileSync(arg('--params-from')!, 'utf8')) : undefined;
  if (paramsFrom) {
    params = new Map(paramsFrom.params);
    int16Params = new Map(paramsFrom.int16);
  } else if (cached) {
    params = new Map(cached.params);
    int16Params = new Map(cached.int16);
    gptq = new Map(cached.weights.map(([k, w]) => [k, { data: Int8Array.from(w.data), scales: w.scales, ...(w.bias ? { bias: Float32Array.from(w.bias) } : {}), ...(w.biasTensor !== undefined ? { biasTensor: w.biasTensor } : {}) }]));
  } else {
    const collector = new RangeCollector({}, RANGE_METHODS);
    const fixed = new Map();
    const need = tensorsWithoutParams(result, activationParams(result, new Map(), fixed));
    const p = plan(result, onnx, need);
    await onnxRanges(collector, onnx, p.onnx, samples, 0);
    const withDerived = (base: Map<number, Range>) => { deriveRanges(result, base, tensorsWithoutParams(result, activationParams(result, base, fixed))); return base; };
    const missing = tensorsWithoutParams(result, activationParams(result, withDerived(collector.ranges()), fixed));
    if (missing.length) await tfliteRanges(collector, result, missing, samples);
    const headroom = (r: Map<number, Range>) => withNormHeadroom(result, r, collector.extremes);
    const rangesOf = (m: RangeMethod) => headroom(keepExtremes(result, collector.rangesFor(m), collector.minmaxRanges()));
    params = activationParams(result, withDerived(rangesOf(method)), fixed);
    int16Params = wideParams(activationParams(result, withDerived(headroom(collector.minmaxRanges())), fixed));
    // --methods-cache FILE: every method's parameters from this one ranges pass, for variants' "method".
    if (arg('--methods-cache')) fs.writeFileSync(arg('--methods-cache')!, JSON.stringify(Object.fromEntries(RANGE_METHODS.map((m) => [m, [...activationParams(result, withDerived(rangesOf(m)), fixed)]]))));
  }
  const methodsFile = arg('--methods-cache');
  const byMethod: Record<string, [number, QParams][]> = methodsFile && fs.existsSync(methodsFile) ? JSON.parse(fs.readFileSync(methodsFile, 'utf8')) : {};
  console.log(`# bucket ${bucket}: ${feeds.length} eval lines, ${samples.length} calibration lines; ${sg.operators.length} ops; ranges ${method} ${((performance.now() - t0) / 1000).toFixed(0)} s; load ${loadAverage()}`);
  if (process.argv.includes('--ranges-only')) return;
  if (process.argv.includes('--ops')) {
    const outs = sg.operators.map((op) => op.outputs[0]);
    const vals = await tensorValues(result.model, result, outs, samples.slice(0, 4));
    sg.operators.forEach((op, k) => {
      const t = sg.tensors[outs[k]];
      const c = t.shape[t.shape.length - 1] ?? 1;
      const chMax = new Float64Array(c);
      for (const v of vals) for (let i = 0; i < v[k].length; i++) chMax[i % c] = Math.max(chMax[i % c], Math.abs(v[k][i]));
      const sorted = [...chMax].sort((a, b) => a - b);
      const q = params.get(outs[k]);
      console.log(`${k} ${op.opcode} ${JSON.stringify(t.shape)} scale ${q?.scale.toExponential(2)} zp ${q?.zeroPoint} chmax max ${sorted[c - 1].toFixed(3)} med ${sorted[c >> 1].toFixed(3)} min ${sorted[0].toFixed(4)} ratio ${(sorted[c - 1] / Math.max(sorted[c >> 1], 1e-9)).toFixed(1)} in ${op.inputs.join(',')}`);
    });
    return;
  }
  // --no-gptq: round-to-nearest weights only (no GPTQ pass; the --cache file then holds the ranges alone).
  if (!gptq && process.argv.includes('--no-gptq')) {
    gptq = new Map();
    if (cacheFile) fs.writeFileSync(cacheFile, JSON.stringify({ params: [...params], int16: [...int16Params], weights: [] }));
  }
  if (!gptq) {
    // --damp X / --act-order: GPTQ's knobs (weight-rounding.ts GptqTuning); give them their own --cache file.
    const g = await gptqWeights(result, onnx, samples, { inputScale: (i) => params.get(i)?.scale,
      ...(arg('--damp') ? { damp: Number(arg('--damp')) } : {}), actOrder: process.argv.includes('--act-order') });
    gptq = g.weights;
    console.log(`# GPTQ ${g.stats.layers} layers; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    if (cacheFile) fs.writeFileSync(cacheFile, JSON.stringify({ params: [...params], int16: [...int16Params], weights: [...gptq].map(([k, w]) => [k, { data: [...w.data], scales: w.scales, ...(w.bias ? { bias: [...w.bias] } : {}), biasTensor: w.biasTensor }]) }));
  }
  const roundedWeights = process.argv.includes('--nearest') ? undefined : gptq;
  // --bias-correction: every variant with the empirical bias correction (bias-correction.ts) on the first 8 calibration lines.
  const biasDelta = process.argv.includes('--bias-correction') ? (await correctBiases(result, params, samples.slice(0, 8))).delta : undefined;
  if (biasDelta) console.log(`# bias correction: ${biasDelta.size} layers`);
  const calibRefs = await references(bytes, samples);
  const evalRefs = await references(bytes, feeds);
  const floatTflite = serializeTflite(result.model);
  const floatCost = estimatedMs(result.model);
  type Variant = { label: string; float: string; fp16w?: boolean; int16?: string; jitter?: number; seed?: number; seeds?: number[]; weights?: 'gptq' | 'nearest' | 'gptq-nobias'; method?: RangeMethod; calibOnly?: boolean;
    bias?: 'seq' | 'choice'; gain?: number; fitGrids?: number; fitJitter?: number; blame16?: number[]; readers16?: boolean; perPass?: number; biasLines?: number; biasOps?: string; minSteps?: number; lookahead?: number };
  // "seeds": [1, 2, 3, 4] expands a jittered variant into one row per seed, then a summary (mean / min / max of eval lines).
  const variants: Variant[] = (JSON.parse(fs.readFileSync(process.argv[process.argv.length - 1], 'utf8')) as Variant[])
    .flatMap((v) => v.seeds ? v.seeds.map((seed) => ({ ...v, seeds: undefined, seed, label: `${v.label} s${seed}`, group: v.label })) : [v]);
  const bySet = new Map<string, number[]>();
  const noBias = gptq && new Map([...gptq].map(([k, w]) => [k, { data: w.data, scales: w.scales }]));
  const timed: { label: string; tflite: Uint8Array }[] = [{ label: 'float32', tflite: floatTflite }];
  if (arg('--save')) fs.writeFileSync(path.join(arg('--save')!, 'float32.tflite'), floatTflite);
  for (const v of variants) {
    const floatOps = opSet(v.float);
    // fp16w: the float ops' weights stored float16 (precise-weights.ts), not int8.
    const floatWeights = new Set(v.fp16w ? [...floatOps].map((k) => sg.operators[k]).filter((op) => ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(op.opcode))
      .map((op) => sg.tensors[op.inputs[1]].name) : []);
    let w = v.weights === 'nearest' ? undefined : v.weights === 'gptq-nobias' ? noBias : v.weights === 'gptq' ? gptq : roundedWeights;
    const base = v.method ? new Map(byMethod[v.method]) : params;
    if (!base.size) throw new Error(`no ${v.method} parameters: run once without --cache and with --methods-cache`);
    const grid = v.jitter && v.seed !== 0 ? jittered(result, base, v.jitter, v.seed ?? 1) : base;
    // "bias": "seq": sequential bias correction with int8 upstream (bias-sequential.ts) fitted on this variant's own
    // grids and weights, first "biasLines" calibration lines (8), "perPass" layers per pass (1), "biasOps" only those ops (all), "minSteps" / "lookahead" as SequentialOptions; "bias": "choice" the default
    // int8 pass's fit-and-judge (bias-choice.ts: first 4 calibration lines fitted, next 8 judged).
    let delta = biasDelta;
    if (v.bias === 'seq') {
      const tb = performance.now();
      // "fitGrids": N: the fit also measures N copies of this variant's grids jittered by "fitJitter" (0.002), seeds
      // 101.. (none of the evaluated grids' 1-4), and averages its shifts and gains over them (SequentialOptions.grids).
      const fitGrids = Array.from({ length: v.fitGrids ?? 0 }, (_, i) => jittered(result, grid, v.fitJitter ?? 0.002, 101 + i));
      const bc = await sequentialBiases(result, grid, { roundedWeights: w, biasDelta, floatOps, floatWeights }, samples.slice(0, v.biasLines ?? 8), { group: v.perPass ?? 1, ...(v.biasOps ? { ops: opSet(v.biasOps) } : {}), minSteps: v.minSteps ?? 0, lookahead: v.lookahead, ...(v.gain ? { gain: { maxChange: v.gain } } : {}), grids: fitGrids,
        progress: (done, of, m) => { if (process.argv.includes('--progress')) console.log(`#   ${done}/${of} layers (mean |shift| ${m.toExponential(2)}), ${((performance.now() - tb) / 1000).toFixed(0)} s`); } });
      for (const [bi, d] of bc.delta) {
        const k = sg.operators.findIndex((op) => op.inputs[2] === bi);
        const o = sg.operators[k].outputs[0];
        const q = grid.get(o);
        console.log(`#   op ${k} ${sg.operators[k].opcode} max |delta| ${Math.max(...Array.from(d, Math.abs)).toExponential(2)} output range ${q ? (255 * q.scale).toFixed(3) : '?'}`);
      }
      delta = bc.delta;
      w = withGains(w, bc.weights);
      if (bc.weights.size) console.log(`#   gains on ${bc.weights.size} layers: ${bc.gains.channels} channels, ${bc.gains.clamped} at the clamp, mean |g - 1| ${bc.gains.meanAbs.toFixed(4)}`);
      console.log(`# ${v.label}: sequential bias correction ${bc.layers} layers, ${bc.passes} passes, ${((performance.now() - tb) / 1000).toFixed(0)} s; load ${loadAverage()}`);
    } else if (v.bias === 'choice') {
      // "bias": "choice": what quantizeFullInt8 does by default for a model plain int8 hurts badly (bias-choice.ts).
      const ch = await sequentialBiasChoice(result, grid, { roundedWeights: w, biasDelta, floatOps, floatWeights }, samples);
      console.log(`# ${v.label}: bias choice ${ch.kept ? 'kept' : 'not kept'}, ${ch.layers} layers, ${ch.passes} passes, ${(ch.ms / 1000).toFixed(0)} s, held-out ${ch.before.toFixed(4)} -> ${ch.after.toFixed(4)}; load ${loadAverage()}`);
      delta = ch.delta ?? biasDelta;
      w = withGains(w, ch.weights);
    }
    const int16Ops = opSet(v.int16 ?? '');
    const build = () => quantizeInt8(cloneResult(result), grid, { int8Io: false, roundedWeights: w, biasDelta: delta, int16Params, int16Ops, splitOps: new Set(), floatOps, floatWeights }).model;
    const fitted = build();
    // "blame16": [N, ...]: after this row, rows with the N layers compare's per-layer split blames most in this row's
    // file (blamed-first.ts splitBlame on the first calibration line; layers reading the exact input aside) in 16x8.
    const blamed = v.blame16?.length ? blamedPoints(result, await splitBlame(onnx, floatTflite, serializeTflite(fitted), samples[0], Math.max(...v.blame16) * 2), []) : [];
    if (blamed.length) console.log(`# ${v.label}: blamed ${blamed.map((b) => `op ${b.ops.join('+')} ${sg.operators[b.ops[0]].opcode} ${b.layer.inputSnrDb.toFixed(0)}->${b.layer.snrDb.toFixed(0)} dB`).join(', ')}`);
    for (const [row, n] of [0, ...(v.blame16 ?? [])].entries()) {
      // "readers16": the blamed ops' readers in 16x8 too (a lone 16x8 elementwise op requantized to int8 for its reader
      // rounds as int8 does).
      const readers = consumersOf(sg);
      if (row) blamed.slice(0, n).forEach((b) => b.ops.forEach((k) => { int16Ops.add(k); if (v.readers16) for (const r of readers.get(sg.operators[k].outputs[0]) ?? []) int16Ops.add(r); }));
      const model = row ? build() : fitted;
      const tflite = serializeTflite(model);
      const label = row ? `${v.label} 16x8 ${n} blamed${v.readers16 ? ' + readers' : ''} (${int16Ops.size} ops)` : v.label;
      const c = await evaluate(tflite, samples, calibRefs, 'ctc');
      // "calibOnly": the calibration side alone (lines, guard cosine, search measures); eval reads 0.
      const e = v.calibOnly ? { ...c, scores: [] as number[], cer: 0 } : await evaluate(tflite, feeds, evalRefs, 'ctc');
      const same = (r: typeof c) => r.scores.filter((x) => x === 1).length;
      const m = await margins(tflite, samples.slice(0, 8), calibRefs);
      // The guard's measure: worst output cosine on the first GUARD_SAMPLES calibration lines.
      const cos = await score(tflite, samples.slice(0, GUARD_SAMPLES), calibRefs.slice(0, GUARD_SAMPLES).map((t) => new Map([[t.name, t]])));
      console.log(`${label.padEnd(28)} float ${String(floatOps.size).padStart(3)} calib ${same(c)}/${samples.length} eval ${same(e)}/${feeds.length} (${(100 * same(e) / feeds.length).toFixed(1)}%) CER ${(100 * (e.cer ?? 0)).toFixed(2)}% `
        + `guard cosine ${cos.toFixed(4)} search measure on 8 calib: agree ${m.agree.toFixed(4)} soft ${m.soft.toFixed(4)} capped1 ${m.capped[0].toFixed(4)} capped2 ${m.capped[1].toFixed(4)} `
        + `size ${(100 * tflite.byteLength / floatTflite.byteLength).toFixed(1)}% estimated ${(estimatedMs(model) / floatCost).toFixed(2)}x; load ${loadAverage()}`);
      const group = (v as { group?: string }).group;
      if (group) bySet.set(row ? `${group} 16x8 ${n} blamed` : group, [...(bySet.get(row ? `${group} 16x8 ${n} blamed` : group) ?? []), same(e)]);
      timed.push({ label, tflite });
      if (arg('--save')) fs.writeFileSync(path.join(arg('--save')!, `${label.replace(/[^\w.-]+/g, '_')}.tflite`), tflite);
    }
  }
  for (const [g, n] of bySet) console.log(`seeds ${g.padEnd(28)} eval ${n.join(' / ')}: mean ${(n.reduce((a, b) => a + b, 0) / n.length).toFixed(1)} min ${Math.min(...n)} max ${Math.max(...n)} of ${feeds.length}`);
  if (process.argv.includes('--time')) {
    const lat = await pairedLatency(timed, feeds.slice(0, 3), { budgetMs: Number(arg('--budget') ?? 30000) });
    for (const t of timed) { const l = lat.byLabel.get(t.label)!; console.log(`latency ${t.label.padEnd(28)} ${l.ms.toFixed(1)} ms ${l.ratio.toFixed(2)}x (${l.spread[0].toFixed(2)}-${l.spread[1].toFixed(2)}) wall ${l.wallRatio.toFixed(2)}x, ${l.rounds} rounds`); }
    console.log(`# latency load ${lat.load}`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
