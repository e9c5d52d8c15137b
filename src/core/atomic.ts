// Writes a file so that readers see either the old complete file or the new complete one, never a partial one.
// A path that cannot be written (missing or read-only folder, a directory, the input itself, a full disk) is one
// user-facing line, never a stack; a character device (/dev/null, /dev/stdout, /dev/full) is written in place, never
// replaced by a renamed file.
import * as fs from 'node:fs';
import * as path from 'node:path';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied',
  EPERM: 'permission denied', EROFS: 'read-only file system', EISDIR: 'it is a directory', EFBIG: 'file too large',
  ENOTDIR: 'a part of the path is not a folder', ENOENT: 'no such file or folder (ENOENT)', EIO: 'input/output error',
  ENAMETOOLONG: 'the name is too long', ELOOP: 'too many symbolic links',
};

/** One line for a failed write of `file`: an Error flagged userFacing (src/ir/errors.ts). */
export function writeError(file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = (code && REASONS[code]) ?? (code ? `${code}` : (e as Error).message);
  return Object.assign(new Error(`cannot write ${file}: ${reason}; nothing written`), { userFacing: true, code });
}

function fail(file: string, reason: string): never {
  throw Object.assign(new Error(`cannot write ${file}: ${reason}; nothing written`), { userFacing: true });
}

/** An output path checkOutputPath has passed: writeFileAtomic takes it without checking it again. */
export interface CheckedOutput {
  readonly file: string;
  /** A character device (/dev/null, /dev/stdout): written in place. */
  readonly device: boolean;
}

/** Checks, before any work, that `file` can be written: its folder exists and takes new files, it is not a
 *  directory, and it is none of `inputs` (writing over the model being read would lose it). Throws one line; give
 *  what it returns to writeFileAtomic, which then checks nothing again. */
export function checkOutputPath(file: string, inputs: string[] = []): CheckedOutput {
  const dir = path.dirname(path.resolve(file));
  const dirStat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!dirStat) fail(file, `folder ${dir} does not exist`);
  if (!dirStat.isDirectory()) fail(file, `${dir} is not a folder`);
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) fail(file, 'it is a directory');
  if (st && !st.isFile() && !st.isCharacterDevice()) fail(file, 'it is not a regular file');
  for (const input of inputs) {
    const is = fs.statSync(input, { throwIfNoEntry: false });
    if (st && is && st.isFile() && st.dev === is.dev && st.ino === is.ino) fail(file, `it is the input ${input}; give another output path`);
  }
  if (st?.isCharacterDevice()) return { file, device: true };
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    throw writeError(file, e);
  }
  return { file, device: false };
}

/** Writes `bytes` to a new temporary file beside `file` (flushed to disk) and returns its path; on a failure the
 *  temporary is removed. */
function stage(file: string, bytes: Uint8Array): string {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeAll(tmp, 'wx', bytes, true);
    return tmp;
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw writeError(file, e);
  }
}

function writeAll(file: string, flags: string, bytes: Uint8Array, sync: boolean): void {
  const fd = fs.openSync(file, flags, 0o644);
  try {
    let off = 0;
    while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeDevice(file: string, bytes: Uint8Array): void {
  try {
    writeAll(file, 'w', bytes, false);
  } catch (e) {
    throw writeError(file, e);
  }
}

function rename(tmp: string, file: string): void {
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw writeError(file, e);
  }
}

const HELD: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs the synchronous `fn` (stage and rename) with Ctrl-C held: without a listener the kernel ends the process in
 *  the middle of a write and the temporary stays behind. A signal that came meanwhile is raised again once `fn` is
 *  done, when no one else listens for it (those listeners have heard it already). */
function withSignalsHeld(fn: () => void): void {
  const got: NodeJS.Signals[] = [];
  const hold = (s: NodeJS.Signals) => { got.push(s); };
  for (const s of HELD) process.on(s, hold);
  try {
    fn();
  } finally {
    // A timer, not setImmediate: the signal is dispatched in the loop's poll phase, which a timer waits for.
    setTimeout(() => {
      for (const s of HELD) process.off(s, hold);
      const s = got[0];
      if (s && process.listenerCount(s) === 0) process.kill(process.pid, s);
    }, 20);
  }
}

/** Writes `bytes` to `target`: a path (checked here first) or what checkOutputPath returned before the work (not
 *  checked twice). A character device is written in place (renaming over it would replace the device); a failure
 *  between the check and the write (the folder removed meanwhile) is still one line, from the write itself. */
export function writeFileAtomic(target: string | CheckedOutput, bytes: Uint8Array): void {
  const { file, device } = typeof target === 'string' ? checkOutputPath(target) : target;
  if (device) return writeDevice(file, bytes);
  withSignalsHeld(() => rename(stage(file, bytes), file));
}

/** Writes several files as one step: every file goes to a temporary name first, and only when all are complete are
 *  they renamed into place; on a failure before that, the temporaries are removed and nothing is written. */
export function writeFilesAtomic(files: { path: string; bytes: Uint8Array }[]): void {
  for (const f of files) if (checkOutputPath(f.path).device) fail(f.path, 'it is a device; give a folder');
  withSignalsHeld(() => {
    const staged: { tmp: string; file: string }[] = [];
    try {
      for (const f of files) staged.push({ tmp: stage(f.path, f.bytes), file: f.path });
    } catch (e) {
      for (const s of staged) try { fs.unlinkSync(s.tmp); } catch { /* already gone */ }
      throw e;
    }
    for (const s of staged) rename(s.tmp, s.file);
  });
}
