// ONNX's backend node tests converted and run on the real LiteRT runtime (scripts/node-tests.ts does the work and
// writes the report, docs/node-tests.md, with --write). Asserts a floor on the pass count, so that a regression
// fails, and that no test crashes the converter or yields a model LiteRT cannot load: a converter may only refuse,
// with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, listNodeTests, runNodeTests } from '../../scripts/node-tests';

/** Just below the measured count (see docs/node-tests.md); raise it when converters are added. */
const PASS_FLOOR = 310;

const tests = listNodeTests();

test('ONNX node tests convert and match on LiteRT', { skip: tests.length === 0 && 'libonnx-testdata is not installed' }, async (t) => {
  const results = await runNodeTests(tests);
  const pass = results.filter((r) => r.outcome === 'pass').length;
  t.diagnostic(`${pass} of ${results.length} node tests pass on LiteRT`);
  const bad = results.filter((r) => r.outcome === 'crash' || r.outcome === 'load');
  assert.deepEqual(bad.map((r) => `${r.name}: ${r.outcome}: ${r.detail}`), [], 'converter crashes or models LiteRT cannot load');
  for (const r of results.filter((x) => x.outcome === 'refused')) {
    assert.ok(r.detail.length > 10, `${r.name} is refused without a reason`);
  }
  assert.ok(pass >= PASS_FLOOR, `${pass} node tests pass, fewer than the floor ${PASS_FLOOR}:\n${formatReport(results)}`);
});
