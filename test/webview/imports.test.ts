// The webview (browser side) imports from src/ only what src/shared/ holds: the protocol, the graph wire codec, the
// compatibility types and the RPC helper. And src/shared/ imports nothing outside itself, so nothing Node-only
// reaches the webview bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function imports(dir: string): { file: string; from: string }[] {
  const out: { file: string; from: string }[] = [];
  for (const f of fs.readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(ROOT, dir, f), 'utf8');
    for (const m of text.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)) out.push({ file: `${dir}/${f}`, from: m[1] ?? m[2] });
  }
  return out;
}

test('the webview imports only src/shared/ from src/', () => {
  const bad = imports('webview').filter((i) => i.from.startsWith('../src/') && !i.from.startsWith('../src/shared/'));
  assert.deepEqual(bad, []);
});

test('src/shared/ imports nothing outside itself', () => {
  const bad = imports('src/shared').filter((i) => !i.from.startsWith('./'));
  assert.deepEqual(bad, []);
});
