// GatherElements on a CNN's map flattened in its stored (channel-last) order, as MoveNet's centre-net decode does
// (reg.reshape(n, 2k, h·w) gathered at the arg-max centre): the gather reads the data as stored, its coordinates
// listing each element's ONNX coordinates in the stored axis order, instead of a TRANSPOSE of the whole map back to
// ONNX order (MoveNet-style decode: 4 TRANSPOSE → 1). Both index forms: computed (ArgMax) and constant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** x [1, 3, 6, 6] → two 1×1 convs; the first's per-channel arg-max over the 36 positions picks where the second is
 *  read (y_at), and constant indices read two fixed positions per channel along axis 2 (y_fixed) and one along
 *  axis 1 of the [1, 36, 4] view (y_rows). */
function decodeModel(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 3, 6, 6]]], outputs: ['y_at', 'y_fixed', 'y_rows'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1'], ['c1']), node('Conv', ['x', 'w2'], ['c2']),
      node('Reshape', ['c1', 'flat'], ['f1']), node('Reshape', ['c2', 'flat'], ['f2']),
      node('ArgMax', ['f1'], ['at'], { axis: 2, keepdims: 1 }),
      node('GatherElements', ['f2', 'at'], ['y_at'], { axis: 2 }),
      node('GatherElements', ['f2', 'fixed'], ['y_fixed'], { axis: 2 }),
      node('Transpose', ['f2'], ['t2'], { perm: [0, 2, 1] }),
      node('GatherElements', ['t2', 'rows'], ['y_rows'], { axis: 1 }),
    ],
    initializers: [
      tensor('w1', 'float32', [4, 3, 1, 1], seq(12, (i) => Math.sin(i * 1.3))),
      tensor('w2', 'float32', [4, 3, 1, 1], seq(12, (i) => Math.cos(i * 0.7))),
      tensor('flat', 'int64', [3], [1, 4, 36]),
      tensor('fixed', 'int64', [1, 4, 2], [0, 35, 7, -1, 20, 3, 11, 30]),
      tensor('rows', 'int64', [1, 2, 4], [5, 0, 35, 12, -3, 17, 1, 29]),
    ],
  });
}

test('GatherElements of a channel-last map flattened: no TRANSPOSE, equal to onnxruntime on LiteRT', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gather-elements-')), 'decode.onnx');
  writeFileSync(file, encodeModel(decodeModel()));
  const model = decodeModel();
  const m = await convertAndMatch(file, model, seededInputs(model, 3, 0, 1));
  assert.deepEqual(m.outputs.map((o) => o.name).sort(), ['y_at', 'y_fixed', 'y_rows']);
  for (const o of m.outputs) assert.ok(o.maxDiff <= 1e-6 * Math.max(1, o.maxRef), `${o.name}: max|diff| ${o.maxDiff}`);
  assert.equal(m.result.transposeCount, 0);
  assert.ok((m.result.opHistogram.GATHER_ND ?? 0) === 3);
});
