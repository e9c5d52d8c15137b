// Convert's self-check before anything is written: the .tflite bytes are loaded in the real LiteRT runtime and run
// beside onnxruntime on seeded random inputs (the same generator as compare and deploy), and the outputs are
// compared with compare's metrics. A model LiteRT cannot load or run is refused with LiteRT's reason (which names the
// failing op); the accuracy is only reported (int8's accuracy guard lives in src/quantize/).
import { ModelError, type Tensor } from '../ir/types';
import { tensorBytes, toFloat32 } from '../ir/tensor';
import { sameBytes } from '../tflite/write-shared';
import { parseTflite } from '../tflite/reader';
import type { TflModel } from '../tflite/model';
import { modelIo, prepareInputs, toOnnxView, type IoTensor } from '../deploy/tensors';
import { seedPlan, tokenSeeds } from './verify-seeds';
import type { SeedKind } from './verify-seeds';
import { drawsAtMean } from './verify-random';
import { abortText, beyondHeap } from './litert-memory';
import { FLOAT32_SPREAD_FACTOR, PRECISE_MAX_REL, VERIFIED_MAX_REL, VERIFIED_MIN_COSINE, isDegraded } from './verify-report';
import type { BarJudge, JudgedOutput, VerificationBar } from './verify-report';
import { compareViews, labelOutputs, labelsDiffering, onnxView } from '../compare/metrics';
import { openTflite } from '../runtime/litert';
import { openOnnx, runOnnx } from '../runtime/ort';
import { frozenInputs } from '../convert/metadata';
import { readMetadata } from '../runtime/tflite-onnx-io';
import { selectedRowsPaired, type SelectedRowsCheck } from './verify-selected';
import { rankedRows, type TopkCheck } from './verify-topk-sets';
import { angleOutputs, wrappedAngles } from './verify-angles';
import { exactSigmoids, logisticInput, SIGMOID_ROUNDING, type TinySigmoid } from './verify-logits';
import { detectionGroup, HEAD_ROWS_OFF_SHARE, headRowsOff, isPackedDetections, packedColumns, pairDetections, pairedRows, scoreAndLabel, withoutRows,
  type OutputShape } from '../compare/detection-sets';

/** The self-check's result: the worst output's relative max error and cosine (NaN when onnxruntime could not run the
 *  ONNX model: then only LiteRT's load and run were checked) and the check's time. */
