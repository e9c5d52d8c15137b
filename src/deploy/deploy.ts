// `deploy`: connect, upload the runner and the model, probe the device, run the model with warm-up and timed runs,
// and compare its outputs with the ONNX reference. Called by the CLI and by the VS Code command (progress callback,
// AbortSignal: cancelling kills the remote process and closes the connection).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import { ModelError, type Tensor } from '../ir/types';
import { parseTflite } from '../tflite/reader';
import { connectSsh, resolveTarget, type SshTarget } from './connect';
import { DeployError, throwIfAborted } from './errors';
import { decodeNpy, encodeNpy } from '../core/npy';
import { shellCommand, shellQuote, posixJoin, resolveRemoteDir } from './quote';
import { runReference } from './reference';
import { frozenInputs } from '../convert/metadata';
import { readMetadata } from '../runtime/tflite-onnx-io';
import {
  downloadFile, execRemote, mkdirp, openSftp, sftpOps, uploadAtomic, withTimeout, type ExecResult,
} from './remote';
import { runnerSource } from './runner-source';
import { compare, modelIo, prepareInputs, readInputsDir, toOnnxView, type OutputAccuracy } from './tensors';
import {
  percentile, type DeployHooks, type DeployOptions, type DeployProgress, type DeployReport, type DeployResult,
} from './types';

const MARK = '@@onnx2lite@@ ';
export const RUNNER_NAME = 'onnx2lite-runner.py';

interface RunnerEvent { event: string; [k: string]: unknown }
interface ProbeEvent extends RunnerEvent {
  device: { arch: string; model: string | null; os: string; python: string; cpus: number; memMb: number | null; memAvailableMb: number | null };
  numpy: string | null;
  runtime: { name: string; version: string | null } | null;
  tried: { name: string; error: string }[];
  install: string[];
}
interface ResultEvent extends RunnerEvent {
  loadMs: number; firstMs: number; times: number[]; peakRssMb: number;
  runtime: { name: string; version: string | null; threads: number };
  outputs: { index: number; name: string; file: string; shape: number[]; dtype: string }[];
}

function events(stdout: string): RunnerEvent[] {
  const out: RunnerEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(MARK)) continue;
    try { out.push(JSON.parse(line.slice(MARK.length)) as RunnerEvent); } catch { /* not ours */ }
  }
  return out;
}

function positiveInt(v: number | undefined, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min) throw new DeployError('bad-input', `${name} must be an integer ≥ ${min} (got ${v})`);
  return v;
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop()?.slice(0, 300) ?? '';
}

