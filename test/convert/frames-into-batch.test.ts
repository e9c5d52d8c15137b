// A clip [N, C, T, H, W] the model moves frames-first and folds into the batch for a 2-D patch conv (TimeSformer:
// `x.transpose(1, 2).reshape(N·T, C, H, W)`) is stored channel-last (NDHWC): the move and the fold are one RESHAPE
// (src/convert/subgraph.ts channelLastHints). Was 1 TRANSPOSE (the input kept its ONNX order).
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

function framesIntoBatch(batch: number): Model {
  const [c, t, s, o] = [3, 2, 8, 4];
  return buildModel({
    inputs: [['clip', 'float32', [batch, c, t, s, s]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Transpose', ['clip'], ['frames'], { perm: [0, 2, 1, 3, 4] }), node('Reshape', ['frames', 'fold'], ['imgs']),
      node('Conv', ['imgs', 'w', 'b'], ['c'], { kernel_shape: [2, 2], strides: [2, 2] }), node('Relu', ['c'], ['y']),
    ],
    initializers: [
      tensor('fold', 'int64', [4], [batch * t, c, s, s]),
      tensor('w', 'float32', [o, c, 2, 2], seq(o * c * 4, (i) => Math.sin(i * 0.9))), tensor('b', 'float32', [o], seq(o, (i) => i * 0.1)),
    ],
  });
}

for (const batch of [1, 2]) {
  test(`a clip moved frames-first into the batch of a patch conv is stored NDHWC: no TRANSPOSE (batch ${batch})`, async () => {
    const model = framesIntoBatch(batch);
    const file = join(mkdtempSync(join(tmpdir(), 'frames-batch-')), 'frames.onnx');
    writeFileSync(file, encodeModel(model));
    const m = await convertAndMatch(file, model, seededInputs(model, 53, -1, 1));
    assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
    assert.ok(m.outputs.every((out) => out.maxRef > 0));
    assert.equal(m.result.transposeCount, 0, JSON.stringify(m.result.opHistogram));
  });
}
