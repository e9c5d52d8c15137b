// Split of a bool tensor (torch 1.13's export of `mask.repeat_interleave(4, -1)`: a Split into unit pieces, each
// expanded and the pieces concatenated; native sparse attention's selected-block mask, twenty-first sweep) was
// refused ("Split on bool is not supported"); TFLite's SPLIT has no bool kernel, so each piece is a SLICE, which has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

/** x [1, 2, 6, 3] scores: selected = x > 0 (bool), split along the last axis into its 3 blocks, each block flag
 *  repeated 2 times (Unsqueeze, Expand, Reshape), joined back [1, 2, 6, 6], And with a causal mask of its own, used as a
 *  Where mask over y [1, 2, 6, 6]; a second Split with unequal parts [1, 2] gives a flag count as a float output. */
function boolSplitModel(): Model {
  const causal = Array.from({ length: 36 }, (_, k) => (k % 6 <= Math.floor(k / 6) ? 1 : 0));
  return buildModel({
    inputs: [['x', 'float32', [1, 2, 6, 3]], ['y', 'float32', [1, 2, 6, 6]]], outputs: ['out', 'count'], opset: 13,
    nodes: [
      node('Greater', ['x', 'zero'], ['sel']),
      node('Split', ['sel'], ['s0', 's1', 's2'], { axis: 3 }, 'split_even'),
      ...['s0', 's1', 's2'].flatMap((s) => [
        node('Unsqueeze', [s, 'ax4'], [`${s}u`]),
        node('Expand', [`${s}u`, 'rep'], [`${s}e`]),
        node('Reshape', [`${s}e`, 'flat'], [`${s}r`]),
      ]),
      node('Concat', ['s0r', 's1r', 's2r'], ['keep'], { axis: 3 }),
      node('And', ['keep', 'causal'], ['both']),
      node('Where', ['both', 'y', 'neg'], ['out']),
      node('Split', ['sel', 'parts'], ['p0', 'p1'], { axis: 2 }, 'split_uneven'),
      node('Cast', ['p1'], ['p1f'], { to: 1 }),
      node('ReduceSum', ['p1f'], ['count'], { keepdims: 0 }),
    ],
    initializers: [
      tensor('zero', 'float32', [], [0]),
      tensor('neg', 'float32', [], [-1e4]),
      tensor('ax4', 'int64', [1], [4]),
      tensor('rep', 'int64', [5], [1, 2, 6, 1, 2]),
      tensor('flat', 'int64', [4], [1, 2, 6, 2]),
      tensor('parts', 'int64', [2], [1, 5]),
      tensor('causal', 'bool', [6, 6], causal),
    ],
  });
}

test('a bool Split (equal and unequal parts) converts to SLICEs and equals onnxruntime on LiteRT', async () => {
  const m = await matchBuilt(boolSplitModel(), 'split-bool', 5, 0);
  assert.equal(m.result.opHistogram.SPLIT ?? 0, 0);
  assert.equal(m.result.opHistogram.SPLIT_V ?? 0, 0);
  assert.ok((m.result.opHistogram.SLICE ?? 0) >= 4, JSON.stringify(m.result.opHistogram));
  // (the unequal Split's unread first part is pruned: 3 + 1 SLICEs)
  const count = m.outputs.find((o) => o.name === 'count')!;
  assert.ok(count.maxRef > 0, 'some flags are set on the seeded inputs');
});
