// A character device of the kernel's made in a test's own folder (major 1: minor 7 is /dev/full, 3 is /dev/null),
// so a regression that renames over the output replaces the test's node, never the machine's /dev/full.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export function charDevice(dir: string, name: string, kind: 'full' | 'null'): string {
  const file = path.join(dir, name);
  const r = spawnSync('mknod', ['-m', '666', file, 'c', '1', kind === 'full' ? '7' : '3'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `mknod ${file}: ${r.stderr}`);
  return file;
}
