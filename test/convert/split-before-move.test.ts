// A packed projection moved by a Transpose and then unbound (Split along axis 0 into parts of one, each Squeezed):
// T2T-ViT's single-head token attention `qkv.reshape(B, N, 3, d).permute(2, 0, 1, 3)`, CMT's one-head packed k / v
// `kv.reshape(B, N, 2, 1, d).permute(2, 0, 3, 1, 4)`. With one head the parts need no data moved, but the packed value
// was TRANSPOSEd; now the parts are split from it as stored (src/convert/simplify-split-move.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt } from '../helpers/match';

const N = 12, D = 8;

for (const [label, view, perm, parts] of [
  ['[B, N, 3, d] moved (2, 0, 1, 3): q, k, v', [1, N, 3, D], [2, 0, 1, 3], 3],
  ['[B, N, 2, 1, d] moved (2, 0, 3, 1, 4): k, v of one head', [1, N, 2, 1, D], [2, 0, 3, 1, 4], 2],
] as const) {
  test(`single-head packed ${label}: split as stored, no TRANSPOSE of the packed value, matches onnxruntime`, async () => {
    const names = ['q', 'k', 'v'].slice(3 - parts);
    const q = parts === 3 ? 'q' : 'qin';
    const model = buildModel({
      opset: 13, inputs: [['x', 'float32', [1, N, parts * D]], ...(parts === 2 ? [['qin', 'float32', [1, 1, N, D]] as [string, 'float32', number[]]] : [])],
      outputs: ['y'],
      initializers: [tensor('view', 'int64', [view.length], [...view]), tensor('ax0', 'int64', [1], [0]), tensor('ones', 'int64', [parts], new Array(parts).fill(1))],
      nodes: [
        node('Reshape', ['x', 'view'], ['xv']), node('Transpose', ['xv'], ['xt'], { perm: [...perm] }),
        node('Split', ['xt', 'ones'], names.map((n) => `${n}s`), { axis: 0 }),
        ...names.map((n) => node('Squeeze', [`${n}s`, 'ax0'], [n])),
        node('Transpose', ['k'], ['kt'], { perm: parts === 3 ? [0, 2, 1] : [0, 1, 3, 2] }),
        node('MatMul', [q, 'kt'], ['s']), node('Softmax', ['s'], ['a'], { axis: -1 }), node('MatMul', ['a', 'v'], ['y']),
      ],
    });
    const m = await matchBuilt(model, `split-before-move-${parts}`, 3);
    assert.equal(m.result.opHistogram.TRANSPOSE ?? 0, 0, JSON.stringify(m.result.opHistogram));
  });
}
