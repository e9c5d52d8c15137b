// The int8 pass keeps a power path into a SQRT / LOG float32 (src/quantize/int8-float-islands.ts logEnergyOps): right
// for a spectrogram and for a point cloud's distances alike, but its warning named audio for both ("the spectrogram
// front end stays float32 (12 op(s) from the audio ...)" on RandLA-Net). It is now worded by what the path is: a
// spectrogram only with an STFT convolution or an audio-like model input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { audioLikeInput } from '../../src/quantize/int8-float-islands';
import type { TflSubgraph } from '../../src/tflite/model';
import { rng } from './helpers';

const P = 64;

/** points [1, P, 3] → distance to a centre (Sub, Pow 2, ReduceSum, Sqrt) joined to the points → MatMul: y [1, P, 8]. */
function pointDistances(): Uint8Array {
  const r = rng(4);
  return encodeModel(buildModel({
    opset: 13, inputs: [['points', 'float32', [1, P, 3]]], outputs: [['y', 'float32', [1, P, 8]]],
    initializers: [tensor('centre', 'float32', [1, 1, 3], [0.1, -0.2, 0.3]), tensor('two', 'float32', [], [2]), tensor('axes', 'int64', [1], [-1]),
      tensor('w', 'float32', [4, 8], Array.from({ length: 32 }, () => r() - 0.5))],
    nodes: [
      node('Sub', ['points', 'centre'], ['d']), node('Pow', ['d', 'two'], ['d2']), node('ReduceSum', ['d2', 'axes'], ['s'], { keepdims: 1 }),
      node('Sqrt', ['s'], ['dist']), node('Concat', ['points', 'dist'], ['feat'], { axis: -1 }), node('MatMul', ['feat', 'w'], ['y']),
    ],
  }));
}

test('a point cloud\'s distances into a SQRT stay float32 and are worded as distances, not as a spectrogram', async () => {
  const { result } = await quantizeModelBytes(pointDistances(), 'points.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const w = result.warnings.join('\n');
  assert.match(w, /int8: \d+ op\(s\) squaring values and summing them into a SQRT or LOG \(a distance or norm, such as distances between points\) stay float32/);
  assert.match(w, /1 layer\(s\) reading a linear square root of those squares \(a distance or norm\) compute in float32 from int8 weights/);
  assert.doesNotMatch(w, /spectrogram|audio|STFT/);
  const sg = result.model.subgraphs[0];
  const sqrt = sg.operators.find((o) => o.opcode === 'SQRT')!;
  assert.equal(sg.tensors[sqrt.inputs[0]].type, 'FLOAT32', 'the squares reach the SQRT in float');
});

test('audioLikeInput: one long axis (mono or stereo) is audio; points, images and feature rows are not', () => {
  const sg = (...shapes: number[][]) => ({ inputs: shapes.map((_, i) => i), tensors: shapes.map((shape) => ({ name: 'x', type: 'FLOAT32', shape })) }) as unknown as TflSubgraph;
  for (const s of [[1, 16000], [1, 1, 16000], [1, 2, 16000], [16000], [1, 400]]) assert.equal(audioLikeInput(sg(s)), true, JSON.stringify(s));
  for (const s of [[1, 4096, 3], [1, 3, 4096], [1, 224, 224, 3], [1, 100, 80], [1, 256]]) assert.equal(audioLikeInput(sg(s)), false, JSON.stringify(s));
});
