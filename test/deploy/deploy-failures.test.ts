// What goes wrong with a device, against a real sshd on 127.0.0.1: unknown, hashed and changed host keys, a wrong
// key, a refused connection, the server killed in the middle of an upload (and the retry), a device without a
// TFLite runtime. Each failure is one DeployError line; nothing half-written is left under a real name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { once } from 'node:events';
import * as path from 'node:path';
import { deploy } from '../../src/deploy/deploy';
import { DeployError, type DeployErrorCode } from '../../src/deploy/errors';
import type { DeployOptions } from '../../src/deploy/types';
import { quantizeModelBytes } from '../../src/quantize/file';
import { serializeTflite } from '../../src/tflite/writer';
import { runCli } from './cli';
import { requireDeviceRuntime } from './device-runtime';
import { sharedModel, tinyModel, workDir } from './models';
import { NORT_USER, PASS_USER, PASS_WORD, USER, canRunSshd, freePort, startSshd, type Sshd } from './sshd';

const skip = canRunSshd();
const noRuntime = requireDeviceRuntime(skip);
let sshd: Sshd;
before(async () => { if (!skip) sshd = await startSshd(); });
after(async () => { if (sshd) await sshd.cleanup(); });

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

function opts(extra: Partial<DeployOptions>): DeployOptions {
  return {
    remoteDir: `~/${sshd.fresh('dir')}`,
    model: tinyModel().tflite, host: `${USER}@127.0.0.1:${sshd.port}`, identity: sshd.identity,
    knownHosts: sshd.knownHosts, agent: false, sshConfigFile: null, runs: 1, warmup: 0, ...extra,
  };
}

function isError(code: DeployErrorCode, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof DeployError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(!e.message.includes('\n'), 'one line');
    if (re) assert.match(e.message, re);
    return true;
  };
}

test('unknown host key: refused without --accept-new-host, recorded with it', { skip: skip ?? noRuntime, timeout: 120_000 }, async () => {
  const known = path.join(fs.mkdtempSync(path.join(workDir, 'kh-')), 'known_hosts');
  const base = ['deploy', tinyModel().tflite, '--host', `${USER}@127.0.0.1:${sshd.port}`, '--identity', sshd.identity,
    '--known-hosts', known, '--runs', '1', '--warmup', '0', '--remote-dir', `~/${sshd.fresh('unknown')}`, '--json'];
  const refused = await runCli(base);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^onnx2lite: the host \[127\.0\.0\.1\]:\d+ is not in .* SHA256:\S+\).*--accept-new-host/);
  assert.equal(refused.stderr.trim().split('\n').length, 1);
  assert.equal(fs.existsSync(known), false, 'nothing recorded');
  assert.equal(fs.existsSync(path.join(sshd.home, base[base.indexOf('--remote-dir') + 1].slice(2))), false, 'nothing sent');

  const accepted = await runCli([...base, '--accept-new-host']);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.equal(fs.readFileSync(known, 'utf8'), sshd.hostKeyLine + '\n');
  const again = await runCli(base);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(fs.readFileSync(known, 'utf8'), sshd.hostKeyLine + '\n', 'recorded once');

  // The VS Code way: a callback asked with the fingerprint.
  const known2 = path.join(path.dirname(known), 'known_hosts2');
  const asked: string[] = [];
  const r = await deploy(opts({ knownHosts: known2, acceptNewHost: async (info) => { asked.push(info.fingerprint); return true; } }));
  assert.equal(asked.length, 1);
  assert.match(asked[0], /^SHA256:/);
  assert.equal(r.report.timings.runs, 1);
  await assert.rejects(deploy(opts({ knownHosts: path.join(path.dirname(known), 'kh3'), acceptNewHost: async () => false })), isError('unknown-host'));
});

test('hashed known_hosts entries are honoured', { skip: skip ?? noRuntime, timeout: 60_000 }, async () => {
  const known = path.join(fs.mkdtempSync(path.join(workDir, 'kh-')), 'known_hosts');
  fs.copyFileSync(sshd.knownHosts, known);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', known], { stdio: 'ignore' });
  assert.match(fs.readFileSync(known, 'utf8'), /^\|1\|/);
  const r = await deploy(opts({ knownHosts: known }));
  assert.equal(r.report.runtime.name, 'pyarmnn:CpuRef');
});

