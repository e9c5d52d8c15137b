// Graph view benchmark: time from opening to the first drawn frame, and dagre layout time, in headless Chromium, for
// a shared model and a generated 20,000-node graph (target: first frame of the 20,000-node graph under 2 s).
// The body is TypeScript (bench/webview-bench.ts, it drives the same harness as test/webview/), run through tsx.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'webview-bench.ts')], { stdio: 'inherit', cwd: join(here, '..') });
process.exit(r.status ?? 1);
