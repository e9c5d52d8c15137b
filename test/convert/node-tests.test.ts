// ONNX's backend node tests converted and run on the real LiteRT runtime (scripts/node-tests.ts does the work and
// writes the report, docs/node-tests.md, with --write). Asserts floors on the pass counts, so that a regression
// fails, and that no test crashes the converter or yields a model LiteRT cannot load or run: a converter may only
// refuse, with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, listNodeTests, runNodeTests, runNodeTestsGiven, type NodeTestResult } from '../../scripts/node-tests';

/** Just below the measured counts (see docs/node-tests.md); raise them when converters are added. */
const PASS_FLOOR = 838;
const GIVEN_PASS_FLOOR = 189;

const tests = listNodeTests();
const skip = tests.length === 0 && 'libonnx-testdata is not installed';

function assertHonest(results: NodeTestResult[]): void {
  const bad = results.filter((r) => r.outcome === 'crash' || r.outcome === 'load' || r.outcome === 'run');
  assert.deepEqual(bad.map((r) => `${r.name}: ${r.outcome}: ${r.detail}`), [], 'converter crashes, or models LiteRT cannot load or run');
  for (const r of results.filter((x) => x.outcome === 'refused')) {
    assert.ok(r.detail.length > 10, `${r.name} is refused without a reason`);
  }
}

test('ONNX node tests convert and match on LiteRT', { skip }, async (t) => {
  const results = await runNodeTests(tests);
  const pass = results.filter((r) => r.outcome === 'pass').length;
  t.diagnostic(`${pass} of ${results.length} node tests pass on LiteRT`);
  assertHonest(results);
  assert.ok(pass >= PASS_FLOOR, `${pass} node tests pass, fewer than the floor ${PASS_FLOOR}:\n${formatReport(results)}`);
  // The compatibility view (its per-node marks alone, before any trial conversion) says what convert does.
  assert.deepEqual(results.filter((r) => r.compatDisagrees).map((r) => `${r.name}: ${r.outcome}: ${r.compatDisagrees}`), []);
});

test('ONNX node tests with shape-deciding inputs made constant', { skip }, async (t) => {
  const results = await runNodeTestsGiven(tests);
  const pass = results.filter((r) => r.outcome === 'pass').length;
  t.diagnostic(`${pass} of ${results.length} pass with their shape inputs given`);
  assertHonest(results);
  assert.ok(pass >= GIVEN_PASS_FLOOR, `${pass} pass, fewer than the floor ${GIVEN_PASS_FLOOR}`);
});
