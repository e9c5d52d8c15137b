// The device runner's Python source. The esbuild bundle embeds runner.py as text; from source (tests through tsx)
// it is read next to this file.
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

export async function runnerSource(): Promise<string> {
  if (cached) return cached;
  const beside = path.join(__dirname, 'runner.py');
  if (fs.existsSync(beside)) {
    cached = fs.readFileSync(beside, 'utf8');
  } else {
    // @ts-ignore -- import attributes: esbuild inlines the file as a string at build time
    const m = (await import('./runner.py', { with: { type: 'text' } })) as { default: string };
    cached = m.default;
  }
  return cached;
}
