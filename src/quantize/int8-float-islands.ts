// Ops the int8 pass keeps in float32 although an int8 kernel exists, because int8's one linear step per tensor
// cannot hold what they compute in trained audio models (measured with bench/int8-audio.bench.ts):
// - the energy path into a LOG (log-mel / MFCC front ends: |STFT|² → mel filter bank → clamp → log). Power spans
//   many decades: an int8 step sized for the loudest bin rounds every quiet bin to 0, and the log turns that into
//   the clamp's floor (openWakeWord's melspectrogram: cosine 0.97, torchaudio-style MFCC 0.93). The same holds for
//   the STFT's amplitudes and the audio itself (a quiet chunk is all zeros in int8: Silero VAD v5 decided 760 of
//   1110 chunks as float did). So from the model input through the STFT convolution to the LOG / SQRT everything
//   stays float32; the STFT convolution's weights are int8 behind a DEQUANTIZE (as dynamic-range quantization
//   writes them), so the size stays int8's.
// - a final probability: a LOGISTIC whose value only leaves the model (an output, or a threshold / IF on it). Its
//   fixed int8 output step (1/256) turns the small scores a wake-word or VAD head gives on most audio into 0, a
//   collapsed output to the accuracy guard (cosine 0) although no decision changed; one float sigmoid costs nothing.
//   A final SOFTMAX likewise (a classifier's or CTC recognizer's probabilities): its float32 kernel is also XNNPack's,
//   where int8 SOFTMAX runs on TFLite's own kernel at 3.3x the float time (PP-OCRv4 rec: [40, 6625] per line).
// - recurrent state packed in one tensor (Silero VAD v5: `state` [2, 1, 128] holds the LSTM's h and c): the GATHER /
//   SLICE that unpacks a model input and the CONCATENATION / PACK that packs a model output only move data, but
//   TFLite's same-scale rule would give h (within ±1) the scale of c (much wider). Kept float, each part gets its own.
// - max-pool peak picking (M-LSD's line centres: `sigmoid · (maxpool(sigmoid) == sigmoid)`; CenterNet-style heatmap
//   NMS): on int8 steps neighbours tie, so every pixel of a plateau equals its max pool and counts as a peak (M-LSD
//   tiny from jp.keijiro.mlsd: output cosine 0.42, refused by the guard). The map back to the layer that makes it
//   (which computes in float from int8 weights: its output often shares a tensor with wider channels, M-LSD's
//   offsets), the max pool, the comparison and what carries its mask to the output stay float.
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { consumersOf, isFloatActivation, producersOf } from './graph';
import { recurrentStateOps } from './int8-recurrent';
import { samplingOps } from './int8-sampling';
import { boxDecodeOps } from './int8-box-decode';
import { centeredNormOps } from './int8-centered-norm';
import { conditionOps } from './int8-condition';
import { comparisonOps } from './int8-comparison';
import { scaledHardSwishOps } from './int8-scaled-hardswish';
import { integralOps } from './int8-integral';
import { fractionOps } from './int8-fraction';
import { channelNormOps } from './int8-channel-norm';
import { cutQuotientOps } from './int8-cut-quotient';
import { maskedLogitOps } from './int8-masked-logits';
import { kernelIslandOps } from './int8-kernel-islands';
import { runTimeTailOps, selectionInputOps } from './int8-run-time-tail';
import { supportSetOps } from './int8-support-set';
import { expertChoiceOps } from './int8-expert-choice';
import { infiniteFillOps } from './int8-infinite-fill';
import { decodedArgMaxOps } from './int8-decoded-argmax';


/** Ops that carry power (or a linear map of it) towards the LOG: kept float, walked back through. */
const ENERGY_OPS = new Set(['ADD', 'SUM', 'MEAN', 'FULLY_CONNECTED', 'BATCH_MATMUL', 'MAXIMUM', 'MINIMUM', 'RELU', 'RESHAPE', 'TRANSPOSE',
  'SQUEEZE', 'EXPAND_DIMS', 'CONCATENATION', 'STRIDED_SLICE', 'SLICE', 'MUL',
  // the magnitude (sqrt of the power) spans as many decades: log(|X| + eps) in Silero VAD v4
  'SQRT']);
