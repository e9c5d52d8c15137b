// The public shapes of a deploy: options, progress, and the report (`--json` prints `DeployReport`, a contract).
import type { NewHostInfo } from './connect';

export interface DeployOptions {
  /** The .tflite file to deploy. */
  model: string;
  /** `[user@]host[:port]` or a ~/.ssh/config alias. */
  host: string;
  identity?: string;
  knownHosts?: string;
  /** Default `~/onnx2lite/`. */
  remoteDir?: string;
  /** Timed runs (default 50) and untimed warm-up runs after the first inference (default 5). */
  runs?: number;
  warmup?: number;
  /** Interpreter threads; default: the device's CPU count. */
  threads?: number;
  /** The ONNX model to compare the device's outputs with (run locally with onnxruntime-node). */
  reference?: string;
  /** A folder of input tensors (.pb TensorProto or .npy), in the ONNX layout when the model has onnx2lite metadata. */
  inputs?: string;
  /** Values for named inputs (--input-value), in place of random or file data. */
  inputValues?: Map<string, number[]>;
  /** Unknown host key: false refuses (default), true records it, a function asks the user. */
  acceptNewHost?: boolean | ((info: NewHostInfo) => Promise<boolean>);
  /** From VS Code's SecretStorage only. */
  password?: string;
  /** ssh-agent socket (default $SSH_AUTH_SOCK), false for none. */
  agent?: string | false;
  /** Default ~/.ssh/config; null for none. */
  sshConfigFile?: string | null;
  /** The device's Python (default `python3`). */
  python?: string;
  /** connectMs: the whole connection with authentication (default 20 s); handshakeMs: until the SSH handshake
   *  (`--connect-timeout`, default 10 s). */
  timeouts?: { connectMs?: number; handshakeMs?: number; commandMs?: number; runInactivityMs?: number };
}

export type DeployStep = 'prepare' | 'connect' | 'upload' | 'probe' | 'run' | 'download' | 'reference' | 'done';

export interface DeployProgress {
  step: DeployStep;
  message: string;
  /** Upload: bytes sent of total. */
  bytes?: number;
  totalBytes?: number;
  /** Run: timed runs done of total. */
  done?: number;
  total?: number;
  /** Run: the runner's process id on the device. */
  remotePid?: number;
}

export interface DeployHooks {
  onProgress?: (p: DeployProgress) => void;
  signal?: AbortSignal;
}

/** The `--json` contract. */
export interface DeployReport {
  device: { host: string; arch: string; model: string | null; os: string; python: string; cpus: number; memMb: number | null };
  runtime: { name: string; version: string | null; threads: number };
  upload: { bytes: number; skipped: boolean; ms: number };
  timings: { loadMs: number; firstMs: number; minMs: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; runs: number };
  peakRssMb: number;
  accuracy?: { output: string; maxAbs: number; cosine: number }[];
}

/** What deploy returns: the report plus details that are not part of the JSON contract. */
export interface DeployResult {
  report: DeployReport;
  remoteModel: string;
  memAvailableMb: number | null;
  latenciesMs: number[];
  /** Wall time of each phase on this side (ms). */
  phasesMs: { connect: number; upload: number; probe: number; run: number };
}

/** Picks exactly the contract's fields, in the contract's order. */
export function reportJson(r: DeployReport): DeployReport {
  const out: DeployReport = {
    device: { host: r.device.host, arch: r.device.arch, model: r.device.model, os: r.device.os, python: r.device.python, cpus: r.device.cpus, memMb: r.device.memMb },
    runtime: { name: r.runtime.name, version: r.runtime.version, threads: r.runtime.threads },
    upload: { bytes: r.upload.bytes, skipped: r.upload.skipped, ms: r.upload.ms },
    timings: { loadMs: r.timings.loadMs, firstMs: r.timings.firstMs, minMs: r.timings.minMs, p50Ms: r.timings.p50Ms, p90Ms: r.timings.p90Ms, p99Ms: r.timings.p99Ms, maxMs: r.timings.maxMs, runs: r.timings.runs },
    peakRssMb: r.peakRssMb,
  };
  if (r.accuracy) out.accuracy = r.accuracy.map((a) => ({ output: a.output, maxAbs: a.maxAbs, cosine: a.cosine }));
  return out;
}

/** Percentile with linear interpolation (numpy's default). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * p / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