export interface Verification {
  maxRel: number;
  cosine: number;
  ms: number;
  /** Quantized (QDQ) models: onnxruntime against itself, graph optimizations on (its integer kernels for the QDQ
   *  pairs) vs off (the float ops as written). Values on a rounding boundary round either way, so no runtime agrees
   *  with onnxruntime better than this. */
  reference?: { maxRel: number; cosine: number };
  /** Float models over PRECISE_MAX_REL with `reference` measured: whether LiteRT's difference is within
   *  FLOAT32_SPREAD_FACTOR × onnxruntime's own spread (the model's float32 rounding) or beyond it. Not in --json. */
  rounding?: 'within' | 'beyond';
  /** Present when the outputs are a detector's rows (src/compare/detection-sets.ts): they were compared as sets, row
   *  paired with row by label and box; `missing` / `extra` rows without a pair make the check fail. */
  detections?: DetectionCheck;
  /** Present when outputs are label maps (written by ARG_MAX / ARG_MIN, src/compare/metrics.ts): compared as
   *  labels, left out of maxRel / cosine; more than LABELS_OFF_SHARE of them differing makes the check fail. */
  labels?: { outputs: string[]; count: number; differ: number };
  /** Present when outputs are a TOPK_V2's ranked rows (src/compare/topk-rows.ts): within runs of tied reference
   *  values LiteRT's rows were paired with onnxruntime's before the comparison (`reordered` of the `tied` rows moved).
   *  A detector's labels, boxes and scores (verify-topk-sets.ts) are compared as a set of detections: paired rows by
   *  value, their set cosine in `cosine`, `sets` the pairing; `setCosine`, when every group is one: the worst set
   *  cosine (the other outputs as measured), which the weight-only modes' guard reads. */
  topk?: TopkCheck;
  /** Present when outputs' rows were selected by a top-k inside the model (a two-stage DETR's queries,
   *  src/compare/selected-rows.ts): compared as sets of rows; more unpaired rows than a near-tie at the k-th score
   *  explains make the check fail. */
  selected?: SelectedRowsCheck;
  /** What each input (by ONNX name) was fed: the generator's `uniform [0, 1)` floats / `zeros` / `half true`
   *  booleans, or seeds of its kind (token ids and lengths, text, ids in a table's range, an adjacency, a float input
   *  read as a mask fed 0 / 1: verify-seeds.ts). */
  seeds?: Record<string, SeedKind>;
  /** Present when the model is judged against the bar of the int8 guard that accepted it (verify-bar.ts), not the
   *  float bar (max rel 1e-2, cosine 0.999): its cosine bar, the cosine measured on the outputs it judges, the outputs
   *  the guard judged by their task (probability maps, label sequences, logit maps) measured the same way here. */
  bar?: VerificationBar;
  /** Present when the check ran on a calibration sample instead of seeded inputs (int8 with --calibration:
   *  src/quantize/verify-calibration.ts): its 1-based position among the `of` samples, and whether it is one no
   *  choice of the int8 pass was measured on (`heldOut`). */
  calibration?: CalibrationCheck;
}
export interface CalibrationCheck { sample: number; of: number; heldOut: boolean }
export interface DetectionCheck {
  /** The outputs compared as detection rows (boxes first). */
  outputs: string[];
  /** Rows in onnxruntime's and in LiteRT's outputs. */
  refRows: number;
  rows: number;
  paired: number;
  /** Paired rows that are not at the same index (near-equal scores in another order). */
  reordered: number;
  missing: number;
  extra: number;
  /** Paired rows whose head outputs (keypoints, masks) differ beyond the bar: up to 2% of the paired rows are left
   *  out of maxRel / cosine (a box at a step of the head's ceil / int grid); more are counted in. */
  headRowsOff: number;
}


/** Seed of the self-check's inputs (floats uniform in [0, 1), integers 0, boolean masks half true, float masks 0 / 1). */
export const VERIFY_SEED = 1;

