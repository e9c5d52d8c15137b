// GatherElements / ScatterElements over big tensors (BiRefNet's deformable convs gather [1, 64, 200704, 1]): the
// coordinates of the other axes are broadcast from a position list per axis at run time, not written as full grid
// constants (4 bytes an element per axis: BiRefNet's .tflite was 295 MB for 137 MB of ONNX weights).
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

/** x [1, 3, 96, 128] → 1×1 conv to 6 channels; where each element reads along H comes from a second conv
 *  (sigmoid · 95, floored): a data-dependent GatherElements of 73,728 elements; a constant-index ScatterElements
 *  of the same size writes the gathered rows back at shifted positions. */
function bigModel(): Model {
  const H = 96;
  return buildModel({
    inputs: [['x', 'float32', [1, 3, H, 128]]], outputs: ['y', 's'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1'], ['c1']), node('Conv', ['x', 'w2'], ['c2']),
      node('Sigmoid', ['c2'], ['g']), node('Mul', ['g', 'hmax'], ['gs']), node('Floor', ['gs'], ['gf']),
      node('Cast', ['gf'], ['idx'], { to: 7 }),
      node('GatherElements', ['c1', 'idx'], ['y'], { axis: 2 }),
      node('ScatterElements', ['c1', 'rows', 'y'], ['s'], { axis: 2 }),
    ],
    initializers: [
      tensor('w1', 'float32', [6, 3, 1, 1], seq(18, (i) => Math.sin(i * 1.3))),
      tensor('w2', 'float32', [6, 3, 1, 1], seq(18, (i) => Math.cos(i * 0.7))),
      tensor('hmax', 'float32', [], [H - 0.01]),
      tensor('rows', 'int64', [1, 6, H, 128], seq(6 * H * 128, (i) => (Math.floor(i / 128) % H + 7) % H)),
    ],
  });
}

test('a big GatherElements / ScatterElements: coordinates broadcast at run time, no grid constants, equal to onnxruntime on LiteRT', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gather-elements-big-')), 'big.onnx');
  writeFileSync(file, encodeModel(bigModel()));
  const model = bigModel();
  const m = await convertAndMatch(file, model, seededInputs(model, 3, 0, 1));
  for (const o of m.outputs) assert.ok(o.maxDiff <= 1e-6 * Math.max(1, o.maxRef), `${o.name}: max|diff| ${o.maxDiff}`);
  const sg = m.result.model.subgraphs[0];
  const biggestInt32 = Math.max(0, ...sg.tensors.filter((t) => t.type === 'INT32' && t.data).map((t) => t.data!.byteLength));
  // The scatter's constant indices themselves are data (73,728 of them); no grid beside them.
  assert.ok(biggestInt32 <= 6 * 96 * 128 * 4, `largest int32 constant ${biggestInt32} bytes`);
  const grids = sg.tensors.filter((t) => t.type === 'INT32' && t.data && /\/grid\d$/.test(t.name));
  assert.deepEqual(grids.map((t) => t.name), []);
  assert.ok((m.result.opHistogram.BROADCAST_TO ?? 0) >= 2);
});
