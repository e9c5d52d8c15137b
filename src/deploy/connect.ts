// Opening an SSH connection to the device: `[user@]host[:port]` and ~/.ssh/config aliases, known_hosts checks
// (unknown → asks or refuses, changed → refuses before anything is sent), keys from files and ssh-agent, a password
// only when the caller passes one (VS Code keeps it in SecretStorage).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, utils, type AgentAuthMethod, type AuthMethod, type ConnectConfig, type PasswordAuthMethod, type PublicKeyAuthMethod } from 'ssh2';
import { DeployError, cancelled } from './errors';
import {
  appendKnownHost, checkHostKey, fingerprint, keyTypeOf, knownHostName, knownKeyTypes, readKnownHosts,
} from './known-hosts';
import { expandPathTokens, parseSshConfig, resolveSshHost } from './ssh-config';

export interface SshTarget {
  /** What the user typed (the ~/.ssh/config alias when there is one). */
  alias: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** True when the identity came from --identity: a missing file is then an error. */
  identityExplicit: boolean;
}

export interface TargetOptions {
  identity?: string;
  /** ~/.ssh/config by default; null to read none. */
  sshConfigFile?: string | null;
}

export interface NewHostInfo {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

export interface ConnectOptions {
  /** ~/.ssh/known_hosts by default. */
  knownHostsFile?: string;
  /** Unknown host key: false refuses (default), true accepts and records it, a function asks (VS Code). */
  acceptNewHost?: boolean | ((info: NewHostInfo) => Promise<boolean>);
  password?: string;
  /** ssh-agent socket; default $SSH_AUTH_SOCK; false for none. */
  agent?: string | false;
  /** The whole connection, authentication included (ssh2's readyTimeout; default 20 s, at least handshakeTimeoutMs). */
  readyTimeoutMs?: number;
  /** Until the SSH handshake is done (TCP connect, the server's greeting, key exchange); default
   *  DEFAULT_HANDSHAKE_TIMEOUT_MS. A host that accepts TCP but never speaks SSH fails here, not after readyTimeoutMs. */
  handshakeTimeoutMs?: number;
  keepaliveMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** `deploy --connect-timeout`'s default: a device on the LAN (a Pi Zero's key exchange included) is well within it. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Splits `[user@]host[:port]` (IPv6 as `[::1]:22`). */
export function parseHostSpec(spec: string): { user?: string; host: string; port?: number } {
  const at = spec.lastIndexOf('@');
  const user = at > 0 ? spec.slice(0, at) : undefined;
  let rest = at >= 0 ? spec.slice(at + 1) : spec;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    rest = v6[1];
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') === colon) {
      const p = rest.slice(colon + 1);
      if (!/^\d+$/.test(p)) throw new DeployError('bad-input', `--host "${spec}": port "${p}" is not a number`);
      port = Number(p);
      rest = rest.slice(0, colon);
    }
  }
  if (rest === '' || /\s/.test(rest)) throw new DeployError('bad-input', `--host "${spec}" is not of the form [user@]host[:port]`);
  if (port !== undefined && (port < 1 || port > 65535)) throw new DeployError('bad-input', `--host "${spec}": port out of range`);
  return { user, host: rest, port };
}

/** Resolves what the user typed with ~/.ssh/config: HostName, User, Port, IdentityFile. */
export function resolveTarget(spec: string, opts: TargetOptions = {}): SshTarget {
  const parsed = parseHostSpec(spec);
  const configFile = opts.sshConfigFile === undefined ? path.join(os.homedir(), '.ssh', 'config') : opts.sshConfigFile;
  let text = '';
  if (configFile) {
    try { text = fs.readFileSync(configFile, 'utf8'); } catch { /* no config */ }
  }
  const cfg = resolveSshHost(parseSshConfig(text, configFile ? path.dirname(configFile) : undefined), parsed.host);
  const port = parsed.port ?? cfg.port ?? 22;
  const user = parsed.user ?? cfg.user ?? os.userInfo().username;
  const host = cfg.hostName ? cfg.hostName.replace(/%h/g, parsed.host) : parsed.host;
  const tokens = { host, user, port, alias: parsed.host };
  let identityFiles: string[];
  const identityExplicit = opts.identity !== undefined;
  if (opts.identity !== undefined) identityFiles = [expandPathTokens(opts.identity, tokens)];
  else if (cfg.identityFiles.length > 0) identityFiles = cfg.identityFiles.map((f) => expandPathTokens(f, tokens));
  else identityFiles = DEFAULT_KEYS.map((k) => path.join(os.homedir(), '.ssh', k));
  return { alias: parsed.host, host, port, user, identityFiles, identityExplicit };
}

