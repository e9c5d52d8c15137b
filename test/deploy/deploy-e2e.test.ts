// End to end against a real sshd on 127.0.0.1: a converted shared model deployed with --reference (accuracy
// reported), the hash skip, a ~/.ssh/config alias with a file name holding a space and a `$`, and cancellation
// during the timed runs (the remote process is gone afterwards).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { deploy } from '../../src/deploy/deploy';
import { DeployError } from '../../src/deploy/errors';
import { runCli } from './cli';
import { requireDeviceRuntime } from './device-runtime';
import { sharedModel, tinyModel, workDir } from './models';
import { USER, canRunSshd, processGone, processesWith, startSshd, type Sshd } from './sshd';

const skip = canRunSshd();
const noRuntime = requireDeviceRuntime(skip);
let sshd: Sshd;
const remote = (name: string) => path.join(sshd.home, name);
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

before(async () => { if (!skip) sshd = await startSshd(); });
after(async () => { if (sshd) await sshd.cleanup(); });

test('deploys a converted shared model and checks it against ONNX (--json contract)', { skip: skip ?? noRuntime, timeout: 300_000 }, async () => {
  const m = sharedModel('mobilenet_v3_small');
  const e2e = sshd.fresh('e2e');
  const args = ['deploy', m.tflite, '--host', `${USER}@127.0.0.1:${sshd.port}`, '--identity', sshd.identity,
    '--known-hosts', sshd.knownHosts, '--remote-dir', `~/${e2e}`, '--runs', '3', '--warmup', '1', '--reference', m.onnx,
    '--inputs', '../shared/models/mobilenet_v3_small.test_data_set_0', '--json'];
  const r = await runCli(args);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j), ['device', 'runtime', 'upload', 'timings', 'peakRssMb', 'accuracy']);
  assert.deepEqual(Object.keys(j.device), ['host', 'arch', 'model', 'os', 'python', 'cpus', 'memMb']);
  assert.deepEqual(Object.keys(j.runtime), ['name', 'version', 'threads']);
  assert.deepEqual(Object.keys(j.upload), ['bytes', 'skipped', 'ms']);
  assert.deepEqual(Object.keys(j.timings), ['loadMs', 'firstMs', 'minMs', 'p50Ms', 'p90Ms', 'p99Ms', 'maxMs', 'runs']);
  assert.equal(j.device.host, '127.0.0.1');
  assert.equal(j.runtime.name, 'pyarmnn:CpuRef');
  assert.equal(j.upload.skipped, false);
  assert.equal(j.upload.bytes, fs.statSync(m.tflite).size);
  assert.equal(j.timings.runs, 3);
  assert.ok(j.timings.minMs <= j.timings.p50Ms && j.timings.p50Ms <= j.timings.p90Ms && j.timings.p99Ms <= j.timings.maxMs);
  assert.ok(j.peakRssMb > 0);
  assert.equal(j.accuracy.length, 1);
  assert.ok(j.accuracy[0].cosine > 0.9999, JSON.stringify(j.accuracy));
  assert.ok(j.accuracy[0].maxAbs < 1e-3, JSON.stringify(j.accuracy));
  assert.equal(sha(remote(`${e2e}/mobilenet_v3_small.tflite`)), sha(m.tflite));
  // The run folder is cleaned up; only the runner and the model stay.
  assert.deepEqual(fs.readdirSync(remote(e2e)).sort(), ['mobilenet_v3_small.tflite', 'onnx2lite-runner.py']);

  // Same file again: the upload is skipped by hash; the human output names the percentiles and the accuracy.
  // A run folder left by a dropped connection more than a day ago is removed.
  const stale = remote(`${e2e}/run-stale`);
  fs.mkdirSync(stale);
  fs.utimesSync(stale, new Date(Date.now() - 2 * 86400_000), new Date(Date.now() - 2 * 86400_000));
  const again = await runCli(args.filter((a) => a !== '--json'));
  assert.equal(fs.existsSync(stale), false, 'stale run folder removed');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /upload +skipped \(same SHA-256/);
  assert.match(again.stdout, /latency +min .* p50 .* p90 .* p99 .* max .*\(3 runs\)/);
  assert.match(again.stdout, /accuracy +output_0: max abs error \S+, cosine (0\.99|1\.0)/);
});

test('a ~/.ssh/config alias, and a model file name with a space, quotes and $ (no injection)', { skip: skip ?? noRuntime, timeout: 120_000 }, async () => {
  const home = fs.mkdtempSync(path.join(workDir, 'home-'));
  fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
  fs.copyFileSync(sshd.identity, path.join(home, '.ssh', 'device_key'));
  fs.chmodSync(path.join(home, '.ssh', 'device_key'), 0o600);
  fs.writeFileSync(path.join(home, '.ssh', 'config'), `Host mypi\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${USER}\n  IdentityFile ~/.ssh/device_key\n`);
  fs.copyFileSync(sshd.knownHosts, path.join(home, '.ssh', 'known_hosts'));
  const name = `tiny $(touch pwned) 'q' $HOME.tflite`;
  const local = path.join(workDir, name);
  fs.copyFileSync(tinyModel().tflite, local);
  const dir = sshd.fresh('odd dir $USER');
  const r = await runCli(['deploy', local, '--host', 'mypi', '--remote-dir', dir, '--runs', '2', '--warmup', '0',
    '--reference', tinyModel().onnx, '--json'], { home });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.accuracy[0].cosine > 0.9999);
  assert.ok(fs.existsSync(path.join(sshd.home, dir, name)), 'the model keeps its exact name on the device');
  assert.equal(fs.existsSync(path.join(sshd.home, 'pwned')), false);
  assert.equal(fs.existsSync(path.join(sshd.home, dir, 'pwned')), false);
});

