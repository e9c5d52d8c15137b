// The deploy core's pure parts: shell quoting, ~/.ssh/config, known_hosts (plain, hashed, patterns), .npy, layout,
// percentiles, host specs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { parseHostSpec } from '../../src/deploy/connect';
import { checkHostKey, fingerprint, keyTypeOf } from '../../src/deploy/known-hosts';
import { decodeNpy, encodeNpy } from '../../src/core/npy';
import { resolveRemoteDir, shellCommand, shellQuote } from '../../src/deploy/quote';
import { listSshHosts, parseSshConfig, readSshConfigHosts, resolveSshHost } from '../../src/deploy/ssh-config';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compare } from '../../src/deploy/tensors';
import { transposeTensor as transpose } from '../../src/convert/constdata';
import { invert as inversePerm } from '../../src/convert/layout';
import { percentile } from '../../src/deploy/types';
import { makeTensor } from '../../src/ir/tensor';

test('shell quoting keeps spaces, quotes, $ and backticks literal', () => {
  const nasty = [`a b`, `it's`, `$HOME`, '`id`', `$(touch x)`, `a\nb`, `"q"`, ``, `-rf`];
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${nasty.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
  assert.deepEqual(out.split('\0').slice(0, -1), nasty);
  assert.equal(shellCommand(['python3', '/a b/r.py']), `python3 '/a b/r.py'`);
});

test('remote dir: ~ and relative paths are under the login home', () => {
  assert.equal(resolveRemoteDir('~/onnx2lite/', '/home/pi'), '/home/pi/onnx2lite');
  assert.equal(resolveRemoteDir('models', '/home/pi'), '/home/pi/models');
  assert.equal(resolveRemoteDir('/opt/m $x', '/home/pi'), '/opt/m $x');
});

test('host specs', () => {
  assert.deepEqual(parseHostSpec('pi@raspberrypi.local:2222'), { user: 'pi', host: 'raspberrypi.local', port: 2222 });
  assert.deepEqual(parseHostSpec('dev'), { user: undefined, host: 'dev', port: undefined });
  assert.deepEqual(parseHostSpec('u@[::1]:22'), { user: 'u', host: '::1', port: 22 });
  assert.throws(() => parseHostSpec('pi@host:abc'), /port/);
  assert.throws(() => parseHostSpec('pi@host:70000'), /range/);
});

test('~/.ssh/config: first value wins, IdentityFile accumulates, patterns and negation', () => {
  const blocks = parseSshConfig(`
# devices
Host pi pi4
  HostName 192.168.1.20
  User pi
  Port=2222
  IdentityFile ~/.ssh/pi_key
Host *.lab !bad.lab
  User lab
Host *
  User fallback
  IdentityFile "~/.ssh/id other"
Match host foo
  User matched
`, '/nonexistent');
  const pi = resolveSshHost(blocks, 'pi4');
  assert.equal(pi.hostName, '192.168.1.20');
  assert.equal(pi.user, 'pi');
  assert.equal(pi.port, 2222);
  assert.deepEqual(pi.identityFiles, ['~/.ssh/pi_key', '~/.ssh/id other']);
  assert.equal(resolveSshHost(blocks, 'x.lab').user, 'lab');
  assert.equal(resolveSshHost(blocks, 'bad.lab').user, 'fallback');
  assert.equal(resolveSshHost(blocks, 'foo').user, 'fallback');
  assert.deepEqual(listSshHosts(blocks), ['pi', 'pi4']);
});

test('~/.ssh/config Include and the device list', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-sshcfg-'));
  fs.mkdirSync(path.join(dir, 'conf.d'));
  fs.writeFileSync(path.join(dir, 'conf.d', 'pis.conf'), 'Host kitchen\n  HostName 10.0.0.7\n  User pi\n');
  fs.writeFileSync(path.join(dir, 'config'), 'Include conf.d/*.conf\nHost lab\n  HostName lab.local\n  Port 2200\n');
  assert.deepEqual(readSshConfigHosts(path.join(dir, 'config')), [
    { alias: 'kitchen', hostName: '10.0.0.7', user: 'pi', port: undefined, identityFiles: [] },
    { alias: 'lab', hostName: 'lab.local', user: undefined, port: 2200, identityFiles: [] },
  ]);
  assert.deepEqual(readSshConfigHosts(path.join(dir, 'missing')), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

function fakeKey(seed: string): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(type.length);
  const body = crypto.createHash('sha256').update(seed).digest();
  const blen = Buffer.alloc(4);
  blen.writeUInt32BE(body.length);
  return Buffer.concat([len, type, blen, body]);
}

test('known_hosts: plain, [host]:port, hashed, changed, revoked, unknown', () => {
  const k1 = fakeKey('one');
  const k2 = fakeKey('two');
  assert.equal(keyTypeOf(k1), 'ssh-ed25519');
  assert.match(fingerprint(k1), /^SHA256:[A-Za-z0-9+/]{43}$/);
  const salt = crypto.randomBytes(20);
  const hash = crypto.createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64');
  const text = [
    `# comment`,
    `pi.local,10.0.0.4 ssh-ed25519 ${k1.toString('base64')}`,
    `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${k1.toString('base64')}`,
    `*.lab ssh-ed25519 ${k2.toString('base64')}`,
    `@revoked * ssh-ed25519 ${fakeKey('bad').toString('base64')}`,
  ].join('\n');
  assert.equal(checkHostKey(text, 'pi.local', 22, k1).status, 'known');
  assert.equal(checkHostKey(text, '10.0.0.4', 22, k1).status, 'known');
  assert.equal(checkHostKey(text, 'pi.local', 2222, k1).status, 'unknown');
  assert.equal(checkHostKey(text, '10.0.0.5', 2222, k1).status, 'known');
  const changed = checkHostKey(text, '10.0.0.5', 2222, k2);
  assert.equal(changed.status, 'changed');
  assert.equal(checkHostKey(text, 'a.lab', 22, k2).status, 'known');
  assert.equal(checkHostKey(text, 'a.lab', 22, k1).status, 'changed');
  assert.equal(checkHostKey(text, 'x.lab', 22, fakeKey('bad')).status, 'revoked');
});

test('.npy round trip and layout transpose', () => {
  const t = makeTensor('x', 'float32', [1, 2, 3, 2], Array.from({ length: 12 }, (_, i) => i));
  const back = decodeNpy(encodeNpy(t), 'x');
  assert.deepEqual(back.dims, [1, 2, 3, 2]);
  assert.deepEqual(Array.from(back.data as Float32Array), Array.from(t.data as Float32Array));
  assert.equal((encodeNpy(t).length - 0) % 64, (12 * 4) % 64);
  const nhwc = transpose(t, [0, 2, 3, 1]);
  assert.deepEqual(nhwc.dims, [1, 3, 2, 2]);
  assert.equal((nhwc.data as Float32Array)[1], 6);
  const again = transpose(nhwc, inversePerm([0, 2, 3, 1]));
  assert.deepEqual(Array.from(again.data as Float32Array), Array.from(t.data as Float32Array));
  const c = compare('y', t, makeTensor('y', 'float32', [12], Array.from({ length: 12 }, (_, i) => i + (i === 3 ? 0.5 : 0))));
  assert.equal(c.maxAbs, 0.5);
  assert.ok(c.cosine > 0.99 && c.cosine < 1);
});

test('percentiles interpolate like numpy', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(v, 50), 5.5);
  assert.equal(percentile(v, 90), 9.1);
  assert.equal(percentile([7], 99), 7);
});
