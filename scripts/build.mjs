// Bundles the extension host, the CLI, the worker and the webview with esbuild.
// Usage: node scripts/build.mjs [--watch]
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
// Native addons and the LiteRT WASM package are loaded from node_modules at run time, never bundled.
const external = ['vscode', 'onnxruntime-node', '@litertjs/core', 'ssh2', 'cpu-features'];

const node = {
  bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, external,
  logLevel: 'warning',
};
const builds = [
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
];
if (existsSync('src/worker/worker.ts')) builds.push({ ...node, entryPoints: { worker: 'src/worker/worker.ts' }, outdir: 'dist' });
if (existsSync('webview/main.ts')) {
  // Minified: less for the webview to parse and compile while it boots (the sourcemap keeps it debuggable).
  builds.push({ bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, minify: true,
    entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist', logLevel: 'warning', loader: { '.css': 'text' } });
}
if (existsSync('webview/layout-worker.ts')) {
  builds.push({ bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: true, minify: true,
    entryPoints: { 'layout-worker': 'webview/layout-worker.ts' }, outdir: 'dist', logLevel: 'warning' });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
