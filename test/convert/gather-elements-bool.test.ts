// GatherElements of a bool tensor (SuperGlue's match extraction: `valid1 = mutual1 & valid0.gather(1, indices1)`, the
// mutual-nearest flags of one image read at the other's best indices) was refused ("GatherElements on bool is not
// supported"); LiteRT's GATHER_ND takes bool data, so it converts as the numeric types do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';

/** x [1, 7] scores, y [1, 7, 5] similarities: valid = x > 0.5 (bool), best = ArgMax(y, 2) (run-time indices into
 *  valid's 7 entries after a modulo), valid read at best, then And with its own flag and used as a Where mask. */
function boolGatherModel(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 7]], ['y', 'float32', [1, 7, 5]]], outputs: ['out', 'flags'], opset: 13,
    nodes: [
      node('Greater', ['x', 'half'], ['valid']),
      node('ArgMax', ['y'], ['best'], { axis: 2, keepdims: 0 }),
      node('Mul', ['best', 'step'], ['spread']),
      node('GatherElements', ['valid', 'spread'], ['picked'], { axis: 1 }),
      node('And', ['picked', 'valid'], ['both']),
      node('Where', ['both', 'x', 'zero'], ['out']),
      node('Cast', ['picked'], ['flags'], { to: 1 }),
    ],
    initializers: [
      tensor('half', 'float32', [], [0.5]),
      tensor('zero', 'float32', [], [0]),
      tensor('step', 'int64', [], [1]),
    ],
  });
}

test('GatherElements of bool data by run-time indices converts and equals onnxruntime on LiteRT', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gather-elements-bool-')), 'bool.onnx');
  const model = boolGatherModel();
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 3, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxDiff === 0, `${o.name}: max|diff| ${o.maxDiff}`);
  assert.ok((m.result.opHistogram.GATHER_ND ?? 0) >= 1);
  const flags = m.outputs.find((o) => o.name === 'flags')!;
  assert.ok(flags.maxRef === 1, 'some gathered flags are set on the seeded inputs');
});
