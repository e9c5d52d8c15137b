// The search's scorer hands back what it ran (src/quantize/sensitivity.ts makeScorer `scoreWith`, `floatOutputs`):
// bias-choice.ts decodes the judged lines of each variant from the scorer's own LiteRT run, where it ran every variant
// a second time beside it (and the float32 model a third) with a copy of the scorer's by-ONNX-name output map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { cloneResult } from '../../src/quantize/mixed-precision';
import { makeScorer, runTaps } from '../../src/quantize/sensitivity';
import { makeTensor } from '../../src/ir/tensor';
import { rng } from './helpers';

test('the scorer\'s run gives the variant\'s outputs by ONNX name, the same as running it alone', async () => {
  const r = rng(7);
  const w = Array.from({ length: 16 * 10 }, () => r() - 0.5);
  const result = convertModel(decodeModel(encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 16]]], outputs: [['y', 'float32', [1, 10]]], initializers: [tensor('w', 'float32', [16, 10], w)],
    nodes: [node('MatMul', ['x', 'w'], ['logits']), node('Softmax', ['logits'], ['y'], { axis: -1 })], opset: 13,
  }))));
  const samples = [0, 1, 2].map(() => [makeTensor('x', 'float32', [1, 16], Array.from({ length: 16 }, () => 2 * r() - 1))]);
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -3, max: 3 }); });
  const q = quantizeInt8(cloneResult(result), activationParams(result, ranges), { int16Ops: new Set(), splitOps: new Set() });
  const scorer = await makeScorer(result, samples, []);
  const { score, outputs } = await scorer.scoreWith(q.model, q.metadata);
  const alone = (await runTaps(q.model, q.metadata, [], samples)).outputs;
  const float = (await runTaps(result.model, result.metadata, [], samples)).outputs;
  assert.equal(outputs.length, 3);
  for (let k = 0; k < 3; k++) {
    assert.deepEqual([...outputs[k].keys()], ['y']);
    assert.deepEqual([...(outputs[k].get('y')!.data as Float32Array)], [...(alone[k][0].data as Float32Array)], `sample ${k}`);
    assert.deepEqual([...(scorer.floatOutputs[k].get('y')!.data as Float32Array)], [...(float[k][0].data as Float32Array)], `float32, sample ${k}`);
  }
  const again = await scorer.score(q.model, q.metadata);
  assert.deepEqual({ ...score, ms: 0 }, { ...again, ms: 0 }, 'the same measure as score()');
  assert.ok(score.task?.kind === 'argmax');
});