/** Data movement between the model input, the STFT convolution and the squaring (kept float, walked through). */
const MOVE_OPS = new Set(['RESHAPE', 'STRIDED_SLICE', 'SLICE', 'SPLIT', 'SPLIT_V', 'TRANSPOSE', 'SQUEEZE', 'EXPAND_DIMS', 'PAD', 'MIRROR_PAD', 'PADV2']);
/** The squaring that makes power from amplitude: kept float; behind it only data movement and the STFT. */
const SQUARING_OPS = new Set(['SQUARE', 'POW']);
/** Ops that unpack a model input (data input position) and ops that pack a model output. */
const UNPACK_OPS: Record<string, number> = { GATHER: 0, STRIDED_SLICE: 0, SLICE: 0, SPLIT: 1, SPLIT_V: 0, UNPACK: 0 };
const PACK_OPS = new Set(['CONCATENATION', 'PACK']);
/** Readers that only look at a probability (compare it, branch on it, reshape it). */
const PROBABILITY_READERS = new Set(['IF', 'GREATER', 'GREATER_EQUAL', 'LESS', 'LESS_EQUAL', 'EQUAL', 'NOT_EQUAL', 'RESHAPE', 'SQUEEZE', 'CAST',
  'MEAN', 'EXPAND_DIMS']);
/** Of those, the ones that pass the probability on as a float (kept float with the LOGISTIC: an int8 MEAN of it
 *  would bring back the 1/256 step; Silero VAD v4 averages its frame probabilities). */
const PROBABILITY_CARRIERS = new Set(['RESHAPE', 'SQUEEZE', 'EXPAND_DIMS', 'MEAN']);

/** Op indices on the power path into each LOG or SQRT: back from its input through ENERGY_OPS to a squaring
 *  (SQUARE / POW / MUL of a tensor by itself), then through data movement to the STFT convolution(s) ('stft') and
 *  on to the model input when only data movement lies between. Empty when no squaring is found: a LOG of something
 *  else (a probability, a positive feature) keeps its int8 inputs. */
export function logEnergyOps(sg: TflSubgraph): Map<number, 'energy' | 'stft' | 'norm'> {
  const prod = producersOf(sg);
  const out = new Map<number, 'energy' | 'stft' | 'norm'>();
  const inputs = new Set(sg.inputs);
  const readers = consumersOf(sg);
  // A SQRT read only as a DIV's divisor is a normalization's (a decomposed LayerNorm / RMSNorm: x / sqrt(mean(x²) + ε)),
  // not an audio magnitude: its power path stays float too (TFLite has no int8 SQUARE; one float chain rather than a
  // DEQUANTIZE / QUANTIZE around each op) but is named for what it is.
  const divisorOnly = (op: TflOperator) => {
    const r = readers.get(op.outputs[0]) ?? [];
    return r.length > 0 && r.every((k) => sg.operators[k].opcode === 'DIV' && sg.operators[k].inputs[1] === op.outputs[0]);
  };
  sg.operators.forEach((op) => {
    if (op.opcode !== 'LOG' && op.opcode !== 'SQRT') return;
    const found = new Map<number, 'energy' | 'stft'>();
    let squared = false;
    const floatIn = (k: number) => sg.operators[k].inputs.filter((i) => i >= 0 && isFloatActivation(sg.tensors[i]));
    // Back from the squaring: data movement, then one STFT convolution, then data movement to a model input.
    const amplitude = (tensor: number, convSeen: boolean): boolean => {
      if (inputs.has(tensor)) return convSeen;
      const k = prod.get(tensor);
      if (k === undefined) return false;
      const p = sg.operators[k];
      if (MOVE_OPS.has(p.opcode)) {
        const ins = floatIn(k);
        const ok = ins.length > 0 && ins.every((i) => amplitude(i, convSeen));
        if (ok) found.set(k, 'energy');
        return ok;
      }
      if (!convSeen && p.opcode === 'CONV_2D' && p.inputs[1] >= 0 && !isFloatActivation(sg.tensors[p.inputs[1]])) {
        found.set(k, 'stft');
        amplitude(p.inputs[0], true);
        return true;
      }
      return false;
    };
    const walk = (tensor: number) => {
      const k = prod.get(tensor);
      if (k === undefined || found.has(k)) return;
      const p = sg.operators[k];
      const isSquare = SQUARING_OPS.has(p.opcode) || (p.opcode === 'MUL' && p.inputs[0] === p.inputs[1]);
      if (isSquare) {
        found.set(k, 'energy');
        squared = true;
        for (const i of floatIn(k)) amplitude(i, false);
        return;
      }
      if (!ENERGY_OPS.has(p.opcode)) return;
      found.set(k, 'energy');
      for (const i of floatIn(k)) walk(i);
    };
    walk(op.inputs[0]);
    const norm = op.opcode === 'SQRT' && divisorOnly(op);
    if (squared) for (const [k, why] of found) out.set(k, norm ? 'norm' : why);
  });
  return out;
}

