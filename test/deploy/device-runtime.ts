// Can the test device run a model at all? The device is this machine over ssh, with Debian's python3 and Arm NN
// (python3-pyarmnn), whose CpuRef backend is a separate package that python3-pyarmnn only recommends. When a piece
// is missing, every deploy would fail deep inside the runner; instead one test fails naming the Debian package, and
// the tests that need a working runtime are skipped with that reason.
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const PROBE = `
import sys
try:
    import numpy
except Exception:
    print('MISSING=python3-numpy'); sys.exit(0)
try:
    import pyarmnn as ann
except Exception:
    print('MISSING=python3-pyarmnn'); sys.exit(0)
runtime = ann.IRuntime(ann.CreationOptions())  # kept alive: the device spec reads from it
backends = [str(b) for b in runtime.GetDeviceSpec().GetSupportedBackends()]
print('MISSING=' + ('ok' if 'CpuRef' in backends else 'libarmnn-cpuref-backend22'))
`;

let cached: string | undefined | null = null;

/** Why the device's runtime cannot run (naming the Debian package to install), or undefined when it can. */
export function deviceRuntimeProblem(python = '/usr/bin/python3'): string | undefined {
  if (cached !== null && python === '/usr/bin/python3') return cached;
  let missing: string;
  try {
    const out = execFileSync(python, ['-c', PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    // pyarmnn prints notes of its own on stdout: the answer is the MISSING= line.
    missing = /^MISSING=(.*)$/m.exec(out)?.[1]?.trim() ?? `python3-pyarmnn (unexpected probe output: ${out.trim().slice(0, 200)})`;
  } catch (e) {
    missing = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'python3' : `python3 (${python} failed: ${(e as Error).message.split('\n')[0]})`;
  }
  const problem = missing === 'ok' ? undefined
    : `the test device cannot run models: Debian package ${missing} is missing (apt-get install ${missing.split(' ')[0]}; .ci/run installs it)`;
  if (python === '/usr/bin/python3') cached = problem;
  return problem;
}

/** One test that fails with the missing package when the device runtime cannot run, and the skip reason for the
 *  tests that need it (undefined when the runtime works or `skipAll` already skips everything). */
export function requireDeviceRuntime(skipAll: string | undefined): string | undefined {
  const problem = skipAll ? undefined : deviceRuntimeProblem();
  test('the test device can run models (Debian python3-numpy, python3-pyarmnn, libarmnn-cpuref-backend22)', { skip: skipAll }, () => {
    if (problem) assert.fail(problem);
  });
  return problem && `needs the device runtime: ${problem}`;
}
