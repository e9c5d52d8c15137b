// Writes a file so that readers see either the old complete file or the new complete one, never a partial one.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes `bytes` to a new temporary file beside `file` (flushed to disk) and returns its path; on a failure the
 *  temporary is removed. */
function stage(file: string, bytes: Uint8Array): string {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    return tmp;
  } catch (e) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already failing */ }
    try { fs.unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw e;
  }
}

export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const tmp = stage(file, bytes);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* nothing to clean */ }
    throw e;
  }
}

/** Writes several files as one step: every file goes to a temporary name first, and only when all are complete are
 *  they renamed into place; on a failure before that, the temporaries are removed and nothing is written. */
export function writeFilesAtomic(files: { path: string; bytes: Uint8Array }[]): void {
  for (const f of files) {
    const st = fs.statSync(f.path, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw Object.assign(new Error(`${f.path} exists and is not a file`), { userFacing: true });
  }
  const staged: { tmp: string; file: string }[] = [];
  try {
    for (const f of files) staged.push({ tmp: stage(f.path, f.bytes), file: f.path });
  } catch (e) {
    for (const s of staged) try { fs.unlinkSync(s.tmp); } catch { /* already gone */ }
    throw e;
  }
  for (const s of staged) fs.renameSync(s.tmp, s.file);
}
