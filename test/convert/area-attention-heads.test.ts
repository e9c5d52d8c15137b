// ultralytics YOLOv12's area attention (AAttn): `qkv(x).flatten(2).transpose(1, 2)`, areas folded into the batch,
// `.view(B, N, h, 3d).permute(0, 2, 3, 1).split([d, d, d], dim=2)`, `q.transpose(-2, -1) @ k`, `v @ attn.transpose(-2, -1)`,
// x and v each `.permute(0, 3, 1, 2)` back to tokens, viewed as images, `x + pe(v)` (a depthwise conv). v's move back
// undoes the qkv move: it is a Slice of the value before it (src/convert/simplify-heads.ts sliceUndoneMoves), so only
// the head split and x's merge are left (3 → 2 TRANSPOSE).
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
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);
const C = 8, S = 4, HS = 2, D = C / HS, AREAS = 2, N = (S * S) / AREAS;

function areaAttention(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, C, S, S]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wqkv', 'bqkv'], ['qkv'], { kernel_shape: [1, 1] }), node('Reshape', ['qkv', 'flat'], ['f']),
      node('Transpose', ['f'], ['tok'], { perm: [0, 2, 1] }), node('Reshape', ['tok', 'areas'], ['ar']),
      node('Transpose', ['ar'], ['moved'], { perm: [0, 2, 3, 1] }), node('Split', ['moved', 'sizes'], ['q', 'k', 'v'], { axis: 2 }),
      node('Transpose', ['q'], ['qt'], { perm: [0, 1, 3, 2] }), node('MatMul', ['qt', 'k'], ['s']),
      node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['a'], { axis: -1 }),
      node('Transpose', ['a'], ['at'], { perm: [0, 1, 3, 2] }), node('MatMul', ['v', 'at'], ['o']),
      node('Transpose', ['o'], ['ot'], { perm: [0, 3, 1, 2] }), node('Transpose', ['v'], ['vt'], { perm: [0, 3, 1, 2] }),
      node('Reshape', ['ot', 'nhwc'], ['oi']), node('Reshape', ['vt', 'nhwc'], ['vi']),
      node('Transpose', ['oi'], ['on'], { perm: [0, 3, 1, 2] }), node('Transpose', ['vi'], ['vn'], { perm: [0, 3, 1, 2] }),
      node('Conv', ['vn', 'wpe', 'bpe'], ['pe'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: C }),
      node('Add', ['on', 'pe'], ['y']),
    ],
    initializers: [
      tensor('wqkv', 'float32', [3 * C, C, 1, 1], seq(3 * C * C, (i) => Math.sin(i * 0.31) * 0.5)),
      tensor('bqkv', 'float32', [3 * C], seq(3 * C, (i) => Math.cos(i) * 0.1)),
      i64('flat', [1, 3 * C, S * S]), i64('areas', [AREAS, N, HS, 3 * D]), i64('sizes', [D, D, D]),
      tensor('scale', 'float32', [], [D ** -0.5]), i64('nhwc', [1, S, S, C]),
      tensor('wpe', 'float32', [C, 1, 3, 3], seq(9 * C, (i) => Math.cos(i * 0.7) * 0.3)),
      tensor('bpe', 'float32', [C], seq(C, (i) => i * 0.01)),
    ],
  });
}

test('YOLOv12 area attention: v moved back for the pe conv is a slice before the qkv move (3 -> 2 TRANSPOSE)', async () => {
  const model = areaAttention();
  const file = join(mkdtempSync(join(tmpdir(), 'area-attn-')), 'area_attn.onnx');
  writeFileSync(file, encodeModel(model));
  const m = await convertAndMatch(file, model, seededInputs(model, 43, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.ok(m.outputs.every((o) => o.maxRef > 0));
  assert.equal(m.result.transposeCount, 2, JSON.stringify(m.result.opHistogram));
});
