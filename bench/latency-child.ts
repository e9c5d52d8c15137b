// A child process of paired-latency.ts's pairedLatencyByBuild: loads the LiteRT build named by
// ONNX2LITE_LITERT_BUILD (a process holds one build), opens the models it is sent and runs timed batches on request,
// one at a time, so that the parent can interleave the builds' rounds without them competing for a core.
import { liteRtBuild, loadLiteRt } from '../src/runtime/litert-load';
import { openRunners, type BatchRunner, type ChildReply, type ChildRequest } from './paired-latency';

let runners: BatchRunner[] = [];
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
/** Until the process spends under 1 ms of CPU per 250 ms idle (V8's background WASM tier-up done), at most 60 s. */
async function quiet(): Promise<void> {
  const t0 = performance.now();
  for (let c = cpuMs(); performance.now() - t0 < 60000;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = cpuMs();
    if (now - c < 1) return;
    c = now;
  }
}
const reply = (m: ChildReply) => process.send!(m);
process.on('message', (m: ChildRequest) => {
  void (async () => {
    try {
      if (m.open) {
        await loadLiteRt({ threads: m.open.threads });
        // The clock is this process's CPU time (getrusage: exact to the microsecond, where the thread's schedstat
        // is only updated when the thread is switched out, so a batch within one time slice reads 0). Nothing else
        // runs here once V8 has finished compiling LiteRT's WASM in the background: wait for that.
        ({ runners } = await openRunners(m.open.models, m.open.feeds, 'process', m.open.threads));
        for (const r of runners) await r.batch(1);
        await quiet();
        reply({ build: liteRtBuild(), clock: runners[0]?.clock });
      } else if (m.batch) {
        reply(await runners[m.batch.i]!.batch(m.batch.reps));
      }
    } catch (e) {
      reply({ error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
