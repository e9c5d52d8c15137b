// known_hosts verification as OpenSSH does it: plain and hashed (`|1|salt|hash`) host fields, `[host]:port` for
// ports other than 22, patterns with `*`/`?`/`!`, `@revoked` lines; `@cert-authority` lines are not used.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostMatches } from './ssh-config';
import { DeployError } from './errors';

export interface KnownKey {
  line: number;
  keyType: string;
  key: Buffer;
  revoked: boolean;
}

export type HostKeyStatus =
  | { status: 'known' }
  | { status: 'unknown' }
  /** The host is known with other key(s): a possible man-in-the-middle. */
  | { status: 'changed'; knownTypes: string[]; lines: number[] }
  | { status: 'revoked'; line: number };

/** The name known_hosts stores for host:port. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type at the start of an SSH public key blob (e.g. 'ssh-ed25519'). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return hostMatches(field.split(','), name);
}

/** Keys in known_hosts text that apply to host:port. */
export function keysForHost(text: string, host: string, port: number): KnownKey[] {
  const name = knownHostName(host, port);
  const out: KnownKey[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    let marker: string | undefined;
    if (words[0].startsWith('@')) marker = words.shift();
    if (marker === '@cert-authority' || words.length < 3) continue;
    const [hosts, keyType, b64] = words;
    if (!hostFieldMatches(hosts, name)) continue;
    out.push({ line: i + 1, keyType, key: Buffer.from(b64, 'base64'), revoked: marker === '@revoked' });
  }
  return out;
}

/** Checks the key a server presented against known_hosts text. */
export function checkHostKey(text: string, host: string, port: number, key: Buffer): HostKeyStatus {
  const keys = keysForHost(text, host, port);
  const revoked = keys.find((k) => k.revoked && k.key.equals(key));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const valid = keys.filter((k) => !k.revoked);
  if (valid.some((k) => k.key.equals(key))) return { status: 'known' };
  if (valid.length === 0) return { status: 'unknown' };
  return { status: 'changed', knownTypes: [...new Set(valid.map((k) => k.keyType))], lines: valid.map((k) => k.line) };
}

/** Key types known for host:port (so the handshake can ask the server for one of those first). */
export function knownKeyTypes(text: string, host: string, port: number): string[] {
  return [...new Set(keysForHost(text, host, port).filter((k) => !k.revoked).map((k) => k.keyType))];
}

export function readKnownHosts(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    throw new DeployError('bad-input', `cannot read known_hosts file ${file}: ${code ?? (e as Error).message}`);
  }
}

/** Appends host:port's key to the file (created 0600, in a 0700 directory when missing). */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const existing = readKnownHosts(file);
  const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
  fs.appendFileSync(file, `${sep}${knownHostName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
}
