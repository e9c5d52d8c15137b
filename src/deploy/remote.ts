// Commands and files on the device over one SSH connection: exec with a timeout and cancellation (which kills the
// remote process), and SFTP uploads to a temporary name, renamed only when complete.
import * as fs from 'node:fs';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { DeployError, cancelled } from './errors';

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Fails when no output arrives for this long (ms). */
  inactivityMs: number;
  signal?: AbortSignal;
  /** Keep stdin open (the runner exits when it closes); default: closed at once. */
  keepStdin?: boolean;
  onStdoutLine?: (line: string) => void;
  /** Called on cancellation, before the channel is closed (e.g. to kill the remote process by its pid). */
  onCancel?: () => Promise<void>;
  what: string;
}

/** Runs one command line (already quoted) and collects its output. */
export function execRemote(client: Client, command: string, opts: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(cancelled());
    let channel: ClientChannel | undefined;
    let settled = false;
    let stdout = '';
    let stderr = '';
    let pending = '';
    let timer: NodeJS.Timeout | undefined;
    const done = (err: Error | undefined, result?: ExecResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(result!);
    };
    const kill = async () => {
      try { channel?.signal('KILL'); } catch { /* server may not support signals */ }
      if (opts.onCancel) await opts.onCancel().catch(() => undefined);
      try { channel?.end(); channel?.close(); } catch { /* already closed */ }
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      if (settled) return;
      timer = setTimeout(() => {
        void kill();
        done(new DeployError('timeout', `${opts.what}: no answer from the device for ${Math.round(opts.inactivityMs / 1000)} s`));
      }, opts.inactivityMs);
    };
    let aborting = false;
    const onAbort = () => {
      aborting = true;
      if (timer) clearTimeout(timer);
      void kill().finally(() => done(cancelled()));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    const onChannel = (err: Error | undefined, ch: ClientChannel) => {
      if (err) return done(new DeployError('connection-lost', `${opts.what}: ${err.message}`));
      channel = ch;
      if (settled) { void kill(); return; }
      if (!opts.keepStdin) ch.end();
      ch.on('data', (d: Buffer) => {
        arm();
        const s = d.toString('utf8');
        stdout += s;
        if (opts.onStdoutLine) {
          pending += s;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            opts.onStdoutLine(line);
          }
        }
      });
      ch.stderr.on('data', (d: Buffer) => {
        arm();
        stderr += d.toString('utf8');
        if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
      });
      ch.on('close', (code: number | null, sig?: string) => {
        if (aborting) return;
        if (pending && opts.onStdoutLine) opts.onStdoutLine(pending);
        done(undefined, { code: code ?? null, signal: sig, stdout, stderr });
      });
    };
    try {
      client.exec(command, onChannel);
    } catch (e) {
      done(new DeployError('connection-lost', `${opts.what}: ${(e as Error).message}`));
    }
  });
}

