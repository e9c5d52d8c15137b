// GatherElements whose indices are one run-time list along the axis expanded over every other axis (torch's
// `v.gather(2, idx.unsqueeze(1).expand(B, C, N))`: PVCNN's trilinear devoxelization, RandLA-Net's nearest upsampling,
// PointMLP's grouping) is a GATHER of the data as stored: a channel-last map stays channel-last. Before: GATHER_ND with
// every element's coordinates in ONNX order, the data moved to NCHW and the output back (PVCNN 3 TRANSPOSE, 410 ops,
// 2788 KiB -> 0, 359, 2009; RandLA-Net 15 -> 12). Negative indices (counted from the end) are wrapped.
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

/** Points x [1, 3, N] (rank 3) or [1, 3, N, 1] (rank 4): features v = conv(x) of C channels over M = N / 4 points
 *  (the first M columns), each of the N points reads v's row floor(x₀ · M) (minus M: a negative index when
 *  `negative`), the gathered rows plus conv(x) through a last conv. */
function rowsModel(rank: 3 | 4, C: number, N: number, negative: boolean): Model {
  const M = N / 4;
  const tail = rank === 4 ? [1] : [];
  return buildModel({
    inputs: [['x', 'float32', [1, 3, N, ...tail]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Slice', ['x', 'zero_i', 'm_i', 'two_i'], ['xm']), node('Conv', ['xm', 'wv'], ['v']), node('Conv', ['x', 'wp'], ['p']),
      node('Slice', ['x', 'zero_i', 'one_i', 'one_ax'], ['x0']), node('Mul', ['x0', 'mf'], ['xs']),
      node('Clip', ['xs', 'zero', 'mmax'], ['xc']), node('Floor', ['xc'], ['xf']), node('Cast', ['xf'], ['j0'], { to: 7 }),
      ...(negative ? [node('Sub', ['j0', 'm_i'], ['j'])] : [node('Identity', ['j0'], ['j'])]),
      node('Expand', ['j', 'shape'], ['ix']), node('GatherElements', ['v', 'ix'], ['g'], { axis: 2 }),
      node('Add', ['g', 'p'], ['s']), node('Relu', ['s'], ['r']), node('Conv', ['r', 'wo'], ['y']),
    ],
    initializers: [
      tensor('wv', 'float32', [C, 3, 1, ...tail], seq(3 * C, (i) => Math.sin(i * 1.3))),
      tensor('wp', 'float32', [C, 3, 1, ...tail], seq(3 * C, (i) => Math.cos(i * 0.9))),
      tensor('wo', 'float32', [2, C, 1, ...tail], seq(2 * C, (i) => Math.cos(i * 0.7))),
      tensor('zero_i', 'int64', [1], [0]), tensor('m_i', 'int64', [1], [M]), tensor('two_i', 'int64', [1], [2]),
      tensor('one_i', 'int64', [1], [1]), tensor('one_ax', 'int64', [1], [1]),
      tensor('mf', 'float32', [], [M]), tensor('zero', 'float32', [], [0]), tensor('mmax', 'float32', [], [M - 1]),
      tensor('shape', 'int64', [rank], [1, C, N, ...tail]),
    ],
  });
}

for (const [rank, negative] of [[3, false], [4, false], [3, true]] as const) {
  test(`GatherElements of rows broadcast over the channels (rank ${rank}${negative ? ', negative indices' : ''}): a GATHER as stored, 0 TRANSPOSE, equal to onnxruntime on LiteRT`, async () => {
    const model = rowsModel(rank, 8, 64, negative);
    const file = join(mkdtempSync(join(tmpdir(), 'gather-elements-rows-')), 'rows.onnx');
    writeFileSync(file, encodeModel(model));
    const m = await convertAndMatch(file, model, seededInputs(model, 4, 0, 1));
    for (const o of m.outputs) assert.ok(o.maxRef > 0.1 && o.maxDiff <= 1e-5 * o.maxRef, `${o.name}: max|diff| ${o.maxDiff} of ${o.maxRef}`);
    const ops = m.result.model.subgraphs[0].operators.map((op) => op.opcode);
    assert.ok(ops.includes('GATHER') && !ops.includes('GATHER_ND'), ops.join(' '));
    assert.equal(m.result.transposeCount, 0);
  });
}
