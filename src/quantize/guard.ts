// The int8 accuracy guard: the quantized model's outputs on the calibration samples against onnxruntime's must reach
// `--min-cosine` (default MIN_COSINE). When they do not, convert writes nothing (unless `--allow-degraded`) and names
// the layers to blame: compare's per-layer split (float32 TFLite → int8) on the first calibration sample, the layers
// whose own SNR drop (input SNR − output SNR) is largest.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tensor } from '../ir/types';
import { encodeNpy } from '../core/npy';
import { compareModels } from '../compare/compare';
import type { LayerResult } from '../compare/types';
import { SNR_CAP } from '../compare/metrics';
import type { HeldOutGuard } from './held-out-guard';
import type { ArgmaxGuard } from './argmax-guard';
import type { LogitMapGuard } from './logit-map-guard';
import type { LayoutMeasures } from './task-layouts';
import type { LayoutGuard } from './layout-guard';

/** Default `--min-cosine`: the worst output cosine on the calibration samples an int8 model must reach. */
export const MIN_COSINE = 0.99;
/** Layers named in the guard's message. */
const BLAMED = 5;

export interface BlamedLayer {
  node: string;
  op: string;
  tensor: string;
  /** SNR of the layer's output (int8 against float32 TFLite) and of the values it reads, in dB. */
  snrDb: number;
  inputSnrDb: number;
}

export interface GuardResult {
  minCosine: number;
  /** Worst output cosine on the guard's calibration samples (NaN when not measured). */
  cosine: number;
  met: boolean;
  /** Set when the guard failed: the layers whose error grows most. */
  blame?: BlamedLayer[];
  /** What the model's outputs are used for and how much of it int8 keeps against float32 on the search's calibration
   *  samples (task-signal.ts: arg-max agreement or mask IoU); reported, the guard itself stays on the cosine. */
  task?: TaskSummary;
  /** Probability-map outputs judged by their thresholded IoU against onnxruntime instead of the cosine (default
   *  --min-cosine only; mask-guard.ts): mean and worst IoU over the judged maps, their count and the bar. */
  maskIou?: { iou: number; worst: number; maps: number; min: number; outputs?: string[] };
  /** Label-sequence outputs (CTC recognition) judged by their greedy decode against onnxruntime's instead of the
   *  cosine (default --min-cosine only; sequence-guard.ts): calibration samples decoded identically, those judged,
   *  the character error rate and the bar (share of samples). */
  sequences?: { same: number; samples: number; cer: number; min: number; outputs?: string[] };
  /** Outputs (ONNX names) that are an end-to-end detector's packed rows, whose cosine is taken on the detections
   *  paired as sets, weighted by score (output-cosine.ts), not row by row; absent when none. */
  detectionSets?: string[];
  /** The ratio of output norms (int8 / onnxruntime) farthest from 1 over the outputs judged by cosine, on the guard
   *  samples: the cosine ignores scale, so the guard also judges the relative error (output-cosine.ts). */
  normRatio?: number;
  /** Tables of per-row class scores judged on their foreground rows (score-rows.ts): outputs, rows, cosine. */
  classRows?: { outputs: string[]; rows: number; cosine: number };
  /** Box tables beside them judged by the boxes' mean IoU on those rows (box-rows.ts), and the bar. */
  boxIou?: { outputs: string[]; iou: number; rows: number; min: number };
  /** The guard again on calibration samples no choice of the int8 pass was measured on (held-out-guard.ts); absent
   *  when the set holds none past the search's, or the guard had already missed. */
  heldOut?: HeldOutGuard;
  /** Class-id outputs (the graph's own ARG_MAX) judged by their arg-max against the float32 model on up to
   *  ARGMAX_SAMPLES calibration samples (argmax-guard.ts); absent when the model has none. */
  argmax?: ArgmaxGuard;
  /** Single-channel logit maps with no Sigmoid in the model (logit-map-guard.ts: read at 0, LDC's edges) judged by
   *  the IoU of their positive regions against onnxruntime on the guard samples, with or without --min-cosine. */
  logitMaps?: LogitMapGuard;
  /** Outputs judged by their layout on the guard samples (output-roles.ts, task-layouts.ts): angles by the wrapped
   *  difference, mixed detector rows as detections, classes by steps as decoded sequences; absent when none. */
  layouts?: LayoutMeasures;
  /** Mixed detector rows and classes by steps judged again on up to 32 calibration samples (layout-guard.ts), with
   *  or without --min-cosine: detections' share, lines decoded identically; absent when the model has none. */
  layoutGuard?: LayoutGuard;
}

