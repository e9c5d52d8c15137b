// int8 / float32 latency of LiteRT.js in Chromium (V8 of the browser, not Node 20's): the same pairs as
// bench/int8-forms.ts (synthetic conv stacks written directly) and any .tflite pairs given, run by LiteRT.js's own
// high-level API in a page, on its compat build and on its relaxed-SIMD build. XNNPack picks its int8 GEMM kernels at
// run time from how the engine executes i32x4.relaxed_dot_i8x16_i7x16_add (src/configs/hardware-config.c: `wasm_sdot`
// on ARM, `wasm_usdot` where the dot is an unsigned x signed one without saturation, as x86's VNNI vpdpbusd), so one
// .wasm can run int8 at different speeds in different engines. Timing: wall clock (a page has no thread clock), pairs
// interleaved in rounds, ratio = median of per-round ratios to the pair's float32 model (quartiles); load beside it.
// Usage: node --import tsx bench/int8-forms-browser.ts [--builds compat,relaxed-simd] [FLOAT.tflite INT8.tflite ...]
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { serializeTflite } from '../src/tflite/writer';
import { parseTflite } from '../src/tflite/reader';
import { FORMS, convStack, type Stack } from './int8-forms';
import { loadAverage } from './paired-latency';

const FILES: Record<string, string> = { compat: 'litert_wasm_compat_internal.js', 'relaxed-simd': 'litert_wasm_internal.js' };

/** The page's side: load one build, open every model, time interleaved rounds, return per-pair ratios. */
const PAGE = `<!doctype html><script type="importmap">{"imports": {"@litertjs/wasm-utils": "/wasm-utils/dist/index.js"}}</script><script type="module">
import * as lrt from '/litert/dist/index.js';
window.bench = async (file, pairs, budgetMs) => {
  await lrt.loadLiteRt('/litert/wasm/' + file);
  const open = async (url, dims) => {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const model = await lrt.loadAndCompile(bytes, { accelerator: 'wasm' });
    const n = dims.reduce((a, d) => a * d, 1);
    const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3);
    const input = new lrt.Tensor(data, dims);
    return async (reps) => { const t0 = performance.now(); for (let r = 0; r < reps; r++) for (const o of await model.run(input)) o.delete(); return (performance.now() - t0) / reps; };
  };
  const out = [];
  for (const p of pairs) {
    const runs = [await open(p.float, p.dims), await open(p.int8, p.dims)];
    for (const r of runs) await r(3);
    const reps = Math.max(1, Math.min(2000, Math.ceil(20 / Math.max(0.001, await runs[0](1)))));
    const per = [[], []];
    const start = performance.now();
    for (let n = 0; n < 80 && (n < 9 || performance.now() - start < budgetMs); n++) {
      for (let j = 0; j < 2; j++) { const i = (j + n) % 2; per[i].push(await runs[i](reps)); }
    }
    const ratios = per[1].map((v, k) => v / per[0][k]).sort((a, b) => a - b);
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    out.push({ label: p.label, floatMs: med(per[0]), int8Ms: med(per[1]), ratio: ratios[ratios.length >> 1],
      q1: ratios[Math.floor(ratios.length / 4)], q3: ratios[Math.floor(ratios.length * 3 / 4)], rounds: per[0].length });
  }
  lrt.unloadLiteRt();
  return out;
};
window.ready = true;
</script>`;

(async () => {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string) => (args.includes(k) ? args[args.indexOf(k) + 1]! : d);
  const builds = opt('--builds', 'compat,relaxed-simd').split(',');
  const budget = Number(opt('--budget', '8000'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'int8-forms-browser-'));
  const pairs: { label: string; float: string; int8: string; dims: number[] }[] = [];
  const stacks: Stack[] = [{ kind: 'conv3', h: 24, w: 96, c: 32, layers: 6 }, { kind: 'conv3', h: 24, w: 96, c: 16, layers: 6 },
    { kind: 'pw', h: 24, w: 96, c: 48, layers: 6 }, { kind: 'dw', h: 24, w: 96, c: 48, layers: 6 }, { kind: 'mbv1', h: 24, w: 96, c: 32, layers: 6 }];
  if (!args.includes('--no-synthetic')) {
    for (const st of stacks) {
      const label = `${st.kind} ${st.h}x${st.w}x${st.c} x${st.layers}`;
      const name = label.replace(/\W+/g, '_');
      fs.writeFileSync(path.join(dir, `${name}_f32.tflite`), serializeTflite(convStack(st, FORMS.f32!)));
      fs.writeFileSync(path.join(dir, `${name}_qc8.tflite`), serializeTflite(convStack(st, FORMS.qc8!)));
      pairs.push({ label, float: `/models/${name}_f32.tflite`, int8: `/models/${name}_qc8.tflite`, dims: [1, st.h, st.w, st.c] });
    }
  }
  const files = args.filter((a) => a.endsWith('.tflite'));
  for (let i = 0; i + 1 < files.length; i += 2) {
    const [f, q] = [files[i]!, files[i + 1]!];
    fs.copyFileSync(f, path.join(dir, `p${i}_f.tflite`));
    fs.copyFileSync(q, path.join(dir, `p${i}_q.tflite`));
    const sg = parseTflite(new Uint8Array(fs.readFileSync(f))).subgraphs[0]!;
    pairs.push({ label: path.basename(q), float: `/models/p${i}_f.tflite`, int8: `/models/p${i}_q.tflite`, dims: sg.tensors[sg.inputs[0]!]!.shape });
  }
  const litert = path.dirname(createRequire(__filename).resolve('@litertjs/core/package.json'));
  const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const file = url === '/' ? undefined : url.startsWith('/litert/') ? path.join(litert, url.slice(8)) : url.startsWith('/wasm-utils/') ? path.join(litert, '..', 'wasm-utils', url.slice(12)) : url.startsWith('/models/') ? path.join(dir, url.slice(8)) : undefined;
    if (url === '/') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(PAGE); return; }
    if (!file || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    console.log(`# Chromium ${browser.version()}, ${os.cpus().length} CPU(s); int8 / float32 wall ms, ratio median of per-round ratios (quartiles)`);
    for (const b of builds) {
      const page = await browser.newPage();
      page.on('console', (m) => { if (m.type() === 'error') console.error(`page: ${m.text()}`); });
      page.on('pageerror', (e) => console.error(`page: ${e.message}`));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction('window.ready === true');
      const load0 = loadAverage();
      const rows = await page.evaluate(([file, ps, ms]) => (window as unknown as { bench: (...a: unknown[]) => Promise<unknown> }).bench(file, ps, ms), [FILES[b], pairs, budget] as const) as
        { label: string; floatMs: number; int8Ms: number; ratio: number; q1: number; q3: number; rounds: number }[];
      for (const r of rows) {
        console.log(`${b.padEnd(12)} ${r.label.padEnd(34)} float32 ${r.floatMs.toFixed(3)} ms, int8 ${r.int8Ms.toFixed(3)} ms: ${r.ratio.toFixed(2)}× (${r.q1.toFixed(2)}-${r.q3.toFixed(2)}), ${r.rounds} rounds`);
      }
      console.log(`# ${b}: load ${load0} → ${loadAverage()}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
})().catch((e) => { console.error(e); process.exit(1); });
