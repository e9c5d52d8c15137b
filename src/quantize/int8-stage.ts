// The full-integer int8 pass of `convert --quantize int8`: calibration samples (a folder, QDQ parameters or random
// data with a warning), activation ranges and weight rounding (quantizeFullInt8), the 16x8 search, and the accuracy
// guard (--min-cosine: below it nothing is written unless --allow-degraded, and the layers to blame are named).
import { PLAIN_MARGIN } from './search-size';
import { WALL_CAP } from './search-budget';
import { decodeModel } from '../onnx/reader';
import { simplifiedModel } from '../convert/simplify';
import type { ConvertOptions } from '../convert/types';
import { freezeInputs } from '../convert/input-values';
import { ModelError, isStaticShape, type Model, type Tensor } from '../ir/types';
import { serializeTflite } from '../tflite/writer';
import { CalibrationInput, loadCalibrationSamples, randomSamples } from '../calibration/data';
import { quantizeFullInt8 } from './full-int8';
import { padsOfZeroPoint } from './int8-pad-zero-point';
import { histogram, pruneTensors } from './graph';
import { equalizeConvDepthwise, forgetOnnxValues } from './equalize-conv-depthwise';
import { equalizeHardSwish } from './equalize-hardswish';
import { stripQdq } from './qdq';
import type { QParams } from './params';
import { GUARD_COSINE, GUARD_SAMPLES, SEARCH_SAMPLES, SEARCH_SECONDS, referenceOutputs } from './mixed-precision';
import { MIN_MASK_IOU, maskGuard, maskGuardMet, maskOutputs } from './mask-guard';
import { MIN_SAME_SEQUENCES, SEQUENCE_SAMPLES, sequenceGuard, sequenceGuardMet, sequenceLinesMet, sequenceOutputs, sequenceText } from './sequence-guard';
import { softOutputs, taskText } from './task-signal';
import { GuardResult, MIN_COSINE, blameLayers, blameText } from './guard';
import type { QuantStage } from './file';
import { hybridIslandOps } from './hybrid-islands';
import { parseTflite } from '../tflite/reader';
import { modelIo } from '../deploy/tensors';
import { tokenSeeds } from '../core/verify-seeds';
import { makeTensor } from '../ir/tensor';
import { Int8Phases } from './int8-phases';
import { guardMeasures, probabilityOutputs } from './output-cosine';
import { layoutText } from './task-layouts';
import { layoutGuard, layoutGuardText } from './layout-guard';
import { MIN_BOX_IOU } from './box-rows';
import type { ConvertResult } from '../convert/convert';
import { ARGMAX_SAMPLES, argmaxGuard, argmaxGuardMet, argmaxText, classIdOutputs, twoClassOutputs, twoClassRowsGuard } from './argmax-guard';
import { logitMapGuard, logitMapGuardMet, logitMapOutputs, logitMapText } from './logit-map-guard';
import { guardRuns, heldOutGuard, heldOutNote, heldOutPlainNote, heldOutSamples, heldOutText } from './held-out-guard';
import { type PlainOnHeldOutSummary, heldOutMeasure, plainOnHeldOut, plainOnHeldOutText } from './search-held-out';
import { classifierHeadOf } from './int8-classifier-head';

/** A ratio of output norms farther than this from 1 is named in the guard's message. */
const NORM_NOTE = 0.02;

/** An int8 model stays within this fraction of the float32 size when the auto search keeps layers in float32 / 16x8. */
export const INT8_SIZE_BUDGET = 0.35;

export const DEFAULT_RANDOM_SAMPLES = 16;

function calibrationInputs(model: Model, opts: ConvertOptions): CalibrationInput[] {
  return model.graph.inputs.map((i) => {
    const v = model.graph.values.get(i.name) ?? i;
    const dims = opts.inputShapes?.get(i.name) ?? v.shape;
    if (!dims || !isStaticShape(dims)) throw new ModelError(`input "${i.name}" has dynamic dims: fix them with --input-shape`);
    return { name: i.name, dtype: v.dtype ?? 'float32', dims: dims as number[] };
  });
}