test('cancelling during the timed runs kills the remote process', { skip: skip ?? noRuntime, timeout: 120_000 }, async () => {
  const controller = new AbortController();
  const cancelDir = sshd.fresh('cancel');
  let pid: number | undefined;
  let sawRuns = false;
  const p = deploy({
    model: tinyModel().tflite, host: `${USER}@127.0.0.1:${sshd.port}`, identity: sshd.identity,
    knownHosts: sshd.knownHosts, agent: false, sshConfigFile: null, remoteDir: `~/${cancelDir}`, runs: 10_000_000, warmup: 0,
  }, {
    signal: controller.signal,
    onProgress: (ev) => {
      if (ev.remotePid) pid = ev.remotePid;
      if (ev.step === 'run' && (ev.done ?? 0) > 0 && !sawRuns) {
        sawRuns = true;
        assert.equal(processGone(ev.remotePid!), false, 'the runner is running');
        controller.abort();
      }
    },
  });
  await assert.rejects(p, (e: unknown) => e instanceof DeployError && e.code === 'cancelled');
  assert.ok(sawRuns && pid !== undefined);
  assert.equal(processGone(pid!), true, `runner ${pid} still running after cancel`);
  // The run folder is removed as well.
  assert.deepEqual(fs.readdirSync(remote(cancelDir)).filter((f) => f.startsWith('run-')), []);
});

test('keys from ssh-agent (SSH_AUTH_SOCK)', { skip: skip ?? noRuntime, timeout: 60_000 }, async () => {
  const sock = path.join(fs.mkdtempSync(path.join(workDir, 'agent-')), 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ssh-add', ['-q', sshd.identity], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    const r = await deploy({
      model: tinyModel().tflite, host: `${USER}@127.0.0.1:${sshd.port}`, knownHosts: sshd.knownHosts, agent: sock,
      sshConfigFile: null, remoteDir: `~/${sshd.fresh('agent')}`, runs: 1, warmup: 0,
    });
    assert.equal(r.report.timings.runs, 1);
  } finally {
    agent.kill();
  }
});

test('Ctrl-C on the CLI during the timed runs stops the remote runner', { skip: skip ?? noRuntime, timeout: 120_000 }, async () => {
  const dir = sshd.fresh('sigint');
  let cli = 0;
  const done = runCli(['deploy', tinyModel().tflite, '--host', `${USER}@127.0.0.1:${sshd.port}`, '--identity', sshd.identity,
    '--known-hosts', sshd.knownHosts, '--remote-dir', `~/${dir}`, '--runs', '10000000', '--warmup', '0'], { onSpawn: (pid) => { cli = pid; } });
  // The runner is running once its process exists with the timed-run arguments (the device is this machine).
  const needle = `${dir}/onnx2lite-runner.py run`;
  let runner: number[] = [];
  for (let i = 0; i < 600 && runner.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    runner = processesWith(needle);
  }
  assert.equal(runner.length, 1, 'the runner started');
  process.kill(cli, 'SIGINT');
  const r = await done;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^onnx2lite: deploy cancelled$/m);
  assert.equal(processGone(runner[0]), true, 'the remote runner is gone');
});

test('the esbuild bundle carries the runner inside it (no runner.py next to the bundle)', { skip: skip ?? noRuntime, timeout: 120_000 }, async () => {
  const esbuild = await import('esbuild');
  // Inside the repository (test-output/ is ignored by git) so the bundle's externals resolve from node_modules.
  fs.mkdirSync('test-output', { recursive: true });
  const outDir = fs.mkdtempSync(path.join('test-output', 'deploy-bundle-'));
  await esbuild.build({
    entryPoints: ['src/cli/main.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error',
    external: ['vscode', 'onnxruntime-node', '@litertjs/core', 'ssh2', 'cpu-features'], outfile: path.join(outDir, 'cli.js'),
  });
  try {
    assert.equal(fs.existsSync(path.join(outDir, 'runner.py')), false);
    const dir = sshd.fresh('bundle');
    const out = execFileSync(process.execPath, [path.join(outDir, 'cli.js'), 'deploy', tinyModel().tflite, '--host',
      `${USER}@127.0.0.1:${sshd.port}`, '--identity', sshd.identity, '--known-hosts', sshd.knownHosts, '--remote-dir',
      `~/${dir}`, '--runs', '1', '--warmup', '0', '--json'], { encoding: 'utf8', env: { ...process.env, SSH_AUTH_SOCK: '' }, timeout: 100_000 });
    assert.equal(JSON.parse(out).timings.runs, 1);
    const shipped = fs.readFileSync(path.join(sshd.home, dir, 'onnx2lite-runner.py'), 'utf8');
    assert.equal(shipped, fs.readFileSync('src/deploy/runner.py', 'utf8'));
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
});
