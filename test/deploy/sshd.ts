// Test device: a real OpenSSH server on 127.0.0.1 (free port, throwaway host key, per-run client key) and test
// users. `o2ltest` has Debian's python3 (/usr/bin first on its PATH) with numpy and pyarmnn; `o2lnort` gets,
// through ~/.ssh/environment, a python3 (a venv holding only numpy) whose import of every TFLite runtime fails.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const USER = 'o2ltest';
export const NORT_USER = 'o2lnort';
/** A user that logs in with a password (what VS Code keeps in SecretStorage). */
export const PASS_USER = 'o2lpass';
export const PASS_WORD = 'correct horse $battery';

export function canRunSshd(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (creates users, runs sshd)';
  if (!fs.existsSync('/usr/sbin/sshd')) return 'needs openssh-server';
  return undefined;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ensureUser(name: string): string {
  try {
    run('id', ['-u', name]);
  } catch {
    try {
      run('useradd', ['-m', '-s', '/bin/bash', name]);
    } catch {
      run('id', ['-u', name]); // another test run created it meanwhile
    }
  }
  run('usermod', ['-p', '*', name]);
  const home = run('getent', ['passwd', name]).split(':')[5];
  fs.mkdirSync(home, { recursive: true });
  return home;
}

/** The no-runtime user: PATH starts with a venv whose python3 has numpy and nothing else. */
function setupNoRuntimeUser(): string {
  const home = ensureUser(NORT_USER);
  const venv = path.join(home, 'py');
  const site = path.join(venv, 'lib', `python3.${run('/usr/bin/python3', ['-c', 'import sys; print(sys.version_info[1])']).trim()}`, 'site-packages');
  if (!fs.existsSync(path.join(venv, 'bin', 'python3'))) run('/usr/bin/python3', ['-m', 'venv', '--without-pip', venv]);
  const numpyDir = run('/usr/bin/python3', ['-c', 'import numpy, os; print(os.path.dirname(numpy.__file__))']).trim();
  if (!fs.existsSync(path.join(site, 'numpy'))) {
    try { fs.symlinkSync(numpyDir, path.join(site, 'numpy')); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.writeFileSync(path.join(home, '.ssh', 'environment'), `PATH=${venv}/bin:/usr/local/bin:/usr/bin:/bin\n`);
  run('chown', ['-R', `${NORT_USER}:${NORT_USER}`, home]);
  return home;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(1000);
    sock.once('data', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => { sock.destroy(); resolve(false); });
  });
}

export interface Sshd {
  port: number;
  dir: string;
  /** Client private key file authorized for the test users. */
  identity: string;
  /** A known_hosts file holding this server's key. */
  knownHosts: string;
  hostKeyLine: string;
  home: string;
  nortHome: string;
  proc: ChildProcess;
  /** A folder name under the users' homes that is new in this run (removed by stop()). */
  fresh(label: string): string;
  /** Kills sshd and every session it forked (a dropped device). */
  killAll(): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops sshd and removes this run's folders and keys. */
  cleanup(): Promise<void>;
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

function setupPasswordUser(): string {
  const home = ensureUser(PASS_USER);
  const hash = run('/usr/bin/python3', ['-c', 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_SHA512)))', PASS_WORD]).trim();
  run('usermod', ['-p', hash, PASS_USER]);
  return home;
}

export async function startSshd(): Promise<Sshd> {
  const home = ensureUser(USER);
  const passHome = setupPasswordUser();
  // The device's python3 is Debian's (python3-numpy, python3-pyarmnn), whatever else is on this machine's PATH.
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.writeFileSync(path.join(home, '.ssh', 'environment'), 'PATH=/usr/bin:/bin:/usr/local/bin\n');
  run('chown', ['-R', `${USER}:${USER}`, path.join(home, '.ssh')]);
  const nortHome = setupNoRuntimeUser();
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-sshd-'));
  fs.chmodSync(dir, 0o755);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'host', '-f', path.join(dir, 'host_key')]);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'client', '-f', path.join(dir, 'client_key')]);
  const pub = fs.readFileSync(path.join(dir, 'client_key.pub'), 'utf8');
  fs.mkdirSync(path.join(dir, 'keys'), { mode: 0o755 });
  for (const u of [USER, NORT_USER]) fs.writeFileSync(path.join(dir, 'keys', u), pub, { mode: 0o644 });
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${dir}/host_key`, `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/keys/%u`, 'StrictModes no', 'UsePAM no', 'PasswordAuthentication no',
    'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes', 'PermitRootLogin no', 'PermitUserEnvironment yes',
    'Subsystem sftp /usr/lib/openssh/sftp-server', 'PrintMotd no', 'LogLevel ERROR', 'MaxStartups 50',
    `Match User ${PASS_USER}`, '  PasswordAuthentication yes', '',
  ].join('\n'));
  const hostPub = fs.readFileSync(path.join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/);
  const hostKeyLine = `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}`;
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, hostKeyLine + '\n');

  const made: string[] = [];
  const sshd: Sshd = {
    port, dir, identity: path.join(dir, 'client_key'), knownHosts, hostKeyLine, home, nortHome,
    proc: undefined as unknown as ChildProcess,
    fresh(label) {
      const name = `o2l-${label}-${process.pid}-${made.length}`;
      made.push(name);
      return name;
    },
    killAll() {
      const pid = sshd.proc.pid;
      if (pid === undefined) return;
      for (const p of [pid, ...descendants(pid)]) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    },
    async stop() {
      if (sshd.proc.exitCode === null && sshd.proc.signalCode === null) {
        const exited = new Promise((r) => sshd.proc.once('exit', r));
        sshd.killAll();
        await exited;
      }
    },
    async restart() {
      await sshd.stop();
      await launch();
    },
    async cleanup() {
      await sshd.stop();
      for (const name of made) for (const h of [home, nortHome, passHome]) fs.rmSync(path.join(h, name), { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const launch = async () => {
    const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    sshd.proc = proc;
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`sshd exited: ${stderr}`);
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sshd did not start listening on ${port}: ${stderr}`);
  };
  await launch();
  return sshd;
}

/** A process id is gone (or a zombie) on this machine. */
export function processGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Pids of this machine's processes whose command line contains `needle` (the device is this machine). */
export function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').includes(needle) && !processGone(Number(d))) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}