/** Samples from which a float input with one long axis reads as audio (25 ms at 16 kHz). */
const AUDIO_SAMPLES = 400;

/** Whether a model input looks like audio: float, one axis of at least AUDIO_SAMPLES and every other axis 1 or 2 (mono
 *  or stereo). A point cloud ([1, N, 3]), an image or a feature table is not. */
export function audioLikeInput(sg: TflSubgraph): boolean {
  return sg.inputs.some((i) => {
    const t = sg.tensors[i];
    const long = t.shape.filter((d) => d > 2);
    return t.type === 'FLOAT32' && long.length === 1 && long[0] >= AUDIO_SAMPLES;
  });
}

/** Weighted ops that read a magnitude as their data input: float with int8 weights (weights.ts storedInt8). */
const MAGNITUDE_LAYERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

/** A linear magnitude read by the network itself, not only through a LOG (Silero VAD: |STFT| concatenated with the
 *  normalized log spectrogram, v5: |STFT| alone, into the first convolutions): it spans as many decades as the
 *  power, and TFLite's same-scale CONCATENATION would even give the log features its step. From each SQRT on a
 *  power path, the data movement and concatenations after it stay float ('energy') up to the first convolution /
 *  fully connected layers reading it, which compute in float from int8 weights ('magnitude'); their outputs are int8. */
export function magnitudeReaders(sg: TflSubgraph, energy: Map<number, 'energy' | 'stft' | 'norm'>): Map<number, 'energy' | 'magnitude'> {
  const readers = consumersOf(sg);
  const out = new Map<number, 'energy' | 'magnitude'>();
  const forward = (tensor: number) => {
    for (const k of readers.get(tensor) ?? []) {
      const op = sg.operators[k];
      if (out.has(k) || energy.has(k)) continue;
      if (MOVE_OPS.has(op.opcode) || op.opcode === 'CONCATENATION') {
        out.set(k, 'energy');
        for (const o of op.outputs) forward(o);
      } else if (MAGNITUDE_LAYERS.has(op.opcode) && op.inputs[0] === tensor && op.inputs[1] >= 0 && !isFloatActivation(sg.tensors[op.inputs[1]])) {
        out.set(k, 'magnitude');
      }
    }
  };
  const prod = producersOf(sg);
  for (const op of sg.operators) {
    // A SQRT fed by the power path (its input's producer is on it).
    const p = prod.get(op.inputs[0]);
    if (op.opcode === 'SQRT' && p !== undefined && energy.has(p) && energy.get(p) !== 'norm') forward(op.outputs[0]);
  }
  return out;
}

/** LOGISTIC and SOFTMAX ops whose output only leaves the model: a graph output, or read only by PROBABILITY_READERS
 *  whose outputs do the same (a threshold, an IF that returns it). */
export function probabilityOutputOps(sg: TflSubgraph): Set<number> {
  const readers = consumersOf(sg);
  const outputs = new Set(sg.outputs);
  const leaves = (tensor: number, depth = 0): boolean => {
    if (depth > 8) return false;
    const r = readers.get(tensor) ?? [];
    if (r.length === 0) return outputs.has(tensor);
    return r.every((k) => PROBABILITY_READERS.has(sg.operators[k].opcode) && sg.operators[k].outputs.every((o) => leaves(o, depth + 1)));
  };
  const out = new Set<number>();
  const carry = (tensor: number) => {
    for (const k of readers.get(tensor) ?? []) {
      if (out.has(k) || !PROBABILITY_CARRIERS.has(sg.operators[k].opcode)) continue;
      out.add(k);
      carry(sg.operators[k].outputs[0]);
    }
  };
  sg.operators.forEach((op, k) => {
    if ((op.opcode !== 'LOGISTIC' && op.opcode !== 'SOFTMAX') || !leaves(op.outputs[0])) return;
    out.add(k);
    carry(op.outputs[0]);
  });
  return out;
}

