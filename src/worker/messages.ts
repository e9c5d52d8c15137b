// The messages between the extension host and its worker thread (src/worker/worker.ts): a map from method to params
// and result, like src/shared/protocol.ts. Long jobs report progress lines while they run.
import type { CompatReport } from '../shared/compat-types';
import type { AccuracyReport, HostNotifications, WeightStats, WireGraph } from '../shared/protocol';
import type { DeployReport } from '../deploy/types';
import type { ConvertMode } from '../quantize/modes';

/** A mode of src/quantize/modes.ts (the CLI's names: fp16, not float16). */
export type Quantization = ConvertMode;

export interface ImageNormalization { mean?: number[]; std?: number[]; channelOrder?: 'rgb' | 'bgr' }

export interface ConvertJob {
  file: string;
  out: string;
  quantization: Quantization;
  calibrationFolder?: string;
  /** How calibration images are normalized (the CLI's --mean, --std, --channel-order). */
  image?: ImageNormalization;
  inputShapes?: Record<string, number[]>;
  /** Inputs frozen to constants (setting onnx2lite.inputValues). */
  inputValues?: Record<string, number[]>;
  /** int8: write the model even when it misses the accuracy guard (--allow-degraded). */
  allowDegraded?: boolean;
}

export interface DeployJob {
  model: string;
  /** `[user@]host[:port]` or an ~/.ssh/config alias. */
  host: string;
  identity?: string;
  remoteDir?: string;
  reference?: string;
  acceptNewHost: boolean;
}

export interface WorkerMethods {
  /** Reads the model: its graph with declared shapes. */
  open: { params: { file: string; inputShapes?: Record<string, number[]>; inputValues?: Record<string, number[]> }; result: WireGraph };
  /** Shape inference on the opened model; null when there is nothing to add (TFLite). */
  shapes: { params: { file: string }; result: HostNotifications['shapes'] | null };
  stats: { params: { file: string; tensor: string }; result: WeightStats };
  compat: { params: { file: string }; result: { report: CompatReport | null; note?: string } };
  close: { params: { file: string }; result: void };
  convert: { params: ConvertJob; result: { out: string; bytes: number; notes: string[]; /** The self-check's line. */ verified?: string } };
  compare: { params: { onnx: string; tflite: string; inputs?: string }; result: AccuracyReport };
  deploy: { params: DeployJob; result: DeployReport };
}
export type WorkerMethod = keyof WorkerMethods;

export interface WorkerRequest<K extends WorkerMethod = WorkerMethod> { id: number; method: K; params: WorkerMethods[K]['params'] }
export type WorkerReply =
  | { id: number; kind: 'result'; result: unknown }
  | { id: number; kind: 'error'; error: string; code?: string }
  | { id: number; kind: 'progress'; message: string };
