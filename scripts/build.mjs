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
];
// The worker answers the graph view's `open` from a small bundle (dist/worker.js); what it needs after that
// (src/worker/heavy.ts: full reader, shape inference, compatibility, TFLite, jobs) is a second bundle,
// dist/worker-heavy.js, required on first use: handlers.ts's import('./heavy') is pointed at it, not bundled.
const heavyApart = {
  name: 'worker-heavy-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/heavy$/ }, (a) => (/[\\/]src[\\/]worker$/.test(a.resolveDir) ? { path: './worker-heavy.js', external: true } : undefined));
  },
};
// The lean reader reads int64s as numbers (src/onnx/number-reader.ts): protobufjs's optional long.js (a quarter of what
// is left in dist/worker.js) is left out of it, and protobufjs finds no Long, as it allows.
const noLong = {
  name: 'no-long',
  setup(b) {
    b.onResolve({ filter: /^long$/ }, () => ({ path: 'long', namespace: 'no-long' }));
    b.onLoad({ filter: /.*/, namespace: 'no-long' }, () => ({ contents: 'module.exports = null;', loader: 'js' }));
  },
};
// The extension host reads small .onnx files for the graph view itself with the lean reader (src/extension/view-session.ts).
builds.push({ ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', plugins: [noLong] });
if (existsSync('src/worker/worker.ts')) {
  // require(), not import(): dist/worker-heavy.js is CommonJS, loaded the way the rest of the worker is.
  builds.push({ ...node, entryPoints: { worker: 'src/worker/worker.ts' }, outdir: 'dist', plugins: [heavyApart, noLong],
    supported: { 'dynamic-import': false } });
  builds.push({ ...node, entryPoints: { 'worker-heavy': 'src/worker/heavy.ts' }, outdir: 'dist' });
}
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