/** Random samples with token ids and lengths seeded as the self-check seeds them (core/verify-seeds.ts): lengths of
 *  0 mask every frame (a softmax over -inf only: NaN, no range for anything after the attention; a conformer with
 *  lengths kept its whole encoder float32), ids of 0 are all padding. Every other sample's lengths are half the padded
 *  length, so that the mask's range is calibrated too (a padded batch at run time masks with it). */
function seededTokens(samples: Tensor[][], floatTflite: Uint8Array): Tensor[][] {
  const model = parseTflite(floatTflite);
  const io = modelIo(model).inputs;
  return samples.map((sample, k) => {
    const seeds = tokenSeeds(model, io, k + 1);
    return sample.map((t) => {
      const v = seeds.get(t.name);
      if (!v) return t;
      const length = k % 2 === 1 && t.dtype !== 'float32' && t.dims.length === 1 && /len/i.test(t.name);
      return makeTensor(t.name, t.dtype, t.dims, length ? v.map((x) => Math.max(1, Math.ceil(x / 2))) : v);
    });
  });
}

export async function fullInt8Stage({ result, summary, bytes, baseDir, model, qdq, floatTflite, floatBytes, opts, q }: QuantStage): Promise<void> {
  // Inputs frozen with --input-value are constants for calibration too (onnxruntime gets the same model).
  const frozen = (m: Model): Model => (opts.inputValues?.size ? freezeInputs(m, opts.inputValues, opts.inputShapes) : m);
  const read = decodeModel(bytes, { baseDir });
  if (qdq) stripQdq(read);
  // Calibration and GPTQ run the graph the converter saw (fused and folded ops, constants as initializers).
  const onnx = simplifiedModel(frozen(read), opts.inputShapes);
  const fixed = new Map<number, QParams>();
  const md = result.metadata;
  for (const m of [...md.tensors, ...md.inputs, ...md.outputs]) {
    const p = qdq?.get(m.onnx);
    if (p) fixed.set(m.tflite, p);
  }
  const inputs = calibrationInputs(frozen(model), opts);
  let samples = q.calibration ? loadCalibrationSamples(q.calibration, inputs, q) : [];
  summary.calibrationSource = q.calibration ? 'folder' : fixed.size ? 'qdq' : 'random';
  if (!q.calibration && !fixed.size) {
    samples = seededTokens(randomSamples(inputs, q.count ?? DEFAULT_RANDOM_SAMPLES), floatTflite);
    result.warnings.push(`int8: no --calibration folder: the activation ranges come from ${samples.length} random uniform [0, 1) samples and are NOT representative of real inputs; pass --calibration DIR with real samples`);
  }
  if (!q.calibration && fixed.size) samples = seededTokens(randomSamples(inputs, 4), floatTflite);
  summary.calibrationSamples = samples.length;
  const phases = new Int8Phases(q.onProgress);
  // The live record: the whole-file steps (file.ts) add theirs and round it once written.
  summary.phasesMs = phases.ms;
  summary.phasesCpuMs = phases.cpuMs;
  // A miss will be refused unless --allow-degraded, or the task judges below (maps, label sequences) may still pass it.
  const taskJudged = q.minCosine === undefined && !q.int8Io
    && (maskOutputs(result.model.subgraphs[0], result.metadata).size > 0 || sequenceOutputs(result.model.subgraphs[0], result.metadata).size > 0);
  // Conv -> depthwise pairs (a stem conv straight into its depthwise) equalized exactly before calibration.
  const stemEqualized = samples.length && !fixed.size && q.equalizeConvDepthwise !== false
    ? await phases.time('equalize', 'int8: equalizing conv -> depthwise pairs', () => equalizeConvDepthwise(result, onnx, samples, q.equalizeConvDepthwise === 'relu')) : { names: new Set<string>(), pairs: 0 };
  // Hard-swish chains (conv -> hard-swish -> conv) scaled per channel through a float island (equalize-hardswish.ts):
  // off unless asked (on PP-OCRv4 det it lifts plain int8, but the default's search then misses the held-out mask).
  const swishEqualized = samples.length && !fixed.size && q.equalizeHardSwish
    ? await phases.time('equalize', 'int8: equalizing hard-swish chains', () => equalizeHardSwish(result, onnx, samples, typeof q.equalizeHardSwish === 'number' ? q.equalizeHardSwish : Infinity)) : { names: new Set<string>(), chains: 0 };
  const { stats, plain } = await quantizeFullInt8(result, onnx, samples, { method: q.method, perTensor: q.perTensor, int8Io: q.int8Io,
    weightRounding: q.weightRounding, biasCorrection: q.biasCorrection, sequentialBias: q.sequentialBias, equalize: q.equalize, int16: q.int16, maxBytes: INT8_SIZE_BUDGET * floatBytes, minCosine: q.minCosine,
    latencyBound: q.latencyBound, phases, searchSeconds: q.searchSeconds, refuseBelow: q.allowDegraded || taskJudged ? undefined : (q.minCosine ?? MIN_COSINE) }, fixed);
  const finish = (r: ConvertResult) => {
    forgetOnnxValues(r, new Set([...stemEqualized.names, ...swishEqualized.names]));
    // An int8 PADV2 of the zero point (a padded MaxPool after a ReLU) is the PAD: the same bytes, faster on XNNPack.
    if (padsOfZeroPoint(r.model.subgraphs[0])) { pruneTensors(r); histogram(r); }
  };
  finish(result);
  if (stemEqualized.pairs) summary.equalizedConvDepthwise = stemEqualized.pairs;
  if (swishEqualized.chains) summary.equalizedHardSwish = swishEqualized.chains;
  summary.int16Ops = stats.int16Ops;
  summary.floatOps = stats.floatOps;
  if (stats.floatWeightOps) summary.floatWeightOps = stats.floatWeightOps;
  summary.hybridOps = hybridIslandOps(result.model.subgraphs[0]).length;
  if (samples.length) summary.rangeMethod = stats.rangeMethod;
  summary.mixedMs = stats.mixedMs;
  if (stats.searchCandidates) summary.searchCandidates = stats.searchCandidates;
  if (stats.searchStopped) {
    summary.searchStopped = true;
    const limit = q.searchSeconds ?? SEARCH_SECONDS;
    result.warnings.push(`int8: the accuracy search stopped at ${stats.searchWallCapped ? `its wall-clock ceiling (${WALL_CAP * limit} s, ${WALL_CAP}x --search-time: `
      + 'on a machine this loaded the choice depends on the load)' : `its budget (--search-time ${limit} s of estimated work)`} after `
      + `${stats.searchCandidates} candidate models; the best one measured by then is used`);
  }
  if (stats.estimatedMs) summary.estimatedMs = stats.estimatedMs;
  if (stats.sizeBudget) summary.searchBudget = { bytes: Math.round(stats.sizeBudget.bytes), basis: stats.sizeBudget.basis };
  // Plain int8 over the budget already: the search kept within its size plus a margin (search-size.ts).
  const overBudget = stats.sizeBudget?.basis === 'plain-int8';
  const budgetText = overBudget ? `plain int8's size plus ${PLAIN_MARGIN * 100}% of the float32 size (plain int8 is over ${INT8_SIZE_BUDGET * 100}% already)`
    : `${INT8_SIZE_BUDGET * 100}% of the float32 size`;
  if (Number.isFinite(stats.int8Cosine)) summary.int8Cosine = stats.int8Cosine;
  if (Number.isFinite(stats.cosine)) summary.cosine = stats.cosine;
  const ops = result.model.subgraphs[0].operators.length;
  const cos = (c: number) => c.toFixed(4);
  const moved = result.warnings.length;
  if ((stats.int16Ops || stats.floatOps) && Number.isFinite(stats.int8Cosine)) {
    result.warnings.push(`int8: ${stats.floatOps} op(s) stay float32 and ${stats.int16Ops} run in 16x8 (int16 activations), those making or reading `
      + `the activations whose int8 rounding changes the output most, because plain int8 reached only cosine ${cos(stats.int8Cosine)} on the `
      + `calibration samples (now ${cos(stats.cosine)})${overBudget ? `, within ${budgetText}` : ''}; --int16 off keeps every activation int8`);
  } else if (stats.int16Ops) {
    result.warnings.push(`int8: --int16 all: every op with a 16x8 kernel runs with int16 activations (${ops} ops in the model)`);
  }
  const minCosine = q.minCosine ?? MIN_COSINE;
  const guard: GuardResult = { minCosine, cosine: stats.cosine, met: !(stats.cosine < minCosine) && !Number.isNaN(stats.cosine),
    ...(stats.detectionSets.length ? { detectionSets: stats.detectionSets } : {}) };
  if (stats.task) {
    guard.task = { kind: stats.task.kind, agreement: stats.task.agreement, ...(stats.int8Task ? { int8Agreement: stats.int8Task.agreement } : {}),
      samples: Math.min(samples.length, SEARCH_SAMPLES) };
    summary.task = guard.task;
  }
  // Two-class softmax rows of independent samples (no background class, no boxes): each row's arg-max (argmax-guard.ts).
  const twoClass = twoClassOutputs(result.model.subgraphs[0], result.metadata);
  if (!guard.met && !q.int8Io && twoClass.size && samples.length) {
    const { refs, outputs } = await phases.time('taskGuard', 'int8: judging two-class rows by their arg-max', () => guardRuns(onnx, result, samples.slice(0, ARGMAX_SAMPLES)));
    const parts = guardMeasures(refs.slice(0, GUARD_SAMPLES), outputs, probabilityOutputs(result));
    const rows = twoClassRowsGuard(refs, outputs, twoClass, parts.classRows, GUARD_SAMPLES);
    if (rows) { guard.argmax = rows; guard.met = parts.others >= minCosine && argmaxGuardMet(rows); }
  }
  // Probability maps (text detection) and label sequences (CTC recognition): without --min-cosine, a model that
  // misses the cosine only on such outputs is judged there by what they are read for (mask-guard.ts: thresholded IoU;
  // sequence-guard.ts: the decoded sequences) against onnxruntime.
  const masks = maskOutputs(result.model.subgraphs[0], result.metadata);
  const sequences = sequenceOutputs(result.model.subgraphs[0], result.metadata);
  if (!guard.met && q.minCosine === undefined && !q.int8Io && (masks.size || sequences.size) && samples.length) {
    const judged = samples.slice(0, sequences.size ? SEQUENCE_SAMPLES : GUARD_SAMPLES);
    const { refs, outputs } = await phases.time('taskGuard', `int8: judging ${masks.size ? 'probability maps' : 'label sequences'} on ${judged.length} samples`,
      () => guardRuns(onnx, result, judged));
    // Each judge reads its own outputs; the other task outputs are the other judge's, the rest keep the cosine.
    const without = (names: Set<string>) => refs.map((r) => new Map([...r].filter(([name]) => !names.has(name))));
    // Soft outputs (a gain in [0, 1] applied as it is) keep the cosine's verdict (task-signal.ts softOutputs).
    for (const name of softOutputs(refs.slice(0, GUARD_SAMPLES), masks)) masks.delete(name);
    let met = masks.size > 0 || sequences.size > 0;
    if (masks.size) {
      const m = maskGuard(without(sequences).slice(0, GUARD_SAMPLES), outputs, masks, probabilityOutputs(result));
      if (m.maps) guard.maskIou = { iou: m.iou, worst: m.worstIou, maps: m.maps, min: MIN_MASK_IOU, outputs: [...masks] };
      met = maskGuardMet(m, minCosine);
    }
    if (sequences.size) {
      const g = sequenceGuard(without(masks), outputs, sequences, probabilityOutputs(result));
      if (g.samples) guard.sequences = { same: g.same, samples: g.samples, cer: g.cer, min: MIN_SAME_SEQUENCES, outputs: [...sequences] };
      met &&= sequenceGuardMet(g, minCosine);
    }
    guard.met = met;
  } else if (guard.met && !q.int8Io && sequences.size && samples.length) {
    // Label sequences whose cosine passed are read by their lines all the same: one changed step of 40 changes a text
    // while the cosine of the steps stays high (the SAT captcha reader: 0.9952, 50 of 120 texts onnxruntime's).
    const { refs, outputs } = await phases.time('taskGuard', `int8: reading the label sequences on ${Math.min(samples.length, SEQUENCE_SAMPLES)} samples`,
      () => guardRuns(onnx, result, samples.slice(0, SEQUENCE_SAMPLES)));
    const g = sequenceGuard(refs, outputs, sequences, probabilityOutputs(result));
    if (g.samples) {
      guard.sequences = { same: g.same, samples: g.samples, cer: g.cer, min: MIN_SAME_SEQUENCES, outputs: [...sequences] };
      guard.met = sequenceLinesMet(g);
    }
  }
  // The guard again on calibration samples no choice of the int8 pass was measured on (held-out-guard.ts).
  const held = heldOutSamples(samples);
  const movedOps = stats.floatOps + stats.int16Ops;
  if (guard.met && held.samples.length && !q.int8Io && !guard.sequences && !guard.argmax) {
    guard.heldOut = await phases.time('taskGuard', `int8: the guard on ${held.samples.length} calibration samples no choice was measured on`,
      () => heldOutGuard(onnx, result, held.samples, held.from, minCosine, guard.maskIou ? masks : undefined));
    // Only a choice made on the first samples (ops moved out of int8 by the search) can fit them and not the rest; plain
    // int8 reading worse on later samples is their inputs (a speech folder's near-silent tail windows: relative error
    // on a signal 10-20x quieter, absolute error smaller): said, not refused.
    if (movedOps > 0) guard.met = guard.heldOut.met;
    else if (!guard.heldOut.met) result.warnings.push(heldOutPlainNote(guard.heldOut));
    // The search's choice fits only its samples: plain int8 is written when it meets the guard and the held-out samples.
    const byMaps = q.minCosine === undefined && masks.size > 0 && !sequences.size;
    const p = movedOps > 0 && !guard.heldOut.met && plain ? plain() : undefined;
    const judged = p && await phases.time('taskGuard', 'int8: the search\'s choice missed the held-out samples: judging plain int8',
      () => plainOnHeldOut(onnx, p, samples, held, stats.int8Cosine, minCosine, maskOutputs(p.model.subgraphs[0], p.metadata), byMaps));
    if (p && judged) {
      const fallback: PlainOnHeldOutSummary = {
        searched: { floatOps: stats.floatOps, int16Ops: stats.int16Ops, guard: guard.maskIou?.iou ?? stats.cosine, heldOut: heldOutMeasure(guard.heldOut) },
        plain: { guard: judged.maskIou?.iou ?? judged.cosine, heldOut: heldOutMeasure(judged.heldOut) } };
      Object.assign(result, { model: p.model, metadata: p.metadata, opHistogram: p.opHistogram });
      finish(result);
      // The written file's numbers are plain int8's from here on.
      if (result.warnings[moved]?.startsWith(`int8: ${stats.floatOps} op(s) stay float32`)) result.warnings.splice(moved, 1);
      Object.assign(stats, { floatOps: 0, int16Ops: 0, floatWeightOps: 0, cosine: stats.int8Cosine, task: stats.int8Task, guardMet: true });
      Object.assign(summary, { floatOps: 0, int16Ops: 0, cosine: stats.int8Cosine, hybridOps: hybridIslandOps(result.model.subgraphs[0]).length, plainOnHeldOut: fallback });
      delete summary.floatWeightOps;
      if (summary.estimatedMs) summary.estimatedMs.chosen = summary.estimatedMs.int8;
      if (stats.int8Task && guard.task) guard.task = { ...guard.task, agreement: stats.int8Task.agreement };
      if (!stats.int8Task) { delete guard.task; delete summary.task; }
      summary.task = guard.task;
      guard.cosine = stats.int8Cosine;
      if (judged.maskIou) guard.maskIou = judged.maskIou; else delete guard.maskIou;
      guard.heldOut = judged.heldOut;
      guard.met = true;
      result.warnings.push(plainOnHeldOutText(fallback, judged.heldOut, !!judged.maskIou));
    }
  } else if (guard.met && !held.samples.length && summary.calibrationSource === 'folder' && movedOps > 0) {
    result.warnings.push(heldOutNote(samples.length, movedOps, held.from));
  }
  // Class-id outputs (the graph's own ARG_MAX): their arg-max against the float32 model, always (argmax-guard.ts).
  // TopKs whose ONNX order is unspecified (sorted = 0): their ids are judged as sets.
  const unsorted = new Set(model.graph.nodes.filter((n) => n.opType === 'TopK' && n.attrs.get('sorted')?.value === 0).map((n) => n.name));
  const ids = classIdOutputs(result.model.subgraphs[0], result.metadata, unsorted);
  if (ids.length && samples.length && !q.int8Io) {
    guard.argmax = await phases.time('taskGuard', 'int8: judging the class ids', () => argmaxGuard(parseTflite(floatTflite), result.model, result.metadata, ids, samples));
    guard.met &&= argmaxGuardMet(guard.argmax);
  }
  // Mixed detector rows and classes by steps: detections and decoded lines on up to 32 samples (layout-guard.ts).
  const layoutJudge = samples.length && !q.int8Io ? await phases.time('taskGuard', 'int8: judging detector rows / label sequences by their layout', () => layoutGuard(onnx, result, samples)) : undefined;
  if (layoutJudge) { guard.layoutGuard = layoutJudge; guard.met &&= layoutJudge.met; }
  const layoutMiss = layoutJudge && !layoutJudge.met ? layoutJudge : undefined;
  const idsMiss = guard.argmax && !argmaxGuardMet(guard.argmax) ? guard.argmax : undefined;
  const seqMiss = guard.sequences && !sequenceLinesMet(guard.sequences) ? guard.sequences : undefined;
  const heldMiss = guard.heldOut && !guard.heldOut.met && !guard.met ? guard.heldOut : undefined;
  let logitMiss: ReturnType<typeof logitMapGuard> | undefined;
  if (samples.length && !q.int8Io) {
    const { refs, outputs } = await phases.time('taskGuard', 'int8: the guard\'s measure by output', () => guardRuns(onnx, result, samples.slice(0, GUARD_SAMPLES)));
    const parts = guardMeasures(refs, outputs, probabilityOutputs(result));
    if (Number.isFinite(parts.normRatio)) guard.normRatio = parts.normRatio;
    if (parts.classRows) guard.classRows = parts.classRows;
    if (parts.boxes) guard.boxIou = { outputs: parts.boxes.outputs, iou: parts.boxes.iou, rows: parts.boxes.rows, min: MIN_BOX_IOU };
    if (parts.layouts) guard.layouts = parts.layouts; // angles, detector rows, classes by steps (task-layouts.ts)
    // Single-channel maps of logits with no Sigmoid in the model, read at 0 (logit-map-guard.ts): the sign maps' IoU.
    const taken = new Set([...masks, ...sequences, ...ids.map((o) => o.name), ...probabilityOutputs(result)]);
    const logitMaps = logitMapOutputs(refs, [...(refs[0]?.keys() ?? [])].filter((n) => !taken.has(n)));
    if (logitMaps.size) {
      guard.logitMaps = logitMapGuard(refs, outputs, logitMaps);
      if (!logitMapGuardMet(guard.logitMaps)) {
        logitMiss = guard.logitMaps;
        guard.met = false;
      }
    }
  }
  summary.guard = guard;
  const taskNote = stats.task ? `; task: ${taskText(stats.task)}${stats.int8Task && stats.int8Task !== stats.task ? ` (plain int8 ${stats.int8Task.agreement.toFixed(4)})` : ''} on ${Math.min(samples.length, SEARCH_SAMPLES)} calibration sample(s)` : '';
  if (!guard.met) {
    // The accuracy guard: compare's per-layer split names the layers; nothing is written unless --allow-degraded.
    guard.blame = await phases.time('blame', 'int8: guard missed, naming the layers to blame', () => blameLayers(bytes, model.path, floatTflite, serializeTflite(result.model), heldMiss ? held.samples[0] : samples[0]));
    const n = Math.min(samples.length, GUARD_SAMPLES);
    const maskNote = (guard.maskIou ? (guard.maskIou.iou < MIN_MASK_IOU ? ` and probability-map IoU ${guard.maskIou.iou.toFixed(4)} (worst ${guard.maskIou.worst.toFixed(4)}) is below ${MIN_MASK_IOU}`
      : ` (the probability map(s) meet IoU ${MIN_MASK_IOU} at ${guard.maskIou.iou.toFixed(4)}, worst ${guard.maskIou.worst.toFixed(4)}: the other output(s) miss the cosine)`) : '')
      + (guard.sequences ? ` and ${sequenceText(guard.sequences)}` : '') + (idsMiss ? ` and ${argmaxText(idsMiss)}` : '') + (layoutMiss ? ` and ${layoutGuardText(layoutMiss)}` : '') + (logitMiss ? ` and ${logitMapText(logitMiss)}` : '');
    const sets = guard.detectionSets ? ` (${guard.detectionSets.join(', ')} judged as detection sets: rows paired by label and box IoU, weighted by score)` : '';
    const rows = guard.classRows ? ` (${guard.classRows.outputs.join(', ')} judged as class rows on the ${guard.classRows.rows} row(s) whose best class other than the background `
      + `reaches 0.3: cosine ${cos(guard.classRows.cosine)}${guard.boxIou ? `; ${guard.boxIou.outputs.join(', ')} judged by the mean IoU of the boxes on those rows: `
      + `${guard.boxIou.iou.toFixed(4)}, at least ${MIN_BOX_IOU}` : ''})` : '';
    const layouts = layoutText(guard.layouts) ? ` (${layoutText(guard.layouts)})` : '';
    const scale = guard.normRatio !== undefined && Math.abs(guard.normRatio - 1) > NORM_NOTE ? ` (output norm ${guard.normRatio.toFixed(3)}x onnxruntime's: the cosine `
      + `ignores scale, the guard judges the relative error too)` : '';
    const tuned = guard.maskIou ? guard.maskIou.iou : stats.cosine;
    const msg = heldMiss ? `int8: ${heldOutText(heldMiss, tuned)}; layers to blame (largest SNR drop, float32 → int8, on sample ${heldMiss.first}): ${blameText(guard.blame)}`
      : idsMiss && !(stats.cosine < minCosine) ? `int8: ${argmaxText(idsMiss)}${logitMiss ? ` and ${logitMapText(logitMiss)}` : ''}; layers to blame (largest SNR drop, float32 → int8): ${blameText(guard.blame)}`
      : layoutMiss && !(stats.cosine < minCosine) ? `int8: output cosine ${cos(stats.cosine)} meets --min-cosine ${minCosine} but ${layoutGuardText(layoutMiss)}; layers to blame (largest SNR drop, float32 → int8): ${blameText(guard.blame)}`
      : seqMiss && !(stats.cosine < minCosine) ? `int8: output cosine ${cos(stats.cosine)} meets --min-cosine ${minCosine} but ${sequenceText(seqMiss)} against onnxruntime; layers to blame (largest SNR drop, float32 → int8): ${blameText(guard.blame)}`
      : logitMiss && !(stats.cosine < minCosine) ? `int8: output cosine ${cos(stats.cosine)} meets --min-cosine ${minCosine} but the ${logitMapText(logitMiss)}; layers to blame (largest SNR drop, float32 → int8): ${blameText(guard.blame)}`
      : `int8: output cosine ${Number.isNaN(stats.cosine) ? 'NaN' : cos(stats.cosine)}${sets}${rows}${layouts}${scale} against onnxruntime on ${n} ${summary.calibrationSource === 'folder' ? '' : `${summary.calibrationSource} `}`
      + `calibration sample(s) is below --min-cosine ${minCosine}${maskNote}${stats.int16Ops ? ` (with ${stats.int16Ops} ops in 16x8)` : ''}${stats.floatOps ? ` (with ${stats.floatOps} ops in float32)` : ''}; `
      + `layers to blame (largest SNR drop, float32 → int8): ${blameText(guard.blame)}${taskNote}`
      + (stats.hopeless ? `; with float16 weights (--quantize fp16) it reaches only ${cos(stats.fp16Cosine)}, so no int8 search was run` : '');
    if (!q.allowDegraded) {
      throw new ModelError(`${msg}; nothing written (${heldMiss ? 'more --calibration samples, like the inputs the model will see' : 'better --calibration samples, --int16 auto'}, or --allow-degraded to write it anyway)`);
    }
    result.warnings.push(`${msg}; written anyway because of --allow-degraded`);
  } else if (guard.maskIou && guard.cosine < minCosine) {
    result.warnings.push(`int8: output cosine ${cos(stats.cosine)} is below --min-cosine ${minCosine} on the probability map(s) only; their IoU `
      + `thresholded at 0.3 / 0.5 against onnxruntime is ${guard.maskIou.iou.toFixed(4)} (worst ${guard.maskIou.worst.toFixed(4)}, at least ${MIN_MASK_IOU}) on `
      + `${Math.min(samples.length, GUARD_SAMPLES)} calibration sample(s), so the model is written (--min-cosine judges the maps by cosine)${taskNote}`);
  } else if (guard.sequences && guard.cosine < minCosine) {
    result.warnings.push(`int8: output cosine ${cos(stats.cosine)} is below --min-cosine ${minCosine} on the label-sequence output(s) only; `
      + `${sequenceText(guard.sequences)} against onnxruntime, so the model is written (--min-cosine judges them by cosine)${taskNote}`);
  } else if (guard.argmax && guard.classRows && guard.cosine < minCosine) {
    result.warnings.push(`int8: output cosine ${cos(stats.cosine)} is below --min-cosine ${minCosine} on the class rows of ${guard.classRows.outputs.join(', ')} only `
      + `(two classes, no background: each row an answer); ${argmaxText(guard.argmax)}, so the model is written${taskNote}`);
  } else if (!stats.guardMet) {
    result.warnings.push(`int8: output cosine on the calibration samples is ${cos(stats.cosine)} (< ${GUARD_COSINE}) even with float32 / 16x8 layers within `
      + `${budgetText}${taskNote}; compare the model layer by layer (onnx2lite compare)`);
  }
  if (fixed.size && !q.calibration && stats.fromOnnx + stats.fromTflite > 0) {
    result.warnings.push(`int8: the QDQ model leaves ${stats.fromOnnx + stats.fromTflite} tensor(s) without scales; their ranges come from random data (pass --calibration DIR)`);
  }
  summary.calibrationMs = stats.calibrationMs;
  summary.gptqLayers = stats.gptqLayers;
  summary.gptqMs = stats.gptqMs;
  if (samples.length && !fixed.size) summary.weightRounding = stats.weightRounding;
  if (Number.isFinite(stats.nearestCosine)) summary.nearestCosine = stats.nearestCosine;
  if (Number.isFinite(stats.gptqCosine)) summary.gptqCosine = stats.gptqCosine;
  if (Number.isFinite(stats.fp16Cosine)) summary.fp16Cosine = stats.fp16Cosine;
  summary.biasCorrected = stats.biasCorrected;
  if (stats.sequentialBias) summary.sequentialBias = stats.sequentialBias;
  if (stats.equalizedPairs) summary.equalizedPairs = stats.equalizedPairs;
  const head = classifierHeadOf(result.model.subgraphs[0]); // the classifier head as written (int8-classifier-head.ts)
  if (head) summary.classifierHead = head;
}
