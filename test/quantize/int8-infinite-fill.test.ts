// A tensor written with ±inf stays float32 in int8 from the op taking the fill in to the one consuming it
// (src/quantize/int8-infinite-fill.ts). ToMe protects its class token by `scores[:, 0, :] = -inf` (ScatterND), then
// takes each row's max and sorts the maxima: the calibrated range of the written scores has a −inf end, params.ts caps
// it at −1e30, and every finite score was 0 in int8 — the sort saw ties (ToMe int8: /ScatterND 0 → −200 dB). Here: a
// [8, 8] score map from a MatMul, row 0 set to −inf by a ScatterND, its row maxima (ReduceMax), arg-maxes and their
// order (TopK), on real LiteRT against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { infiniteFillOps } from '../../src/quantize/int8-infinite-fill';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { serializeTflite } from '../../src/tflite/writer';
import { rng } from './helpers';

const [N, D] = [8, 4];

function matching(): Uint8Array {
  const r = rng(27);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, N, D]]], outputs: ['order', 'best'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'w'], ['scores']),
      node('ScatterND', ['scores', 'row', 'fill'], ['masked']),
      node('ReduceMax', ['masked'], ['nodeMax'], { axes: [2], keepdims: 0 }),
      node('ArgMax', ['masked'], ['best'], { axis: 2, keepdims: 0 }),
      node('TopK', ['nodeMax', 'k'], ['sorted', 'order'], { axis: -1, largest: 1, sorted: 1 }),
    ],
    initializers: [
      tensor('w', 'float32', [D, N], Array.from({ length: D * N }, () => 4 * r() - 2)),
      tensor('row', 'int64', [1, 1, 2], [0, 0]),
      tensor('fill', 'float32', [1, 1, N], Array(N).fill(-Infinity)),
      tensor('k', 'int64', [1], [N]),
    ],
  }));
}

test('a score map with a -inf row keeps float32 from the write to the max / arg-max / sort: int8 orders rows as onnxruntime', async () => {
  const bytes = matching();
  const { result } = await quantizeModelBytes(bytes, 'matching.onnx', {}, { mode: 'int8', count: 8, int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const lite = await openConverted(serializeTflite(result.model));
  const r = rng(8);
  let same = 0; let sameBest = 0; const n = 16;
  try {
    for (let s = 0; s < n; s++) {
      const x = tensor('x', 'float32', [1, N, D], Array.from({ length: N * D }, () => r()));
      const want = await runOnnx(bytes, [x]);
      const got = await lite.run([x]);
      const ints = (m: Map<string, Tensor>, name: string) => Array.from(m.get(name)!.data as ArrayLike<number | bigint>, Number);
      // The masked row is last in both orders; the other rows by their maxima.
      if (ints(got, 'order').join() === ints(want, 'order').join()) same++;
      sameBest += ints(got, 'best').filter((b, i) => i === 0 || b === ints(want, 'best')[i]).length === N ? 1 : 0;
    }
  } finally { lite.close(); }
  // main before this rule: every finite score 0 in int8, the maxima tie and TopK keeps index order (0 / 16 orders);
  // with it 13 / 16 (the others swap two maxima within the scores' int8 step).
  assert.ok(same >= n / 2 + 2, `${same} / ${n} orders as onnxruntime's`);
  assert.ok(sameBest >= n - 3, `${sameBest} / ${n} arg-max rows as onnxruntime's`);
  const sg = result.model.subgraphs[0];
  const top = sg.operators.find((op) => op.opcode === 'TOPK_V2')!;
  assert.equal(sg.tensors[top.inputs[0]].type, 'FLOAT32', 'the TOPK_V2 sorts float maxima');
});

test('a clamp\'s open bound, a pad value before a max pool, or a fill reaching a SOFTMAX is no infinite fill', () => {
  const f = (name: string, shape: number[]) => ({ name, shape, type: 'FLOAT32' });
  const c = (name: string, v: number[]) => ({ name, shape: [v.length], type: 'FLOAT32', data: new Uint8Array(Float32Array.from(v).buffer) });
  const sg = (opcode: string, fill: number, reader = 'REDUCE_MAX') => ({
    tensors: [f('x', [1, 4]), c('fill', [fill]), f('y', [1, 4]), f('z', [1]), c('axis', [1])],
    operators: [{ opcode, inputs: opcode === 'PADV2' ? [0, 4, 1] : [0, 1], outputs: [2] }, { opcode: reader, inputs: [2, 4], outputs: [3] }],
    inputs: [0], outputs: [3],
  });
  assert.deepEqual([...infiniteFillOps(sg('ADD', -Infinity) as never)], [0, 1], 'an added -inf and the max reading it');
  assert.deepEqual([...infiniteFillOps(sg('MINIMUM', -3.4e38) as never)], [0, 1], 'a minimum with float32\'s lowest writes it');
  assert.equal(infiniteFillOps(sg('MAXIMUM', -3.4e38) as never).size, 0, 'Clip without a min');
  assert.equal(infiniteFillOps(sg('MINIMUM', Infinity) as never).size, 0, 'Clip without a max');
  assert.equal(infiniteFillOps(sg('PADV2', -3.4e38, 'MAX_POOL_2D') as never).size, 0, 'a max pool\'s padding');
  assert.equal(infiniteFillOps(sg('ADD', -Infinity, 'SOFTMAX') as never).size, 0, 'an attention mask (int8-attention-mask.ts)');
  assert.equal(infiniteFillOps(sg('ADD', -1e4) as never).size, 0, 'a finite mask value');
});
