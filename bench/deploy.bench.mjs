// Deploy overhead (connect + upload + probe) against the model's own inference time, on a loopback device: a real
// sshd on 127.0.0.1 (the test harness) with Debian's python3-pyarmnn. One run each, ratios in the same process.
// The model is ../shared/models/mobilenet_v3_small.onnx converted. Needs root (test user, sshd); skips otherwise.
import { tsImport } from 'tsx/esm/api';

const { canRunSshd, startSshd, USER } = await tsImport('../test/deploy/sshd.ts', import.meta.url);
const why = canRunSshd();
if (why) {
  console.log(`deploy bench skipped: ${why}`);
  process.exit(0);
}
const { sharedModel } = await tsImport('../test/deploy/models.ts', import.meta.url);
const { deploy } = await tsImport('../src/deploy/deploy.ts', import.meta.url);

const m = sharedModel('mobilenet_v3_small');
const sshd = await startSshd();
try {
  const opts = {
    model: m.tflite, host: `${USER}@127.0.0.1:${sshd.port}`, identity: sshd.identity, knownHosts: sshd.knownHosts,
    agent: false, sshConfigFile: null, remoteDir: `~/${sshd.fresh('bench')}`, runs: 5, warmup: 1,
  };
  const fresh = await deploy(opts);
  const again = await deploy(opts);
  const line = (label, r) => {
    const p = r.phasesMs;
    const overhead = p.connect + p.upload + p.probe;
    const infer = r.report.timings.p50Ms;
    console.log(`${label}: connect ${p.connect.toFixed(0)} ms + upload ${p.upload.toFixed(0)} ms + probe ${p.probe.toFixed(0)} ms`
      + ` = ${overhead.toFixed(0)} ms; inference p50 ${infer.toFixed(1)} ms (load ${r.report.timings.loadMs.toFixed(0)} ms,`
      + ` ${r.report.runtime.name}); overhead / inference = ${(overhead / infer).toFixed(2)}×`);
    return overhead / infer;
  };
  console.log(`model: mobilenet_v3_small.tflite (${(fresh.report.upload.bytes / 1e6).toFixed(1)} MB), loopback device`);
  line('first deploy (upload)', fresh);
  const skipped = line('redeploy (upload skipped by hash)', again);
  console.log(`redeploy overhead / one inference: ${skipped.toFixed(2)}× (target < 1×)`);
} finally {
  await sshd.cleanup();
}