/** `--json`'s task measure: its kind, the agreement as written and in plain int8, and the samples measured. */
export interface TaskSummary { kind: 'argmax' | 'mask'; agreement: number; int8Agreement?: number; samples: number }

/** Input SNR above this counts as this (an exact input is not a reason to blame the first layer: every int8 layer
 *  lands near 30–45 dB). */
const INPUT_CAP_DB = 60;
const drop = (l: { snrDb: number; inputSnrDb: number }) => Math.min(l.inputSnrDb, INPUT_CAP_DB) - l.snrDb;

/** A layer whose float32 values are all zero and whose int8 values are not: compare gives it -SNR_CAP whatever the
 *  error's size (no signal to measure it against), so its "drop" says nothing of what it costs the output. HITNet's
 *  warps: the fraction x − floor(x) of a whole-pixel disparity is exactly 0 in float32, a few int8 steps in int8; the
 *  guard blamed those three SUBs first (-3 → -200 dB), and float32 for every op of the six FLOOR coordinate chains
 *  left the output cosine where it was (0.18; all ops float32: 0.99). */
const zeroReference = (l: LayerResult) => l.snrDb <= -SNR_CAP && Number.isFinite(l.maxAbs) && l.cosine === 0;

/** The layers whose quantization adds the most error (largest SNR drop), in graph order of the worst first; layers
 *  with an all-zero float32 reference only after every measurable one. */
export function worstDrops(layers: LayerResult[], n = BLAMED): BlamedLayer[] {
  const ranked = (ls: LayerResult[]) => ls
    .filter((l) => Number.isFinite(l.snrDb))
    .map((l) => ({ node: l.node, op: l.op, tensor: l.tensor, snrDb: l.snrDb, inputSnrDb: l.inputSnrDb ?? 200 }))
    .filter((l) => drop(l) > 0)
    .sort((a, b) => drop(b) - drop(a));
  return [...ranked(layers.filter((l) => !zeroReference(l))), ...ranked(layers.filter(zeroReference))].slice(0, n);
}

/** Per-layer split of the quantized model on one sample (compare's float32 → int8 stage); temporary files only. */
export async function blameLayers(onnxBytes: Uint8Array, onnxPath: string | undefined, floatTflite: Uint8Array,
  quantTflite: Uint8Array, sample: Tensor[]): Promise<BlamedLayer[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-guard-'));
  try {
    let onnx = onnxPath && fs.existsSync(onnxPath) ? onnxPath : '';
    if (!onnx) { onnx = path.join(dir, 'model.onnx'); fs.writeFileSync(onnx, onnxBytes); }
    const inputs = path.join(dir, 'inputs');
    fs.mkdirSync(inputs);
    // Named by position (compare matches unnamed files to the inputs in order).
    sample.forEach((t, k) => fs.writeFileSync(path.join(inputs, `${String(k).padStart(4, '0')}.npy`), encodeNpy(t)));
    fs.writeFileSync(path.join(dir, 'float.tflite'), floatTflite);
    fs.writeFileSync(path.join(dir, 'int8.tflite'), quantTflite);
    const report = await compareModels(onnx, path.join(dir, 'int8.tflite'), { inputsDir: inputs, floatTflite: path.join(dir, 'float.tflite') });
    const stage = report.stages?.find((s) => s.name === 'quantization');
    return worstDrops(stage?.layers ?? report.layers);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One line for the blamed layers: `node (Op) 41→12 dB, ...`. */
export function blameText(blame: BlamedLayer[]): string {
  if (blame.length === 0) return 'no layer could be compared';
  return blame.map((b) => `${b.node || b.tensor} (${b.op}) ${b.inputSnrDb >= 200 ? 'exact input' : `${b.inputSnrDb.toFixed(0)} dB`} → ${b.snrDb.toFixed(0)} dB`).join(', ');
}
