// Calibration ranges read from LiteRT (src/calibration/ranges.ts tfliteRanges) on real LiteRT: a graph input among the
// tensors is read from the sample (declared as an output, LiteRT ran the model on the output's buffer).
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { RangeCollector, tfliteRanges } from '../../src/calibration/ranges';

test('calibration ranges read from LiteRT take a graph input from the sample, not as an output of the run', async () => {
  const model = buildModel({
    inputs: [['x', 'float32', [1, 6]]],
    outputs: ['y'],
    initializers: [tensor('w', 'float32', [6, 3], Array.from({ length: 18 }, (_, i) => Math.cos(i)))],
    nodes: [node('MatMul', ['x', 'w'], ['h']), node('Relu', ['h'], ['y'])],
  });
  const result = convertModel(model, {});
  const sg = result.model.subgraphs[0];
  const [inp] = sg.inputs;
  const [out] = sg.outputs;
  const x = Float32Array.from([-3, 1, 2, 0.5, -1, 4]);
  const expected = Array.from({ length: 3 }, (_, j) => Math.max(0, x.reduce((a, v, i) => a + v * Math.cos(i * 3 + j), 0)));
  const c = new RangeCollector({ method: 'minmax' });
  await tfliteRanges(c, result, [inp, out], [[{ name: 'x', dtype: 'float32', dims: [1, 6], data: x }]]);
  const r = c.minmaxRanges();
  assert.deepEqual([r.get(inp)?.min, r.get(inp)?.max], [-3, 4]);
  assert.ok(Math.abs((r.get(out)?.max ?? 0) - Math.max(...expected)) < 1e-5);
});