/** LiteRT's "Node number N (OP) failed ..." names the op; otherwise the op at the node number is named here. */
function namingTheOp(message: string, model: TflModel): string {
  const ops = model.subgraphs[0]?.operators ?? [];
  const m = /node number (\d+)\b(?! \()/i.exec(message);  // \b: no backtracking to a shorter number
  const op = m ? ops[Number(m[1])] : undefined;
  return op ? `${message} (op ${Number(m![1])} is ${op.opcode}${op.onnxNode ? ` from ONNX node '${op.onnxNode}'` : ''})` : message;
}

/**
 * Loads `tflite` in LiteRT, runs it and the ONNX model `onnx` (file path or bytes) on the same seeded inputs and
 * measures the outputs' agreement. Throws ModelError when LiteRT cannot load or run the model, or when an output's
 * element count differs from onnxruntime's; `notes` receives why the comparison was skipped, if it was.
 */
export async function verifyOnLiteRt(onnx: string | Uint8Array, tflite: Uint8Array, notes: string[] = [],
  opts: { quantized?: boolean; sample?: { inputs: Tensor[]; from: CalibrationCheck }; bar?: BarJudge } = {}): Promise<Verification> {
  const t0 = performance.now();
  // Random draws (Piper's noises) differ between the runtimes: both models are checked with each draw at its mean.
  let model = parseTflite(tflite);
  const twin = drawsAtMean(onnx, model);
  if (twin) {
    notes.push('the model draws random numbers (RandomNormal): checked with every draw at its mean on both runtimes');
    [onnx, tflite] = [twin.onnx, twin.tflite];
    model = parseTflite(tflite);
  }
  const heap = beyondHeap(model, tflite.length);
  if (heap) throw new ModelError(`the converted model cannot run on LiteRT, nothing written: ${heap}`);
  const io = modelIo(model);
  // Token ids in their table's range and lengths of the padded length (verify-seeds.ts): a TTS model's durations.
  // Or a calibration sample (by ONNX input name), which an int8 model was calibrated for.
  const sample = opts.sample;
  const plan = sample ? { values: undefined, kinds: Object.fromEntries(io.inputs.map((i) => [i.mapping?.onnx ?? i.name, 'calibration sample' as const])) }
    : seedPlan(model, io.inputs, VERIFY_SEED);
  const feeds = prepareInputs(io.inputs, sample?.inputs, VERIFY_SEED, plan.values);
  // Inputs frozen with --input-value are no .tflite inputs: onnxruntime gets their recorded values.
  const onnxFeeds = [...feeds.onnx, ...frozenInputs(readMetadata(tflite))];
  let got: Tensor[];
  try {
    const session = await openTflite(tflite);
    try { got = await session.run(feeds.device); } finally { session.close(); }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // A model onnxruntime cannot run on the same inputs either (torch 1.13's export of a lower-rank bool mask's
    // index_put: Paraformer's CIF) is the ONNX file's fault: say so.
    const ortToo = await runOnnx(onnx, onnxFeeds).then(() => '', (o: Error) => o.message);
    throw new ModelError(`the converted model fails on LiteRT, nothing written: ${namingTheOp(abortText(msg, model), model)}`
      + (ortToo ? `; onnxruntime fails on the same inputs too (${ortToo}): the ONNX model itself does not run` : ''));
  }
  let ref: Map<string, Tensor> | undefined;
  const names = io.outputs.map((o) => o.mapping?.onnx ?? o.name);
  try {
    ref = await runOnnx(onnx, onnxFeeds, names);
  } catch (e) {
    notes.push(`not compared with onnxruntime: ${(e as Error).message}`);
  }
  let maxRel = ref ? 0 : NaN;
  let cosine = ref ? 1 : NaN;
  let detections: DetectionCheck | undefined;
  let labels: Verification['labels'];
  let topk: Verification['topk'];
  let selected: SelectedRowsCheck | undefined;
  let compared = 0, nonZero = 0, multi = 0, varied = 0;
  const tiny: (TinySigmoid & { rel: number; cosine: number })[] = [];
  let restCosine = 1;
  // For a bar (verify-bar.ts): each plain output's values and cosine, and the worst cosine of everything else.
  const judged: JudgedOutput[] = [];
  let setsCosine = 1;
  const other = (c: number) => { cosine = Math.min(cosine, c); setsCosine = Math.min(setsCosine, c); };
  if (ref) {
    const refs = io.outputs.map((o, k) => {
      const r = ref!.get(names[k]!);
      return !r || Array.isArray(r.data) || Array.isArray(got[k]!.data) ? undefined : r;
    });
    const views = io.outputs.map((o, k) => (refs[k] ? toOnnxView(o, got[k]!) : undefined));
    const group = detectionsOf(model, io.outputs.map((o) => o.tensorIndex), refs, views);
    const grouped = new Set(group?.members);
    const labelled = labelOutputs(model, io.outputs.map((o) => o.tensorIndex));
    const angles = angleOutputs(model, io.outputs.map((o) => o.tensorIndex));
    const ranked = group ? undefined : rankedRows(model, io.outputs.map((o) => o.tensorIndex), refs, views, names);
    topk = ranked?.check;
    // A detector's top-k rows as a set (verify-topk-sets.ts): a detection lost or relabelled costs its score's weight.
    if (ranked?.check.sets) other(ranked.setsCosine);
    const chosen = group ? undefined : await selectedRowsPaired(model, io.outputs.map((o) => o.tensorIndex), refs, views, names, new Set(ranked?.got.keys()),
      { onnx, device: feeds.device, onnxFeeds });
    selected = chosen?.check;
    // Where onnxruntime was given LiteRT's top-k indices, both sides' own ranked scores are measured too (verify-fed-indices.ts).
    for (const s of chosen?.scores ?? []) {
      const m = compareViews(onnxView(s.ref, [s.ref.length]), onnxView(s.got, [s.got.length]));
      maxRel = Math.max(maxRel, m.rel);
      other(m.cosine);
    }
    io.outputs.forEach((o, k) => {
      const r = refs[k];
      if (!r || grouped.has(k)) return;
      const sel = chosen?.outs.get(k);
      if (sel) {
        const m = compareViews(onnxView(sel.ref, [sel.ref.length]), onnxView(sel.got, [sel.got.length]));
        maxRel = Math.max(maxRel, m.rel);
        other(m.cosine);
        compared++;
        if (!allZero(sel.ref) || !allZero(sel.got)) nonZero++;
        if (sel.ref.length > 1) {
          multi++;
          if (!constant(sel.got) || !constant(sel.ref)) varied++;
        }
        return;
      }
      let a = ranked?.got.get(k) ?? toFloat32(views[k]!);
      const b = ranked?.ref.get(k) ?? toFloat32(r);
      // An angle (ATAN2) by its wrapped difference: a value across the ±π cut is the same angle (verify-angles.ts).
      const turned = angles.has(k) ? wrappedAngles(b, a) : undefined;
      if (turned?.moved) {
        a = turned.got;
        notes.push(`output '${names[k]}' is an angle (made by ATAN2): compared by its wrapped difference (${turned.moved} of ${b.length} values lie a whole turn from onnxruntime's, across the ±π cut)`);
      }
      if (a.length !== b.length) {
        throw new ModelError(`the converted model's output '${names[k]}' has ${a.length} values on LiteRT, ${b.length} in onnxruntime; nothing written`);
      }
      if (labelled.has(k) && !group) {
        labels = { outputs: [...labels?.outputs ?? [], names[k]!], count: (labels?.count ?? 0) + b.length, differ: (labels?.differ ?? 0) + labelsDiffering(b, a) };
        return;
      }
      const m = compareViews(onnxView(b, [b.length]), onnxView(a, [a.length]));
      // A Sigmoid output beyond the bar by no more than onnxruntime's Sigmoid rounding (tiny probabilities on noise):
      // judged below on each side's logits (verify-logits.ts).
      const logits = (m.rel > VERIFIED_MAX_REL || !(m.cosine >= VERIFIED_MIN_COSINE)) && m.maxAbs <= SIGMOID_ROUNDING
        ? logisticInput(model, o.tensorIndex) : undefined;
      if (logits !== undefined) tiny.push({ k, io: o, name: names[k]!, logits, rel: m.rel, cosine: m.cosine });
      // NaN / ±Inf in onnxruntime's output too (the model's own arithmetic: DCCRN's atan2(0, 0) at a padded bin) count
      // as equal when LiteRT gives the same; the user is told that those values were not compared.
      const nonFinite = b.reduce((n, v) => n + (Number.isFinite(v) ? 0 : 1), 0);
      if (nonFinite && Number.isFinite(m.rel)) {
        notes.push(`onnxruntime gives NaN / Inf at ${nonFinite} of ${b.length} values of output '${names[k]}' on the self-check's inputs, `
          + 'and LiteRT the same: those values were not compared');
      }
      if (logits === undefined) {
        maxRel = Math.max(maxRel, m.rel);
        cosine = Math.min(cosine, m.cosine);
        if (!ranked?.got.has(k)) restCosine = Math.min(restCosine, m.cosine);
        if (ranked?.got.has(k)) setsCosine = Math.min(setsCosine, m.cosine);
        else judged.push({ name: names[k]!, dims: r.dims, ref: b, got: a, cosine: m.cosine });
      }
      compared++;
      if (!allZero(a) || !allZero(b)) nonZero++;
      if (b.length > 1) {
        multi++;
        if (!constant(a) || !constant(b)) varied++;
      }
    });
    const exact = tiny.length ? await exactSigmoids(onnx, model, tiny, feeds.device, onnxFeeds) : undefined;
    for (const t of tiny) {
      const e = exact?.get(t.k);
      const m = e ? compareViews(onnxView(e.ref, [e.ref.length]), onnxView(e.got, [e.got.length])) : { rel: t.rel, cosine: t.cosine };
      maxRel = Math.max(maxRel, m.rel);
      cosine = Math.min(cosine, m.cosine);
      judged.push({ name: t.name, dims: refs[t.k]!.dims, ref: e?.ref ?? toFloat32(refs[t.k]!), got: e?.got ?? toFloat32(views[t.k]!), cosine: m.cosine });
      if (e) {
        notes.push(`output '${t.name}' is a Sigmoid whose probabilities are tiny on the self-check's inputs (the runtimes differ by at most ${SIGMOID_ROUNDING.toExponential(0)}, `
          + `onnxruntime's float32 Sigmoid rounding there: max rel ${t.rel.toExponential(1)}, cosine ${t.cosine.toFixed(4)}): compared as the exact sigmoid of each runtime's logits `
          + `(max rel ${m.rel.toExponential(1)}, cosine ${m.cosine.toFixed(6)})`);
      }
    }
    // The top-k rows as a set of detections, with every other output as measured (only when nothing else was paired).
    if (topk?.setCosine !== undefined) {
      if (selected || labels || tiny.length) delete topk.setCosine;
      else topk.setCosine = Math.min(topk.setCosine, restCosine);
    }
    // Seeded inputs can make every output 0 on both sides (integer inputs are 0: sequence lengths of 0, say): then the
    // values agreed vacuously, and the user is told so rather than reading "verified" as a check of the numbers.
    if (sample) {
      // Real inputs: the seeded inputs' caveats below do not apply.
    } else if (!group && compared > 0 && nonZero === 0) {
      notes.push('the self-check\'s seeded inputs (floats in [0, 1), integers 0, masks half on) give 0 at every output on both runtimes: '
        + 'it checked that LiteRT loads and runs the model, not its values; compare on real inputs (onnx2lite compare --inputs DIR)');
    } else if (!group && nonZero > 0 && multi > 0 && varied === 0) {
      // Or one value repeated over every output (an integer input seeded 0 that masks or scales everything away).
      notes.push('the self-check\'s seeded inputs (floats in [0, 1), integers 0, masks half on) give one value repeated over every output '
        + 'on both runtimes: it checked little of how the values follow the input; compare on real inputs (onnx2lite compare --inputs DIR)');
    }
    if (!sample && !group && compared > 0 && nonZero > 0 && !(multi > 0 && varied === 0) && await sameOnAnotherSeed(onnx, model, io.inputs, frozenInputs(readMetadata(tflite)), names, ref)) {
      notes.push('the self-check\'s outputs do not change between two different seeded inputs on onnxruntime (an integer input seeded 0, '
        + 'a length, may mask everything): it checked little of how the values follow the input; compare on real inputs (onnx2lite compare --inputs DIR)');
    }
    if (group) {
      const outs = group.members.map((k) => ({ name: names[k]!, ref: toFloat32(refs[k]!), got: toFloat32(views[k]!) }));
      const refRows = group.packed ? outs[0]!.ref.length / group.packed : refs[group.boxes]!.dims[0]!;
      const rows = group.packed ? outs[0]!.got.length / group.packed : views[group.boxes]!.dims[0]!;
      const side = (pick: (o: { ref: Float32Array; got: Float32Array }) => Float32Array) => (group.packed ? packedColumns(pick(outs[0]!), group.packed) : {
        boxes: pick(outs[0]!),
        scores: group.scores === undefined ? undefined : pick(outs[group.members.indexOf(group.scores)]!),
        labels: group.labels === undefined ? undefined : pick(outs[group.members.indexOf(group.labels)]!),
      });
      const pairing = pairDetections(side((o) => o.ref), side((o) => o.got));
      const paired = pairedRows(outs, refRows, rows, pairing);
      const n = pairing.pairs.length;
      // Head outputs (keypoints, masks: more than one value per row) may be off in a few rows whose box lies at a
      // step of ceil / int (headRowsOff); up to HEAD_ROWS_OFF_SHARE of the rows are left out of the measure.
      const head = group.members.map((k, i) => i > 0 && refs[k]!.dims.length >= 2);
      const off = headRowsOff(paired, head, n, VERIFIED_MAX_REL);
      const excused = off.size <= Math.floor(n * HEAD_ROWS_OFF_SHARE);
      paired.forEach((o, i) => {
        const used = excused && head[i] ? withoutRows(o, off, n) : o;
        const m = compareViews(onnxView(used.ref, [used.ref.length]), onnxView(used.got, [used.got.length]));
        maxRel = Math.max(maxRel, m.rel);
        other(m.cosine);
      });
      detections = {
        outputs: outs.map((o) => o.name), refRows, rows, paired: n,
        reordered: pairing.pairs.filter(([i, j]) => i !== j).length, missing: pairing.missing.length, extra: pairing.extra.length,
        headRowsOff: off.size,
      };
    }
  }
  // A quantized model's rounding boundaries, or a float model beyond the bar (a float equality such as M-LSD's
  // maxpool(x) == x, steep trained layers): onnxruntime's own two runs show what the input alone moves.
  // (Not for a model quantized by onnx2lite, which differs from the float reference by its own rounding.)
  // A float model over #12's 1e-4 (PRECISE_MAX_REL) but verified: the spread says whether that is the model's float32
  // rounding, which a float64 evaluation shows onnxruntime has too (scripts/f64-reference.ts), or the conversion's.
  // The int8 guard's bar (verify-bar.ts): the outputs it judged by task measured so here, the rest by its cosine bar.
  const bar = ref && opts.bar ? opts.bar(judged, setsCosine) : undefined;
  const float = !quantizedByUs(model) && !opts.quantized;
  const beyond = !quantizedByUs(model) && isDegraded({ maxRel, cosine, ms: 0, ...(detections ? { detections } : {}), ...(labels ? { labels } : {}), ...(selected ? { selected } : {}) });
  const imprecise = float && !beyond && maxRel > PRECISE_MAX_REL;
  const reference = ref && (opts.quantized || beyond || imprecise) ? await selfSpread(onnx, onnxFeeds, names, ref) : undefined;
  const rounding = imprecise && reference ? (maxRel <= FLOAT32_SPREAD_FACTOR * reference.maxRel ? 'within' : 'beyond') : undefined;
  return { maxRel, cosine, ms: Math.round(performance.now() - t0), ...(reference ? { reference } : {}), ...(rounding ? { rounding } : {}), ...(detections ? { detections } : {}),
    ...(labels ? { labels } : {}), ...(topk ? { topk } : {}), ...(selected ? { selected } : {}), seeds: plan.kinds,
    ...(sample ? { calibration: sample.from } : {}), ...(bar ? { bar } : {}) };
}
/** Whether onnxruntime gives every output bit for bit the same on a second seed (VERIFY_SEED + 1) as on the first
 *  (`ref`): outputs that do not follow the data on the seeded inputs. Only for models with integer or boolean inputs
 *  (a length seeded 0 that masks every frame: DeepSpeech2 before its lengths were seeded), one more onnxruntime run. */
async function sameOnAnotherSeed(onnx: string | Uint8Array, model: TflModel, inputs: IoTensor[], frozen: Tensor[], names: string[],
  ref: Map<string, Tensor>): Promise<boolean> {
  if (inputs.every((i) => /^float/.test(i.mapping?.onnxDtype ?? i.dtype))) return false;
  const seed = VERIFY_SEED + 1;
  const feeds = prepareInputs(inputs, undefined, seed, tokenSeeds(model, inputs, seed));
  const again = await runOnnx(onnx, [...feeds.onnx, ...frozen], names).catch(() => undefined);
  return !!again && names.every((n) => {
    const a = ref.get(n), b = again.get(n);
    return !!a && !!b && !Array.isArray(a.data) && !Array.isArray(b.data) && a.dtype === b.dtype && sameBytes(tensorBytes(a), tensorBytes(b));
  });
}
const allZero = (v: Float32Array): boolean => v.every((x) => x === 0);
const constant = (v: Float32Array): boolean => v.every((x) => x === v[0]);

/** A .tflite with quantized tensors or float16 weights (--quantize int8 / dynamic / fp16 output). */
function quantizedByUs(model: TflModel): boolean {
  return model.subgraphs.some((sg) => sg.tensors.some((t) => (t.quantization?.scale?.length ?? 0) > 0 || (t.type === 'FLOAT16' && t.data)));
}

/** The outputs that are a detector's rows (a run-time row count in the .tflite's shape_signature), if any; else an
 *  end-to-end detector's packed rows ([1, K, 6 + extra], `packed`: the row width). */
function detectionsOf(model: TflModel, tensors: number[], refs: (Tensor | undefined)[], views: (Tensor | undefined)[])
  : { boxes: number; members: number[]; scores?: number; labels?: number; packed?: number } | undefined {
  const sg = model.subgraphs[0]!;
  const shapes: OutputShape[] = tensors.map((ti, k) => ({
    refDims: refs[k]?.dims ?? [],
    gotDims: views[k]?.dims ?? [],
    runtimeRows: refs[k] !== undefined && sg.tensors[ti]?.shapeSignature?.[0] === -1,
    float: refs[k]?.dtype.startsWith('float') ?? false,
  }));
  const group = detectionGroup(shapes);
  if (group) return { ...group, ...scoreAndLabel(shapes, group.members) };
  const packed = shapes.findIndex((o, k) => o.float && o.refDims.join() === o.gotDims.join() && isPackedDetections(o.refDims, toFloat32(refs[k]!)));
  return packed < 0 ? undefined : { boxes: packed, members: [packed], packed: shapes[packed]!.refDims[shapes[packed]!.refDims.length - 1]! };
}

/** onnxruntime as written (optimizations off) against its optimized run `ref`: worst output's rel error and cosine. */
async function selfSpread(onnx: string | Uint8Array, feeds: Tensor[], names: string[], ref: Map<string, Tensor>): Promise<Verification['reference']> {
  const session = await openOnnx(onnx, { optimization: 'disabled' });
  try {
    const plain = await session.run(feeds, names);
    let maxRel = 0;
    let cosine = 1;
    for (const name of names) {
      const a = ref.get(name);
      const b = plain.get(name);
      if (!a || !b || Array.isArray(a.data) || Array.isArray(b.data)) continue;
      const m = compareViews(onnxView(toFloat32(a), [a.data.length]), onnxView(toFloat32(b), [b.data.length]));
      maxRel = Math.max(maxRel, m.rel);
      cosine = Math.min(cosine, m.cosine);
    }
    return { maxRel, cosine };
  } catch {
    return undefined;
  } finally {
    await session.close();
  }
}

export { withinReference, VERIFIED_MAX_REL, PRECISE_MAX_REL, FLOAT32_SPREAD_FACTOR, VERIFIED_MIN_COSINE, REFUSE_COSINE, isDegraded, degradedWarning,
  verificationLine, verificationJson } from './verify-report';
