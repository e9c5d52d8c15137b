// A streaming model's conv cache (icefall's streaming Zipformer2): per layer, the cache Gathered out of a stacked
// input [L, N, C, K-1] is concatenated in [N, C, T] with the new frames, which the model moves there from [T, N, C];
// a depthwise Conv1d reads the result, a Slice of its last K-1 frames is the layer's new cache, stacked into an
// output. The Concat ran in ONNX order (one TRANSPOSE of the new frames) and the Conv moved its result channel-last
// (another): 2 a layer. Channel-last moves no more of the Concat's inputs (the new frames move unit dims only, the
// cache slice moves) and the Conv reads it as stored (src/convert/context.ts commonPerm); the slices are Gathered
// from the stacked cache moved once (src/convert/regather.ts); the stacked new cache keeps its ONNX layout and its
// name with one move at the output (subgraph.ts nameOutputs): 2 in all, one at each edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { matchBuilt } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = <V>(n: number, f: (i: number) => V): V[] => Array.from({ length: n }, (_, i) => f(i));
const T = 8, C = 16, K = 5, L = 2;

function streamingConvs(): Model {
  const layer = (i: number) => [
    node('Gather', ['cache', `i${i}`], [`g${i}`], { axis: 0 }),
    node('MatMul', [`x${i}`, `w${i}`], [`h${i}`]), node('Transpose', [`h${i}`], [`hc${i}`], { perm: [1, 2, 0] }),
    node('Concat', [`g${i}`, `hc${i}`], [`c${i}`], { axis: 2 }),
    node('Slice', [`c${i}`, 'start', 'end', 'axis2'], [`nc${i}`]), node('Unsqueeze', [`nc${i}`, 'axis0'], [`nu${i}`]),
    node('Conv', [`c${i}`, `dw${i}`, `b${i}`], [`y${i}`], { kernel_shape: [K], group: C }),
    node('Transpose', [`y${i}`], [`yt${i}`], { perm: [2, 0, 1] }), node('Add', [`x${i}`, `yt${i}`], [`x${i + 1}`]),
  ];
  return buildModel({
    inputs: [['x0', 'float32', [T, 1, C]], ['cache', 'float32', [L, 1, C, K - 1]]], outputs: [`x${L}`, 'new_cache'], opset: 13,
    nodes: [...seq(L, layer).flat(), node('Concat', seq(L, (i) => `nu${i}`), ['new_cache'], { axis: 0 })],
    initializers: [
      ...seq(L, (i) => [
        tensor(`i${i}`, 'int64', [], [i]),
        tensor(`w${i}`, 'float32', [C, C], seq(C * C, (j) => 0.3 * Math.sin(j * 0.37 + i))),
        tensor(`dw${i}`, 'float32', [C, 1, K], seq(C * K, (j) => 0.3 * Math.cos(j * 0.71 + i))),
        tensor(`b${i}`, 'float32', [C], seq(C, (j) => 0.01 * j)),
      ]).flat(),
      tensor('start', 'int64', [1], [-(K - 1)]), tensor('end', 'int64', [1], [1 << 30]),
      tensor('axis2', 'int64', [1], [2]), tensor('axis0', 'int64', [1], [0]),
    ],
  });
}

test('a stacked conv cache concatenated in [N, C, T] before depthwise Conv1ds runs channel-last: 2 TRANSPOSE a layer → 2 in all', async () => {
  const m = await matchBuilt(streamingConvs(), 'streaming-convs', 7);
  // The stacked cache moved once at the input, the stacked new cache moved back to [L, N, C, K-1] once at the output.
  assert.equal(m.result.transposeCount, 2);
  const sg0 = m.result.model.subgraphs[0];
  assert.deepEqual(sg0.tensors[sg0.inputs[1]].shape.filter((d) => d > 1), [L, C, K - 1], 'the cache input keeps its interface order');
  const sig = parseTflite(serializeTflite(m.result.model)).signatures?.[0];
  assert.deepEqual(sig?.outputs.map((o) => o.name), [`x${L}`, 'new_cache']);
  const sg = m.result.model.subgraphs[0];
  assert.deepEqual(sg.tensors[sg.outputs[1]].shape, [L, 1, C, K - 1]);
});
