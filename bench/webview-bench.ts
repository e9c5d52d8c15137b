// The body of bench/webview.bench.mjs. Three runs of each case; medians printed.
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { drawn, launch, openView, ROOT } from '../test/webview/harness';
import { WorkerClient } from '../src/extension/worker-client';
import { encodeModel } from '../src/onnx/writer';
import { syntheticModel } from '../test/webview/synthetic';
import type { Backend } from '../src/worker/handlers';

interface Run { openToFrameMs: number; scriptAt: number; graphAt: number; hostMs: number; firstFrameMs: number; decodeMs: number; scopesMs: number; visibleMs: number; layoutMs: number; drawMs: number; items: number; nodes: number }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The extension's own worker thread (dist/worker.js) parses, as in VS Code. */
const workerBackend = (): Backend & { dispose(): Promise<void> } => new WorkerClient(path.join(ROOT, 'dist/worker.js'));

async function measure(file: string, backend: () => Backend & { dispose(): Promise<void> }, runs = 3): Promise<Run[]> {
  const browser = await launch();
  const out: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const b = backend();
      let hostMs = 0;
      const timed: Backend = {
        async request(method, params, progress) {
          const t = performance.now();
          try { return await b.request(method, params, progress); } finally { if (method === 'open') hostMs = performance.now() - t; }
        },
      };
      const v = await openView(browser, file, { backend: timed });
      if (await drawn(v.page) !== 'drawn') throw new Error(`${file} did not draw: ${v.errors.join('; ')}`);
      // performance.now() in the page counts from navigation start: opening → first frame, host parsing included.
      const t = await v.page.evaluate(() => ({ ...(window as unknown as { onnx2liteTimings: Record<string, number> }).onnx2liteTimings, now: performance.now() })) as Record<string, number>;
      const [scriptAt, graphAt, frameAt] = await v.page.evaluate(() => ['onnx2lite-script', 'onnx2lite-graph', 'onnx2lite-first-frame']
        .map((n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN));
      out.push({ openToFrameMs: Number.isFinite(frameAt) ? frameAt : t.now, scriptAt, graphAt, hostMs, firstFrameMs: t.firstFrameMs, decodeMs: t.decodeMs, scopesMs: t.scopesMs - t.decodeMs,
        visibleMs: t.visibleMs, layoutMs: t.layoutMs, drawMs: t.drawMs, items: t.items, nodes: t.nodes });
      await v.close();
      await b.dispose();
    }
  } finally {
    await browser.close();
  }
  return out;
}

function report(name: string, runs: Run[]): number {
  const m = (k: keyof Run) => median(runs.map((r) => r[k]));
  console.log(`${name}: ${m('nodes')} nodes, ${m('items')} drawn items | opening → first frame ${m('openToFrameMs').toFixed(0)} ms `
    + `(script running at ${m('scriptAt').toFixed(0)} ms, graph message at ${m('graphAt').toFixed(0)} ms) `
    + `(host parse ${m('hostMs').toFixed(0)} ms; in the webview: graph message → first frame ${m('firstFrameMs').toFixed(0)} ms, `
    + `of which decoding ${m('decodeMs').toFixed(0)}, scopes ${m('scopesMs').toFixed(0)}, visible graph ${m('visibleMs').toFixed(0)}, layout ${m('layoutMs').toFixed(0)}, `
    + `drawing ${m('drawMs').toFixed(0)} ms) [median of ${runs.length}]`);
  return m('openToFrameMs');
}

async function main(): Promise<void> {
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs (times scale with it)`);
  // The floor: a 14-node model measures the page's own start-up in this headless Chromium.
  report('samples/tinycnn.onnx (page start-up floor)', await measure(path.join(ROOT, 'samples/tinycnn.onnx'), workerBackend));
  const shared = path.resolve(ROOT, '../shared/models/shufflenet_v2_x1_0.onnx');
  report('shufflenet_v2_x1_0.onnx', await measure(shared, workerBackend));
  const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-bench-')), 'generated-20000.onnx');
  fs.writeFileSync(big, encodeModel(syntheticModel(20, 200)));
  const total = report('generated 20,000-node graph', await measure(big, workerBackend));
  console.log(`target: first frame of the 20,000-node graph under 2000 ms — ${total < 2000 ? 'met' : 'NOT met'} (${total.toFixed(0)} ms)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