test('changed host key: refused with a warning, nothing sent', { skip, timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(workDir, 'kh-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'other')]);
  const other = fs.readFileSync(path.join(dir, 'other.pub'), 'utf8').trim().split(/\s+/);
  const known = path.join(dir, 'known_hosts');
  const text = `[127.0.0.1]:${sshd.port} ${other[0]} ${other[1]}\n`;
  fs.writeFileSync(known, text);
  const changed = sshd.fresh('changed');
  await assert.rejects(deploy(opts({ knownHosts: known, acceptNewHost: true, remoteDir: `~/${changed}` })),
    isError('host-key-changed', /WARNING: the host key of \[127\.0\.0\.1\]:\d+ has CHANGED.*nothing was sent.*ssh-keygen -R/));
  assert.equal(fs.readFileSync(known, 'utf8'), text, 'known_hosts untouched');
  assert.equal(fs.existsSync(path.join(sshd.home, changed)), false, 'nothing sent');
});

test('wrong key, password login, refused connection', { skip: skip ?? noRuntime, timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(workDir, 'key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'wrong')]);
  await assert.rejects(deploy(opts({ identity: path.join(dir, 'wrong') })),
    isError('auth-failed', /authentication failed for o2ltest@\[127\.0\.0\.1\]:\d+/));
  await assert.rejects(deploy(opts({ identity: path.join(dir, 'missing') })), isError('bad-input', /cannot read identity file/));
  // A password (VS Code passes it from SecretStorage): a wrong one fails, the right one works, neither is printed.
  const noKeys = { identity: undefined, host: `${PASS_USER}@127.0.0.1:${sshd.port}`, runs: 1 };
  await assert.rejects(deploy(opts({ ...noKeys, password: 'wrong' })), (e: unknown) => {
    isError('auth-failed', /tried password/)(e);
    assert.ok(!(e as Error).message.includes('wrong'));
    return true;
  });
  const ok = await deploy(opts({ ...noKeys, password: PASS_WORD }));
  assert.equal(ok.report.timings.runs, 1);
  const port = await freePort();
  await assert.rejects(deploy(opts({ host: `${USER}@127.0.0.1:${port}` })), isError('connect-failed', /connection refused/));
  const r = await runCli(['deploy', tinyModel().tflite, '--host', `${USER}@127.0.0.1:${port}`, '--identity', sshd.identity]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^onnx2lite: cannot connect to \[127\.0\.0\.1\]:\d+: connection refused/);
});

test('no TFLite runtime on the device: the install command, and no model sent', { skip, timeout: 60_000 }, async () => {
  const nort = sshd.fresh('nort');
  await assert.rejects(deploy(opts({ host: `${NORT_USER}@127.0.0.1:${sshd.port}`, remoteDir: `~/${nort}` })),
    isError('no-runtime', /no TFLite runtime on o2lnort@127\.0\.0\.1 .*tried ai_edge_litert, tflite_runtime, tensorflow\.lite, pyarmnn.*pip install ai-edge-litert.*sudo apt install python3-pyarmnn/));
  assert.deepEqual(fs.readdirSync(path.join(sshd.nortHome, nort)), ['onnx2lite-runner.py']);
});

test('server killed in the middle of an upload: no partial file under the real name; a retry succeeds', { skip: skip ?? noRuntime, timeout: 300_000 }, async () => {
  const m = sharedModel('mobilenet_v3_small');
  const total = fs.statSync(m.tflite).size;
  const killed = sshd.fresh('killed');
  const remoteDir = path.join(sshd.home, killed);
  let killedAt = -1;
  await assert.rejects(deploy(opts({ model: m.tflite, remoteDir: `~/${killed}` }), {
    onProgress: (p) => {
      if (p.step === 'upload' && p.bytes && p.bytes < total && killedAt < 0) {
        killedAt = p.bytes;
        sshd.killAll();
      }
    },
  }), (e: unknown) => e instanceof DeployError && !e.message.includes('\n'));
  assert.ok(killedAt > 0 && killedAt < total);
  const files = fs.readdirSync(remoteDir);
  assert.equal(files.includes('mobilenet_v3_small.tflite'), false, `real name must not exist: ${files}`);
  for (const f of files.filter((n) => n.includes('.part-'))) assert.ok(fs.statSync(path.join(remoteDir, f)).size < total);

  await sshd.restart();
  const r = await deploy(opts({ model: m.tflite, remoteDir: `~/${killed}` }));
  assert.equal(r.report.upload.skipped, false);
  assert.equal(sha(path.join(remoteDir, 'mobilenet_v3_small.tflite')), sha(m.tflite));
  assert.deepEqual(fs.readdirSync(remoteDir).filter((n) => n.includes('.part-')), [], 'stale partial removed');
});

test('a 16x8 model on a runtime without 16x8 kernels (Arm NN): the error says to convert with --int16 off, which runs', { skip: skip ?? noRuntime, timeout: 180_000 }, async () => {
  const onnx = fs.readFileSync(tinyModel().onnx);
  const write = async (int16: 'all' | 'off') => {
    const file = path.join(workDir, `tiny-int8-${int16}.tflite`);
    fs.writeFileSync(file, serializeTflite((await quantizeModelBytes(onnx, tinyModel().onnx, {}, { mode: 'int8', int16, weightRounding: 'nearest' })).result.model));
    return file;
  };
  const wide = await write('all');
  await assert.rejects(deploy(opts({ model: wide })), isError('run-failed', /pyarmnn.*16x8 layers.*--int16 off/));
  const plain = await deploy(opts({ model: await write('off'), reference: tinyModel().onnx }));
  assert.ok(plain.report.accuracy![0]!.cosine > 0.999, JSON.stringify(plain.report.accuracy));
});

test('bad local input is one line before anything is sent', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(workDir, 'bad-'));
  const notTflite = path.join(dir, 'x.tflite');
  fs.writeFileSync(notTflite, 'not a model');
  const base = { host: 'nobody@127.0.0.1:1', agent: false as const, sshConfigFile: null };
  await assert.rejects(deploy({ ...base, model: notTflite }), /x\.tflite is not a readable \.tflite model/);
  await assert.rejects(deploy({ ...base, model: path.join(dir, 'missing.tflite') }), isError('bad-input', /cannot read model .*ENOENT/));
  await assert.rejects(deploy({ ...base, model: tinyModel().tflite, reference: path.join(dir, 'none.onnx') }), isError('bad-input', /--reference/));
  await assert.rejects(deploy({ ...base, model: tinyModel().tflite, runs: 0 }), isError('bad-input', /--runs must be an integer ≥ 1/));
  await assert.rejects(deploy({ ...base, model: tinyModel().tflite, host: 'pi@host:x' }), isError('bad-input', /port "x" is not a number/));
  // A directory as known_hosts was an internal EISDIR error (read once the server has answered).
  const key = path.join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const closing = net.createServer((c) => c.end()).listen(0, '127.0.0.1');
  await once(closing, 'listening');
  const at = { host: `nobody@127.0.0.1:${(closing.address() as net.AddressInfo).port}` };
  await assert.rejects(deploy({ ...base, ...at, model: tinyModel().tflite, identity: key, knownHosts: dir }), isError('bad-input', /cannot read known_hosts file .*: EISDIR/));
  closing.close();
  const r = await runCli(['deploy', tinyModel().tflite, '--host', 'h', '--runs', '-3']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a host that accepts TCP but never speaks SSH: one line after --connect-timeout, not ssh2\'s 20 s', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(workDir, 'mute-'));
  const key = path.join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const sockets: net.Socket[] = [];
  const mute = net.createServer((c) => { sockets.push(c); }).listen(0, '127.0.0.1');
  await once(mute, 'listening');
  const port = (mute.address() as net.AddressInfo).port;
  try {
    const base = { host: `nobody@127.0.0.1:${port}`, agent: false as const, sshConfigFile: null, identity: key, knownHosts: path.join(dir, 'known_hosts') };
    let t0 = performance.now();
    await assert.rejects(deploy({ ...base, model: tinyModel().tflite, timeouts: { handshakeMs: 700 } }),
      isError('timeout', /accepted the TCP connection but sent no SSH handshake within 0\.7 s/));
    const apiMs = performance.now() - t0;
    assert.ok(apiMs < 5000, `${apiMs.toFixed(0)} ms`);
    t0 = performance.now();
    const r = await runCli(['deploy', tinyModel().tflite, '--host', `nobody@127.0.0.1:${port}`, '--identity', key,
      '--known-hosts', path.join(dir, 'known_hosts'), '--connect-timeout', '1'], { home: dir });
    const cliMs = performance.now() - t0;
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /accepted the TCP connection but sent no SSH handshake within 1 s \(is an SSH server listening on port \d+\? --connect-timeout SECONDS waits longer\)/);
    assert.ok(cliMs < 15_000, `${cliMs.toFixed(0)} ms (ssh2's readyTimeout is 20 s)`);
    const bad = await runCli(['deploy', tinyModel().tflite, '--host', 'h', '--connect-timeout', '0'], { home: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--connect-timeout must be a number of seconds > 0/);
  } finally {
    for (const s of sockets) s.destroy();
    mute.close();
  }
});
