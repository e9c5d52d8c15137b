// Deformable attention's sampling grids as MSDeformAttn's PyTorch core writes them (DINO, Deformable-DETR):
// `sampling_grids[:, :, :, level].transpose(1, 2).flatten(0, 1)` for each feature level, then grid_sample. The grids'
// per-level moves are one move before the Gathers (src/convert/simplify-hoist-moves.ts): one TRANSPOSE for the three.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
const Q = 6, M = 2, L = 3, P = 4, D = 4;
const SIZES = [[6, 6], [3, 3], [2, 2]];

function deformableSampling(): Model {
  const nodes = [node('Mul', ['loc', 'two'], ['l2']), node('Sub', ['l2', 'one'], ['grids'])];
  const outs: string[] = [];
  SIZES.forEach((_, l) => {
    nodes.push(node('Gather', ['grids', `lv${l}`], [`g${l}`], { axis: 3 }), node('Transpose', [`g${l}`], [`t${l}`], { perm: [0, 2, 1, 3, 4] }),
      node('Reshape', [`t${l}`, 'gshape'], [`r${l}`]),
      node('GridSample', [`v${l}`, `r${l}`], [`s${l}`], { align_corners: 0, mode: 'bilinear', padding_mode: 'zeros' }));
    outs.push(`s${l}`);
  });
  nodes.push(node('Concat', outs, ['y'], { axis: 3 }));
  return buildModel({
    inputs: [['loc', 'float32', [1, Q, M, L, P, 2]], ...SIZES.map(([h, w], l) => [`v${l}`, 'float32', [M, D, h, w]] as [string, 'float32', number[]])],
    outputs: ['y'], opset: 16, nodes,
    initializers: [tensor('two', 'float32', [], [2]), tensor('one', 'float32', [], [1]), i64('gshape', [M, Q, P, 2]),
      ...SIZES.map((_, l) => tensor(`lv${l}`, 'int64', [], [l]))],
  });
}

test('deformable attention: the sampling grids of three levels are moved once before their Gathers (3 -> 1 TRANSPOSE)', async () => {
  const model = deformableSampling();
  const file = join(mkdtempSync(join(tmpdir(), 'deform-grids-')), 'deform_grids.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 47, 0, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
  assert.equal(m.result.opHistogram.GATHER >= 3, true, JSON.stringify(m.result.opHistogram));
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});