const PEAK_CARRIERS = new Set(['LOGISTIC', 'STRIDED_SLICE', 'SLICE', 'RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR', 'RESHAPE',
  'TRANSPOSE', 'PAD', 'PADV2', 'SPLIT', 'SPLIT_V']);
const PEAK_LAYERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'TRANSPOSE_CONV']);
const PEAK_MASK = new Set(['CAST', 'MUL', 'SELECT', 'SELECT_V2', 'LOGICAL_AND', 'RESHAPE', 'SQUEEZE']);

/** EQUAL / GREATER_EQUAL of a map and its MAX_POOL_2D, the max pool, the map's producers back to (and with) the
 *  layer that makes it, and the mask's readers towards the output. */
export function peakPickingOps(sg: TflSubgraph): Set<number> {
  const prod = producersOf(sg);
  const readers = consumersOf(sg);
  const out = new Set<number>();
  const forward = (tensor: number, depth: number): void => {
    if (depth > 6) return;
    for (const r of readers.get(tensor) ?? []) {
      if (out.has(r) || !PEAK_MASK.has(sg.operators[r].opcode)) continue;
      out.add(r);
      forward(sg.operators[r].outputs[0], depth + 1);
    }
  };
  sg.operators.forEach((op, k) => {
    if (op.opcode !== 'EQUAL' && op.opcode !== 'GREATER_EQUAL') return;
    const pool = op.inputs.map((i) => prod.get(i)).find((p) => p !== undefined
      && sg.operators[p].opcode === 'MAX_POOL_2D' && op.inputs.includes(sg.operators[p].inputs[0]));
    if (pool === undefined) return;
    out.add(k);
    out.add(pool);
    let t = sg.operators[pool].inputs[0];
    for (let depth = 0; depth < 8; depth++) {
      const p = prod.get(t);
      if (p === undefined || !(PEAK_CARRIERS.has(sg.operators[p].opcode) || PEAK_LAYERS.has(sg.operators[p].opcode))) break;
      out.add(p);
      if (PEAK_LAYERS.has(sg.operators[p].opcode)) break;
      t = sg.operators[p].inputs[0];
    }
    forward(op.outputs[0], 0);
  });
  return out;
}

/** Ops that unpack a model input or pack a model output (several parts of one state tensor). */
export function stateOps(sg: TflSubgraph): Set<number> {
  const inputs = new Set(sg.inputs);
  const outputs = new Set(sg.outputs);
  const out = new Set<number>();
  sg.operators.forEach((op, k) => {
    const at = UNPACK_OPS[op.opcode];
    if (at !== undefined && inputs.has(op.inputs[at]) && isFloatActivation(sg.tensors[op.inputs[at]])) out.add(k);
    if (PACK_OPS.has(op.opcode) && op.inputs.length > 1 && outputs.has(op.outputs[0])) out.add(k);
  });
  return out;
}

/** 'stft': the STFT convolution; 'norm': a normalization's variance path (x², mean, + ε) into SQRT → DIV; 'magnitude': a layer reading a linear magnitude; 'sampling': a GridSample's coordinates and its grid back to the flow's layer (int8-sampling.ts); 'recurrent': the ops between a
 *  streaming model's state input and output (int8-recurrent.ts); 'boxes': a detector's box decode (int8-box-decode.ts); 'condition': a
 *  per-picture condition vector (global MEAN → FC) modulating a map, with its joins (int8-condition.ts); 'comparison': a comparison of float activations
 *  (int8-comparison.ts); 'integral': a long SOFTMAX's weighted sums (int8-integral.ts); 'fraction': x − ⌊x⌋ and x (int8-fraction.ts); 'channelNorm': an InstanceNorm / GroupNorm
 *  from the layer making its input to the division (int8-channel-norm.ts); 'cutQuotient': a quotient a slice then cuts, to the cut
 *  (int8-cut-quotient.ts); 'maskedLogits': logits masked by a constant fill, to the ARG_MAX (int8-masked-logits.ts); 'kernelIsland': cheap ops
 *  between ops with no int8 kernel (int8-kernel-islands.ts); 'runTimeTail': what reads or follows a tensor sized at run time,
 *  a detector's NMS and after, and 'selectionInputs': the scores / boxes its
 *  NMS or TopK ranks, back to their layers (int8-run-time-tail.ts); 'supportSet': sparsemax / entmax's sort, running sum
 *  and support test, from the layer making the logits (int8-support-set.ts); 'expertChoice': a top-k choosing rows of a table (PEER's product keys), its scores back to the layer making the
 *  query (int8-expert-choice.ts); 'decodedArgMax': a map whose arg-max is read back from it (FCPE's local-argmax
 *  pitch), from its layer to the decode (int8-decoded-argmax.ts). Like every float op of the int8 pass, they keep
 *  their weights int8 behind a DEQUANTIZE (weights.ts storedInt8). */
