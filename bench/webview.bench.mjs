// Graph view benchmark: opening → first drawn frame in headless Chromium next to Netron's browser build (five models,
// target: each ≥ 10× sooner), and frame times of expanding and panning on a flat 20,000-node graph.
// The body is TypeScript (bench/webview-bench.ts, it drives the same harness as test/webview/), run through tsx.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'webview-bench.ts')], { stdio: 'inherit', cwd: join(here, '..') });
process.exit(r.status ?? 1);
