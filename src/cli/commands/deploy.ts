// `onnx2lite deploy MODEL.tflite --host [user@]host[:port] ...`: upload to a device over SSH, run, report.
import { parseArgs } from 'node:util';
import { deploy as runDeploy, reportJson, type DeployProgress, type DeployResult } from '../../deploy/index';
import { Command, UsageError, parseInputValues } from '../command';

function intOption(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw new UsageError(`${name} must be an integer ≥ ${min} (got "${v}")`);
  return Number(v);
}

/** --connect-timeout SECONDS: a positive number of seconds, in milliseconds. */
function secondsOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v.trim());
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(x > 0) || x > 3600) throw new UsageError(`${name} must be a number of seconds > 0 and ≤ 3600 (got "${v}")`);
  return Math.round(x * 1000);
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function formatResult(r: DeployResult): string {
  const { report: j } = r;
  const d = j.device;
  const lines = [
    `device    ${d.host}: ${d.model ?? 'unknown model'} (${d.arch}, ${d.cpus} CPUs, ${d.memMb ?? '?'} MB RAM${r.memAvailableMb != null ? `, ${r.memAvailableMb} MB free` : ''})`,
    `          ${d.os}, Python ${d.python}`,
    `runtime   ${j.runtime.name} ${j.runtime.version ?? ''} (${j.runtime.threads} thread${j.runtime.threads === 1 ? '' : 's'})`,
    `upload    ${j.upload.skipped ? 'skipped (same SHA-256 on the device)' : `${(j.upload.bytes / 1048576).toFixed(2)} MB`} in ${ms(j.upload.ms)} ms → ${r.remoteModel}`,
    `load      ${ms(j.timings.loadMs)} ms, first inference ${ms(j.timings.firstMs)} ms`,
    `latency   min ${ms(j.timings.minMs)}  p50 ${ms(j.timings.p50Ms)}  p90 ${ms(j.timings.p90Ms)}  p99 ${ms(j.timings.p99Ms)}  max ${ms(j.timings.maxMs)} ms (${j.timings.runs} runs)`,
    `memory    peak RSS ${j.peakRssMb.toFixed(1)} MB`,
  ];
  for (const a of j.accuracy ?? []) {
    lines.push(`accuracy  ${a.output}: max abs error ${a.maxAbs.toExponential(3)}, cosine ${a.cosine.toFixed(6)}`);
  }
  return lines.join('\n');
}

const OPTIONS = {
  host: { type: 'string' }, identity: { type: 'string' }, 'known-hosts': { type: 'string' },
  'remote-dir': { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' },
  threads: { type: 'string' }, reference: { type: 'string' }, inputs: { type: 'string' },
  'input-value': { type: 'string', multiple: true },
  json: { type: 'boolean' }, 'accept-new-host': { type: 'boolean' }, 'connect-timeout': { type: 'string' },
} as const;

export const deploy: Command = {
  summary: 'upload a .tflite to a device over SSH, run it, report latency, memory and accuracy',
  usage: `Usage: onnx2lite deploy MODEL.tflite --host [user@]host[:port] [options]

  --host [user@]host[:port]  the device (a ~/.ssh/config Host alias works; its HostName/User/Port/IdentityFile apply)
  --identity KEY         private key file (default: ~/.ssh/config IdentityFile, else ~/.ssh/id_{ed25519,ecdsa,rsa};
                         ssh-agent is used too when SSH_AUTH_SOCK is set)
  --known-hosts FILE     known_hosts file (default ~/.ssh/known_hosts)
  --accept-new-host      trust an unknown host key and add it to known_hosts (a changed key is always refused)
  --connect-timeout S    seconds to reach the SSH handshake (TCP connect, greeting, key exchange; default 10):
                         a host that accepts the connection but never speaks SSH fails after it
  --remote-dir DIR       folder on the device (default ~/onnx2lite/)
  --runs N               timed runs (default 50)
  --warmup N             untimed runs after the first inference (default 5)
  --threads N            interpreter threads (default: the device's CPU count)
  --reference MODEL.onnx run the same inputs through this ONNX model locally and report each output's
                         max abs error and cosine similarity
  --inputs DIR           input tensors (.pb TensorProto or .npy, ONNX layout); default: seeded random [0, 1)
  --input-value NAME=V,...  give an input these values, e.g. --input-value sr=16000 (repeatable; inputs frozen at
                         conversion are fed to --reference from the model's metadata by themselves)
  --json                 print one JSON object (stable interface)`,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0]);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('deploy takes exactly one .tflite model file');
    if (!values.host) throw new UsageError('deploy needs --host [user@]host[:port]');
    const json = values.json === true;
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigint);
    // Progress goes to stderr on a terminal: one line per step, upload and timed runs updated in place.
    const showProgress = !json && process.stderr.isTTY === true;
    let lastMessage = '';
    let inline = false;
    const onProgress = (p: DeployProgress) => {
      if (!showProgress) return;
      if (p.step === 'upload' && p.totalBytes) {
        const pct = Math.round(((p.bytes ?? 0) / p.totalBytes) * 100);
        process.stderr.write(`\r  ${p.message}: ${pct}% of ${(p.totalBytes / 1048576).toFixed(1)} MB`);
        inline = true;
      } else if (p.step === 'run' && p.total && p.done) {
        process.stderr.write(`\r  timed run ${p.done} of ${p.total}`);
        inline = true;
      } else if (p.message !== lastMessage) {
        process.stderr.write(`${inline ? '\n' : ''}  ${p.message}\n`);
        inline = false;
        lastMessage = p.message;
      }
    };
    try {
      const result = await runDeploy({
        model: positionals[0], host: values.host, identity: values.identity, knownHosts: values['known-hosts'],
        remoteDir: values['remote-dir'], runs: intOption(values.runs, '--runs', 1),
        warmup: intOption(values.warmup, '--warmup', 0), threads: intOption(values.threads, '--threads', 1),
        reference: values.reference, inputs: values.inputs, inputValues: parseInputValues(values['input-value']), acceptNewHost: values['accept-new-host'] === true,
        timeouts: { handshakeMs: secondsOption(values['connect-timeout'], '--connect-timeout') },
      }, { onProgress, signal: controller.signal });
      if (inline) process.stderr.write('\n');
      process.stdout.write(json ? JSON.stringify(reportJson(result.report)) + '\n' : formatResult(result) + '\n');
      return 0;
    } catch (e) {
      if (inline) process.stderr.write('\n');
      throw e;
    } finally {
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigint);
    }
  },
};