/** Opens the SFTP subsystem, with a timeout. */
export function openSftp(client: Client, timeoutMs: number): Promise<SFTPWrapper> {
  return withTimeout(new Promise((resolve, reject) => {
    client.sftp((err, sftp) => (err ? reject(new DeployError('remote-failed', `cannot start SFTP on the device: ${err.message}`)) : resolve(sftp)));
  }), timeoutMs, 'starting SFTP');
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new DeployError('timeout', `${what}: no answer from the device for ${Math.round(ms / 1000)} s`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

function sftpCall<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

export const sftpOps = {
  realpath: (s: SFTPWrapper, p: string) => sftpCall<string>((cb) => s.realpath(p, cb)),
  mkdir: (s: SFTPWrapper, p: string) => sftpCall<void>((cb) => s.mkdir(p, { mode: 0o755 }, (e) => cb(e))),
  stat: (s: SFTPWrapper, p: string) => sftpCall<{ size: number; isDirectory(): boolean }>((cb) => s.stat(p, cb)),
  unlink: (s: SFTPWrapper, p: string) => sftpCall<void>((cb) => s.unlink(p, (e) => cb(e))),
  readdir: (s: SFTPWrapper, p: string) => sftpCall<{ filename: string }[]>((cb) => s.readdir(p, cb)),
  rmdir: (s: SFTPWrapper, p: string) => sftpCall<void>((cb) => s.rmdir(p, (e) => cb(e))),
};

/** Creates an absolute directory and its parents on the device. */
export async function mkdirp(sftp: SFTPWrapper, dir: string, timeoutMs: number): Promise<void> {
  const existing = await withTimeout(sftpOps.stat(sftp, dir).catch(() => undefined), timeoutMs, `checking ${dir}`);
  if (existing?.isDirectory()) return;
  const parts = dir.split('/').filter(Boolean);
  let cur = '';
  for (const part of parts) {
    cur += '/' + part;
    const st = await withTimeout(sftpOps.stat(sftp, cur).catch(() => undefined), timeoutMs, `checking ${cur}`);
    if (st) {
      if (!st.isDirectory()) throw new DeployError('remote-failed', `${cur} on the device is not a directory`);
      continue;
    }
    await withTimeout(sftpOps.mkdir(sftp, cur), timeoutMs, `creating ${cur}`).catch((e: Error) => {
      throw e instanceof DeployError ? e : new DeployError('remote-failed', `cannot create ${cur} on the device: ${e.message}`);
    });
  }
}

export interface UploadOptions {
  inactivityMs: number;
  signal?: AbortSignal;
  onBytes?: (sent: number, total: number) => void;
}

/** Uploads `data` (a local file path or bytes) to `tmpPath`, then renames it over `finalPath`. A dropped
 *  connection leaves at most the temporary file; the real name only ever holds complete files. */
export async function uploadAtomic(sftp: SFTPWrapper, data: string | Uint8Array, tmpPath: string, finalPath: string,
  opts: UploadOptions): Promise<void> {
  const bytes = typeof data === 'string' ? fs.readFileSync(data) : data;
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const stream = sftp.createWriteStream(tmpPath, { mode: 0o644 });
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) { stream.destroy(); reject(err); } else resolve();
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      if (settled) return;
      timer = setTimeout(() => done(new DeployError('timeout', `uploading ${finalPath}: no progress for ${Math.round(opts.inactivityMs / 1000)} s`)), opts.inactivityMs);
    };
    const onAbort = () => done(cancelled());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('error', (e: Error) => done(new DeployError('connection-lost', `uploading ${finalPath}: ${e.message}`)));
    stream.on('close', () => done(sent === bytes.length ? undefined : new DeployError('connection-lost', `uploading ${finalPath}: the connection closed after ${sent} of ${bytes.length} bytes`)));
    const CHUNK = 256 * 1024;
    let sent = 0;
    const pump = () => {
      while (sent < bytes.length && !settled) {
        const end = Math.min(bytes.length, sent + CHUNK);
        const chunk = bytes.subarray(sent, end);
        const ok = stream.write(chunk, () => {
          arm();
          opts.onBytes?.(Math.min(end, bytes.length), bytes.length);
        });
        sent = end;
        if (!ok) { stream.once('drain', pump); return; }
      }
      if (sent >= bytes.length) stream.end();
    };
    arm();
    pump();
  });
  await withTimeout(renameOver(sftp, tmpPath, finalPath), opts.inactivityMs, `renaming ${tmpPath}`);
}

async function renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await sftpCall<void>((cb) => sftp.ext_openssh_rename(from, to, (e) => cb(e)));
    return;
  } catch {
    // no posix-rename extension: remove the old file first (the window is tiny and never shows a partial file)
  }
  await sftpOps.unlink(sftp, to).catch(() => undefined);
  await sftpCall<void>((cb) => sftp.rename(from, to, (e) => cb(e))).catch((e: Error) => {
    throw new DeployError('remote-failed', `cannot rename ${from} to ${to} on the device: ${e.message}`);
  });
}

/** Downloads a small file (a model's outputs) with a timeout. */
export function downloadFile(sftp: SFTPWrapper, remote: string, timeoutMs: number): Promise<Buffer> {
  return withTimeout(sftpCall<Buffer>((cb) => sftp.readFile(remote, cb)), timeoutMs, `downloading ${remote}`)
    .catch((e: Error) => {
      throw e instanceof DeployError ? e : new DeployError('remote-failed', `cannot download ${remote}: ${e.message}`);
    });
}
