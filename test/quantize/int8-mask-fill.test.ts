// int8 without calibration: a mask made by `where(adj > 0, scores, -9e15)` (pyGAT) whose seeded samples never mask
// anything (uniform [0, 1) adjacency: every entry > 0) still stays float32, as the compatibility view marks it. By the
// samples' ranges alone it ran in int8, and a real 0/1 adjacency's -9e15 clipped to the scores' range: masked
// neighbours were attended (GAT of the fourteenth sweep; compat-audit's int8-unmarked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { cosine, rng } from './helpers';

const N = 12;
function gatModel(): Uint8Array {
  const r = rng(3);
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [N, 8]], ['adj', 'float32', [N, N]]], outputs: [['y', 'float32', [N, 8]]],
    initializers: [tensor('w', 'float32', [8, 8], Array.from({ length: 64 }, () => r() - 0.5)),
      tensor('zero', 'float32', [], [0]), tensor('fill', 'float32', [], [-9e15])],
    nodes: [node('MatMul', ['x', 'w'], ['h']), node('Transpose', ['h'], ['ht'], { perm: [1, 0] }), node('MatMul', ['h', 'ht'], ['e']),
      node('Greater', ['adj', 'zero'], ['m']), node('Where', ['m', 'e', 'fill'], ['s']), node('Softmax', ['s'], ['a'], { axis: 1 }),
      node('MatMul', ['a', 'h'], ['y'])],
  }));
}

test('int8 without calibration: a constant-filled mask stays float32 and a real 0/1 mask still masks', async () => {
  const bytes = gatModel();
  const { result } = await quantizeModelBytes(bytes, 'gat.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const sel = sg.operators.find((o) => o.opcode === 'SELECT_V2' || o.opcode === 'SELECT');
  assert.ok(sel, sg.operators.map((o) => o.opcode).join(' '));
  assert.equal(sg.tensors[sel.outputs[0]].type, 'FLOAT32', 'the mask stays float32');
  const s = await openConverted(serializeTflite(result.model));
  const r = rng(11);
  const x = { name: 'x', dtype: 'float32' as const, dims: [N, 8], data: Float32Array.from({ length: N * 8 }, r) };
  const adj = { name: 'adj', dtype: 'float32' as const, dims: [N, N], data: Float32Array.from({ length: N * N }, (_, i) => (i % N === Math.floor(i / N) || r() < 0.3 ? 1 : 0)) };
  const ref = (await runOnnx(bytes, [x, adj])).get('y')!.data as Float32Array;
  const got = [...(await s.run([x, adj])).values()][0].data as Float32Array;
  assert.ok(cosine(ref, got) > 0.99, `cosine ${cosine(ref, got)}`);
});