/** A device's error text (a Python exception can span lines) as one line. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim().slice(0, 600);
}

/** Reads a local file that must exist, as one clear error when it does not. */
function readLocal(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new DeployError('bad-input', `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function deploy(opts: DeployOptions, hooks: DeployHooks = {}): Promise<DeployResult> {
  const { signal } = hooks;
  const progress = (p: DeployProgress) => { try { hooks.onProgress?.(p); } catch { /* a UI error never stops a deploy */ } };
  const runs = positiveInt(opts.runs, '--runs', 50, 1);
  const warmup = positiveInt(opts.warmup, '--warmup', 5, 0);
  const threads = opts.threads === undefined ? undefined : positiveInt(opts.threads, '--threads', 0, 1);
  const commandMs = opts.timeouts?.commandMs ?? 120_000;
  const runInactivityMs = opts.timeouts?.runInactivityMs ?? 300_000;
  const python = opts.python ?? 'python3';

  // Everything local first: a bad file fails before anything is sent.
  progress({ step: 'prepare', message: 'reading the model' });
  const modelBytes = readLocal(opts.model, 'model');
  let io: ReturnType<typeof modelIo>;
  let has16x8 = false;
  try {
    const parsed = parseTflite(modelBytes);
    io = modelIo(parsed);
    has16x8 = parsed.subgraphs.some((sg) => sg.tensors.some((t) => t.type === 'INT16' && !t.data?.byteLength));
  } catch (e) {
    throw new ModelError(`${opts.model} is not a readable .tflite model: ${(e as Error).message}`);
  }
  if (opts.reference) readLocal(opts.reference, '--reference model');
  const given = opts.inputs ? readInputsDir(opts.inputs) : undefined;
  const inputs = prepareInputs(io.inputs, given, 1, opts.inputValues);
  let reference: Map<string, Tensor> | undefined;
  if (opts.reference) {
    progress({ step: 'reference', message: 'running the ONNX reference locally (onnxruntime-node)' });
    // Inputs frozen at conversion (--input-value) are no .tflite inputs, but the ONNX model still takes them.
    reference = await runReference(opts.reference, [...inputs.onnx, ...frozenInputs(readMetadata(modelBytes))]);
  }
  const target: SshTarget = resolveTarget(opts.host, { identity: opts.identity, sshConfigFile: opts.sshConfigFile });
  throwIfAborted(signal);

  const t0 = performance.now();
  progress({ step: 'connect', message: `connecting to ${target.user}@${target.host}:${target.port}` });
  const client = await connectSsh(target, {
    knownHostsFile: opts.knownHosts, acceptNewHost: opts.acceptNewHost, password: opts.password, agent: opts.agent,
    readyTimeoutMs: opts.timeouts?.connectMs, handshakeTimeoutMs: opts.timeouts?.handshakeMs, signal,
  });
  let runDir: string | undefined;
  // Every remote step listens to one signal: the user's cancel, or the connection dropping.
  let connectionLost = false;
  const steps = new AbortController();
  const onUserAbort = () => steps.abort();
  signal?.addEventListener('abort', onUserAbort, { once: true });
  const onLost = () => { connectionLost = true; steps.abort(); };
  client.on('close', onLost);
  client.on('error', onLost);
  try {
    return await deployOn(client);
  } catch (e) {
    if (connectionLost && !signal?.aborted) {
      throw new DeployError('connection-lost', `the connection to ${target.host}:${target.port} was lost${e instanceof Error && !(e instanceof DeployError && e.code === 'cancelled') ? ` (${e.message})` : ''}`);
    }
    throw e;
  } finally {
    signal?.removeEventListener('abort', onUserAbort);
    if (runDir && !connectionLost) {
      await execRemote(client, shellCommand(['rm', '-rf', '--', runDir]), { inactivityMs: 10_000, what: 'cleaning up' }).catch(() => undefined);
    }
    client.removeListener('close', onLost);
    client.end();
  }

  async function deployOn(client: Client): Promise<DeployResult> {
    const signal = steps.signal;
    const exec = (command: string, what: string, extra: Partial<Parameters<typeof execRemote>[2]> = {}) =>
      execRemote(client, command, { inactivityMs: commandMs, signal, what, ...extra });
    const sftp = await openSftp(client, commandMs);
    const home = await withTimeout(sftpOps.realpath(sftp, '.'), commandMs, 'reading the home directory');
    const dir = resolveRemoteDir(opts.remoteDir ?? '~/onnx2lite', home);
    await mkdirp(sftp, dir, commandMs);
    const tConnected = performance.now();

    // Upload the runner (tiny) and check the model's hash in one round trip.
    progress({ step: 'upload', message: `checking ${dir} on the device` });
    const runnerText = await runnerSource();
    const runnerPath = posixJoin(dir, RUNNER_NAME);
    const base = path.basename(opts.model);
    const remoteModel = posixJoin(dir, base);
    const hashes = await remoteHashes(exec, python, [runnerPath, remoteModel], dir);
    if (hashes.get(runnerPath) !== sha256(runnerText)) {
      await uploadAtomic(sftp, Buffer.from(runnerText), tmpName(dir, RUNNER_NAME), runnerPath, { inactivityMs: commandMs, signal });
    }
    const tRunner = performance.now();

    // Probe before sending the model: a device without a runtime gets nothing more.
    throwIfAborted(signal);
    progress({ step: 'probe', message: 'probing the device' });
    const probeRes = await exec(shellCommand([python, runnerPath, 'probe', '--watch-stdin']), 'probing the device', { keepStdin: true });
    const probe = checkProbe(probeRes, target, python);
    const tProbed = performance.now();

    const modelHash = sha256(modelBytes);
    const skipped = hashes.get(remoteModel) === modelHash;
    if (skipped) {
      progress({ step: 'upload', message: `${base} is already on the device (same SHA-256)`, bytes: modelBytes.length, totalBytes: modelBytes.length });
    } else {
      await removeStalePartials(sftp, dir, base, commandMs);
      progress({ step: 'upload', message: `uploading ${base}`, bytes: 0, totalBytes: modelBytes.length });
      await uploadAtomic(sftp, modelBytes, tmpName(dir, base), remoteModel, {
        inactivityMs: commandMs, signal,
        onBytes: (sent, total) => progress({ step: 'upload', message: `uploading ${base}`, bytes: sent, totalBytes: total }),
      });
    }
    const tUploaded = performance.now();

    // Inputs as .npy in a run folder of its own.
    throwIfAborted(signal);
    runDir = posixJoin(dir, `run-${crypto.randomBytes(6).toString('hex')}`);
    const inDir = posixJoin(runDir, 'in');
    const outDir = posixJoin(runDir, 'out');
    await mkdirp(sftp, inDir, commandMs);
    await mkdirp(sftp, outDir, commandMs);
    for (let i = 0; i < inputs.device.length; i++) {
      const f = posixJoin(inDir, `input_${i}.npy`);
      await uploadAtomic(sftp, encodeNpy(inputs.device[i]), f + '.part', f, { inactivityMs: commandMs, signal });
    }

    progress({ step: 'run', message: `running ${base}: ${warmup} warm-up + ${runs} timed runs`, done: 0, total: runs });
    let pid: number | undefined;
    const words = [python, runnerPath, 'run', '--model', remoteModel, '--inputs', inDir, '--outputs', outDir,
      '--runs', String(runs), '--warmup', String(warmup), '--watch-stdin'];
    if (threads !== undefined) words.push('--threads', String(threads));
    const tRun = performance.now();
    const runRes = await exec(shellCommand(words), 'running the model', {
      keepStdin: true,
      inactivityMs: runInactivityMs,
      onStdoutLine: (line) => {
        if (!line.startsWith(MARK)) return;
        let ev: RunnerEvent;
        try { ev = JSON.parse(line.slice(MARK.length)) as RunnerEvent; } catch { return; }
        if (ev.event === 'start') {
          pid = ev.pid as number;
          progress({ step: 'run', message: 'runner started', remotePid: pid, done: 0, total: runs });
        } else if (ev.event === 'loaded') {
          progress({ step: 'run', message: `model loaded in ${(ev.loadMs as number).toFixed(1)} ms`, remotePid: pid, done: 0, total: runs });
        } else if (ev.event === 'progress') {
          progress({ step: 'run', message: `timed run ${ev.done as number} of ${runs}`, remotePid: pid, done: ev.done as number, total: runs });
        }
      },
      onCancel: async () => {
        if (pid === undefined) return;
        await execRemote(client, `kill -9 ${pid} 2>/dev/null; true`, { inactivityMs: 5000, what: 'stopping the runner' }).catch(() => undefined);
      },
    });
    const runMs = performance.now() - tRun;
    const result = checkRun(runRes, probe, has16x8);

    throwIfAborted(signal);
    progress({ step: 'download', message: 'downloading the outputs' });
    const deviceOutputs: Tensor[] = [];
    for (const o of result.outputs) {
      const bytes = await downloadFile(sftp, posixJoin(outDir, o.file), commandMs);
      deviceOutputs.push(decodeNpy(bytes, o.name));
    }

    let accuracy: OutputAccuracy[] | undefined;
    if (reference) accuracy = accuracyOf(io.outputs, deviceOutputs, reference);

    const times = [...result.times].sort((a, b) => a - b);
    const report: DeployReport = {
      device: { host: target.host, arch: probe.device.arch, model: probe.device.model, os: probe.device.os, python: probe.device.python, cpus: probe.device.cpus, memMb: probe.device.memMb },
      runtime: { name: result.runtime.name, version: result.runtime.version, threads: result.runtime.threads },
      upload: { bytes: modelBytes.length, skipped, ms: round(tUploaded - tProbed + (tRunner - tConnected)) },
      timings: {
        loadMs: round(result.loadMs), firstMs: round(result.firstMs), minMs: round(times[0]), p50Ms: round(percentile(times, 50)),
        p90Ms: round(percentile(times, 90)), p99Ms: round(percentile(times, 99)), maxMs: round(times[times.length - 1]), runs: times.length,
      },
      peakRssMb: round(result.peakRssMb),
    };
    if (accuracy) report.accuracy = accuracy;
    progress({ step: 'done', message: 'done' });
    return {
      report, remoteModel, memAvailableMb: probe.device.memAvailableMb, latenciesMs: result.times,
      phasesMs: { connect: tConnected - t0, upload: tUploaded - tProbed + (tRunner - tConnected), probe: tProbed - tRunner, run: runMs },
    };
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function sha256(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function tmpName(dir: string, base: string): string {
  return posixJoin(dir, `.${base}.part-${crypto.randomBytes(6).toString('hex')}`);
}

async function removeStalePartials(sftp: SFTPWrapper, dir: string, base: string, timeoutMs: number): Promise<void> {
  const list = await withTimeout(sftpOps.readdir(sftp, dir), timeoutMs, `listing ${dir}`).catch(() => []);
  const prefix = `.${base}.part-`;
  for (const e of list) {
    if (e.filename.startsWith(prefix)) await withTimeout(sftpOps.unlink(sftp, posixJoin(dir, e.filename)), timeoutMs, 'removing a partial upload').catch(() => undefined);
  }
}

type Exec = (command: string, what: string) => Promise<ExecResult>;

/** SHA-256 of the files that exist on the device (sha256sum, else the device's Python). The same round trip
 *  removes run folders older than a day in `dir` (left by a connection that dropped during a run). */
async function remoteHashes(exec: Exec, python: string, files: string[], dir: string): Promise<Map<string, string>> {
  const py = 'import hashlib,sys\nfor f in sys.argv[1:]:\n  try: print(hashlib.sha256(open(f,"rb").read()).hexdigest() + "  " + f)\n  except OSError: pass';
  const quoted = files.map(shellQuote).join(' ');
  const cmd = `find ${shellQuote(dir)} -maxdepth 1 -type d -name 'run-*' -mmin +1440 -exec rm -rf -- {} + 2>/dev/null; `
    + `if command -v sha256sum >/dev/null 2>&1; then sha256sum -- ${quoted} 2>/dev/null; else ${shellQuote(python)} -c ${shellQuote(py)} ${quoted} 2>/dev/null; fi; true`;
  const res = await exec(cmd, 'hashing files on the device');
  const out = new Map<string, string>();
  const lines = res.stdout.split('\n');
  for (const line of lines) {
    const m = /^([0-9a-f]{64}) [ *](.*)$/.exec(line);
    if (m && files.includes(m[2])) out.set(m[2], m[1]);
  }
  return out;
}

function checkProbe(res: ExecResult, target: SshTarget, python: string): ProbeEvent {
  const where = `${target.user}@${target.host}`;
  if (res.code === 127) {
    throw new DeployError('no-python', `${python} is not installed on ${where}: install it (e.g. sudo apt install python3 python3-numpy)`);
  }
  const evs = events(res.stdout);
  const probe = evs.find((e) => e.event === 'probe') as ProbeEvent | undefined;
  if (!probe) {
    const err = evs.find((e) => e.event === 'error');
    throw new DeployError('remote-failed', `the device runner failed on ${where}: ${err ? oneLine(String(err.message)) : lastLine(res.stderr) || `exit code ${res.code}`}`);
  }
  const d = probe.device;
  const what = `${where} (${[d.model, d.arch, `Python ${d.python}`].filter(Boolean).join(', ')})`;
  if (!probe.numpy) {
    throw new DeployError('no-numpy', `NumPy is missing on ${what}: install it with: sudo apt install python3-numpy (or: ${python} -m pip install numpy)`);
  }
  if (!probe.runtime) {
    throw new DeployError('no-runtime', `no TFLite runtime on ${what}: tried ${probe.tried.map((t) => t.name).join(', ')}. Install one with: ${probe.install.join('   or: ')}`);
  }
  return probe;
}

function checkRun(res: ExecResult, probe: ProbeEvent, has16x8: boolean): ResultEvent {
  const evs = events(res.stdout);
  const result = evs.find((e) => e.event === 'result') as ResultEvent | undefined;
  if (result) return result;
  const err = evs.find((e) => e.event === 'error');
  const runtime = probe.runtime ? `${probe.runtime.name} ${probe.runtime.version ?? ''}`.trim() : 'the runtime';
  // Runtimes without 16x8 kernels (Arm NN 22 refuses the int64 biases) fail on `--int16 auto|all` models.
  const hint = has16x8 ? ' (the model has 16x8 layers with int16 activations: if this runtime has no 16x8 kernels, convert with --int16 off)' : '';
  if (err) throw new DeployError('run-failed', `the model failed on the device (${runtime}): ${oneLine(String(err.message))}${hint}`);
  const why = res.signal ? `killed by ${res.signal}` : `exit code ${res.code}`;
  throw new DeployError('run-failed', `the device runner stopped (${why}) with ${runtime}${lastLine(res.stderr) ? `: ${lastLine(res.stderr)}` : ''}`);
}

function accuracyOf(outputs: ReturnType<typeof modelIo>['outputs'], device: Tensor[], reference: Map<string, Tensor>): OutputAccuracy[] {
  const refList = [...reference.values()];
  return outputs.map((io, k) => {
    const name = io.mapping?.onnx ?? io.name;
    const ref = reference.get(name) ?? (reference.size === outputs.length ? refList[k] : undefined);
    if (!ref) throw new ModelError(`output ${name} of the .tflite model has no matching output in the --reference model`);
    return compare(ref.name, toOnnxView(io, device[k]), ref);
  });
}