export type IslandRule = 'energy' | 'stft' | 'norm' | 'magnitude' | 'probability' | 'state' | 'recurrent' | 'peak' | 'sampling' | 'boxes' | 'condition'
  | 'comparison' | 'integral' | 'fraction' | 'channelNorm' | 'hardswish' | 'cutQuotient'
  | 'maskedLogits' | 'kernelIsland' | 'runTimeTail' | 'selectionInputs' | 'supportSet' | 'expertChoice' | 'decodedArgMax'
  // 'infiniteFill': a tensor written with ±inf, from the op taking the fill in to the one consuming it (int8-infinite-fill.ts).
  | 'infiniteFill';

/** Every op the int8 pass keeps float by these rules, with the rule's name. */
export function floatIslands(sg: TflSubgraph): Map<number, IslandRule> {
  const energy = logEnergyOps(sg);
  const out = new Map<number, IslandRule>(energy);
  for (const k of centeredNormOps(sg, [...energy].filter(([, why]) => why === 'norm').map(([k]) => k))) if (!out.has(k)) out.set(k, 'norm');
  for (const [k, why] of magnitudeReaders(sg, energy)) out.set(k, why);
  for (const k of probabilityOutputOps(sg)) out.set(k, 'probability');
  for (const k of stateOps(sg)) out.set(k, 'state');
  for (const k of recurrentStateOps(sg)) if (!out.has(k)) out.set(k, 'recurrent');
  for (const k of peakPickingOps(sg)) if (!out.has(k)) out.set(k, 'peak');
  for (const k of samplingOps(sg)) if (!out.has(k)) out.set(k, 'sampling');
  for (const k of boxDecodeOps(sg)) if (!out.has(k)) out.set(k, 'boxes');
  for (const k of conditionOps(sg)) if (!out.has(k)) out.set(k, 'condition');
  for (const k of integralOps(sg)) if (!out.has(k)) out.set(k, 'integral');
  for (const k of fractionOps(sg)) if (!out.has(k)) out.set(k, 'fraction');
  for (const k of comparisonOps(sg)) if (!out.has(k)) out.set(k, 'comparison');
  for (const k of channelNormOps(sg)) if (!out.has(k)) out.set(k, 'channelNorm');
  for (const k of scaledHardSwishOps(sg)) if (!out.has(k)) out.set(k, 'hardswish');
  for (const k of cutQuotientOps(sg)) if (!out.has(k)) out.set(k, 'cutQuotient');
  for (const k of maskedLogitOps(sg)) if (!out.has(k)) out.set(k, 'maskedLogits');
  for (const k of kernelIslandOps(sg)) if (!out.has(k)) out.set(k, 'kernelIsland');
  for (const k of runTimeTailOps(sg)) if (!out.has(k)) out.set(k, 'runTimeTail');
  for (const k of selectionInputOps(sg)) if (!out.has(k)) out.set(k, 'selectionInputs');
  for (const k of supportSetOps(sg)) if (!out.has(k)) out.set(k, 'supportSet');
  // A classifier's head (int8-logit-outputs.ts) is no island: the int8 pass runs it 16x8 (int8-classifier-head.ts); float32
  // on int8-stored weights it moved a policy net's logits in the hundreds (cosine 0.77 under --int16 all).
  for (const k of expertChoiceOps(sg)) if (!out.has(k)) out.set(k, 'expertChoice');
  for (const k of decodedArgMaxOps(sg)) if (!out.has(k)) out.set(k, 'decodedArgMax');
  for (const k of infiniteFillOps(sg)) if (!out.has(k)) out.set(k, 'infiniteFill');
  return out;
}