function hostKeyAlgorithms(knownTypes: string[]): string[] | undefined {
  if (knownTypes.length === 0) return undefined;
  const all = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512',
    'rsa-sha2-256', 'ssh-rsa'];
  const known = new Set(knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t])));
  return [...all.filter((a) => known.has(a)), ...all.filter((a) => !known.has(a))];
}

function authMethods(target: SshTarget, opts: ConnectOptions): { methods: AuthMethod[]; tried: string[] } {
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  const agent = opts.agent === undefined ? process.env.SSH_AUTH_SOCK : opts.agent || undefined;
  if (agent) {
    methods.push({ type: 'agent', username: target.user, agent } as AgentAuthMethod);
    tried.push('ssh-agent');
  }
  for (const file of target.identityFiles) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      if (target.identityExplicit) throw new DeployError('bad-input', `cannot read identity file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    const key = utils.parseKey(bytes);
    if (key instanceof Error) {
      const why = /passphrase|encrypted/i.test(key.message) ? 'it is passphrase-protected: load it with ssh-add' : key.message;
      if (target.identityExplicit) throw new DeployError('bad-input', `cannot use identity file ${file}: ${why}`);
      tried.push(`${file} (skipped: ${why})`);
      continue;
    }
    methods.push({ type: 'publickey', username: target.user, key: bytes } as PublicKeyAuthMethod);
    tried.push(file);
  }
  if (opts.password !== undefined) {
    methods.push({ type: 'password', username: target.user, password: opts.password } as PasswordAuthMethod);
    tried.push('password');
  }
  return { methods, tried };
}

function connectOnce(target: SshTarget, opts: ConnectOptions, accept: boolean | Buffer): Promise<Client> {
  const knownFile = opts.knownHostsFile ?? path.join(os.homedir(), '.ssh', 'known_hosts');
  const knownText = readKnownHosts(knownFile);
  const where = knownHostName(target.host, target.port);
  const { methods, tried } = authMethods(target, opts);
  if (methods.length === 0) {
    throw new DeployError('auth-failed', `no SSH key for ${target.user}@${where}: pass --identity KEY or load a key into ssh-agent${tried.length ? ` (${tried.join(', ')})` : ''}`);
  }
  return new Promise<Client>((resolve, reject) => {
    const client = new Client();
    let hostError: DeployError | undefined;
    let toRecord: Buffer | undefined;
    let settled = false;
    let tcp = false;
    const handshakeMs = opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const handshakeTimer = setTimeout(() => {
      // Destroyed first: ssh2's end() half-closes the socket, and a peer that never speaks never closes its side
      // (the socket, and ssh2's readyTimeout, would keep the process alive for another 20 s).
      client.destroy();
      finish(new DeployError('timeout', tcp
        ? `${where} accepted the TCP connection but sent no SSH handshake within ${handshakeMs / 1000} s (is an SSH server listening on port ${target.port}? --connect-timeout SECONDS waits longer)`
        : `timed out connecting to ${where}: no answer within ${handshakeMs / 1000} s (--connect-timeout SECONDS waits longer)`));
    }, handshakeMs);
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(handshakeTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        client.end();
        client.destroy();
        reject(err);
      } else resolve(client);
    };
    const onAbort = () => finish(cancelled());
    if (opts.signal?.aborted) { clearTimeout(handshakeTimer); return reject(cancelled()); }
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const hostVerifier = (key: Buffer): boolean => {
      const status = checkHostKey(knownText, target.host, target.port, key);
      const keyType = keyTypeOf(key);
      const fp = fingerprint(key);
      if (status.status === 'known') return true;
      if (status.status === 'revoked') {
        hostError = new DeployError('host-key-revoked', `the host key of ${where} (${keyType} ${fp}) is marked @revoked in ${knownFile} line ${status.line}: refusing to connect, nothing was sent`);
        return false;
      }
      if (status.status === 'changed') {
        hostError = new DeployError('host-key-changed',
          `WARNING: the host key of ${where} has CHANGED (it now presents ${keyType} ${fp}; ${knownFile} line ${status.lines.join(', ')} holds a different key). Someone could be intercepting the connection, or the device was reinstalled. Refusing to connect: nothing was sent. If the change is expected, remove the old key with: ssh-keygen -R '${where}' -f '${knownFile}'`);
        return false;
      }
      if (accept === true || (Buffer.isBuffer(accept) && accept.equals(key))) {
        toRecord = key;
        return true;
      }
      hostError = new DeployError('unknown-host',
        `the host ${where} is not in ${knownFile} (it presents ${keyType} ${fp}): check the fingerprint on the device (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and rerun with --accept-new-host to trust it`,
        { host: target.host, port: target.port, keyType, fingerprint: fp, key });
      return false;
    };

    client.on('connect', () => { tcp = true; });
    client.on('handshake', () => {
      clearTimeout(handshakeTimer);
      if (toRecord) {
        try { appendKnownHost(knownFile, target.host, target.port, toRecord); } catch (e) {
          finish(new DeployError('bad-input', `cannot record the host key in ${knownFile}: ${(e as Error).message}`));
        }
        toRecord = undefined;
      }
    });
    client.on('ready', () => finish(undefined));
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (hostError) return finish(hostError);
      const msg = err.message;
      if (err.level === 'client-authentication') {
        return finish(new DeployError('auth-failed', `authentication failed for ${target.user}@${where} (tried ${tried.join(', ')})`));
      }
      if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') {
        return finish(new DeployError('timeout', `timed out connecting to ${where}`));
      }
      if (err.code === 'ECONNREFUSED') return finish(new DeployError('connect-failed', `cannot connect to ${where}: connection refused (is sshd running on port ${target.port}?)`));
      if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return finish(new DeployError('connect-failed', `cannot connect to ${where}: host name not found`));
      if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return finish(new DeployError('connect-failed', `cannot connect to ${where}: host unreachable`));
      finish(new DeployError('connect-failed', `cannot connect to ${where}: ${msg}`));
    });
    client.on('close', () => finish(hostError ?? new DeployError('connection-lost', `the connection to ${where} closed during the handshake`)));

    const serverHostKey = hostKeyAlgorithms(knownKeyTypes(knownText, target.host, target.port));
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: Math.max(opts.readyTimeoutMs ?? 20000, handshakeMs),
      keepaliveInterval: opts.keepaliveMs ?? 5000,
      keepaliveCountMax: 3,
      hostVerifier,
      authHandler: methods,
      ...(serverHostKey ? { algorithms: { serverHostKey: serverHostKey as never } } : {}),
    };
    try {
      client.connect(config);
    } catch (e) {
      finish(new DeployError('connect-failed', `cannot connect to ${where}: ${(e as Error).message}`));
    }
  });
}

/** Connects and authenticates; an unknown host is put to `acceptNewHost` when it is a function. */
export async function connectSsh(target: SshTarget, opts: ConnectOptions = {}): Promise<Client> {
  const ask = typeof opts.acceptNewHost === 'function' ? opts.acceptNewHost : undefined;
  try {
    return await connectOnce(target, opts, opts.acceptNewHost === true);
  } catch (e) {
    if (!(ask && e instanceof DeployError && e.code === 'unknown-host' && e.hostKey)) throw e;
    const { key, ...info } = e.hostKey;
    if (opts.signal?.aborted) throw cancelled();
    if (!(await ask(info))) throw e;
    return connectOnce(target, opts, key);
  }
}
