// ONNX's PyTorch suites (pytorch-converted + pytorch-operator of libonnx-testdata) converted and run on the real
// LiteRT runtime (scripts/pytorch-tests.ts does the work and writes docs/pytorch-tests.md with --write). Asserts a
// floor on the pass count, and that no model crashes the converter or yields a model LiteRT cannot load or run:
// a converter may only refuse, with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPytorchReport, listPytorchTests, runPytorchTests } from '../../scripts/pytorch-tests';

/** Just below the measured count (see docs/pytorch-tests.md); raise it when converters are added. */
const PASS_FLOOR = 112;

const tests = listPytorchTests();
const skip = tests.length === 0 && 'libonnx-testdata is not installed';

test('ONNX pytorch-converted and pytorch-operator models convert and match on LiteRT', { skip }, async (t) => {
  const results = await runPytorchTests(tests);
  const pass = results.filter((r) => r.outcome === 'pass').length;
  t.diagnostic(`${pass} of ${results.length} PyTorch suite models pass on LiteRT`);
  const bad = results.filter((r) => r.outcome === 'crash' || r.outcome === 'load' || r.outcome === 'run');
  assert.deepEqual(bad.map((r) => `${r.name}: ${r.outcome}: ${r.detail}`), [], 'converter crashes, or models LiteRT cannot load or run');
  for (const r of results.filter((x) => x.outcome === 'refused')) assert.ok(r.detail.length > 10, `${r.name} is refused without a reason`);
  assert.ok(pass >= PASS_FLOOR, `${pass} pass, fewer than the floor ${PASS_FLOOR}:\n${formatPytorchReport(results)}`);
});
