// ScatterElements without reduction into zeros with computed indices: torch 1.13's export of index_add (GCN /
// GraphSAGE message passing written as torch_geometric-free code; ninth sweep). ONNX leaves repeated indices
// undefined: onnxruntime keeps one update per row, LiteRT's SCATTER_ND sums them, as torch's index_add does. Where the
// indices do not repeat both agree; where they do, convert says so in a warning (the self-check's seeded integer
// inputs are 0, all repeats, and a GCN could pass it while differing from onnxruntime on every real graph).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';

const X = Array.from({ length: 15 }, (_, i) => Math.sin(i * 0.9) + 2);

/** zeros(5, 3).index_add(0, idx, x[idx]) as torch 1.13 exports it (ScatterElements into zeros, then Add). */
function indexAdd(intoZeros: boolean) {
  return buildModel({
    inputs: [['x', 'float32', [5, 3]], ['idx', 'int64', [4]]], outputs: ['y'], opset: 16,
    nodes: [
      node('Shape', ['x'], ['shape']),
      node('ConstantOfShape', ['shape'], ['zeros'], { value: tensor('value', 'float32', [1], [0]) }),
      node('Gather', ['x', 'idx'], ['msg'], { axis: 0 }),
      node('Unsqueeze', ['idx', 'axis1'], ['idx1']),
      node('Shape', ['msg'], ['msg_shape']),
      node('Expand', ['idx1', 'msg_shape'], ['idx2']),
      node('ScatterElements', [intoZeros ? 'zeros' : 'x', 'idx2', 'msg'], ['sc'], { axis: 0 }),
      node('Add', ['zeros', 'sc'], ['y']),
    ],
    initializers: [tensor('axis1', 'int64', [1], [1])],
  });
}

async function run(model: ReturnType<typeof indexAdd>, idx: number[]) {
  const feeds = [tensor('x', 'float32', [5, 3], X), tensor('idx', 'int64', [4], idx)];
  const ort = toNumbers((await runOnnx(encodeModel(model), feeds)).get('y')!);
  const r = convertModel(model);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    return { ort, lite: toNumbers((await lite.run(feeds)).get('y')!), warnings: r.warnings };
  } finally {
    lite.close();
  }
}

test('index_add export: warned; equal to onnxruntime where indices do not repeat, summed as torch where they do', async () => {
  const unique = await run(indexAdd(true), [3, 0, 4, 1]);
  assert.equal(unique.warnings.filter((w) => /index_add export.*LiteRT sums.*onnxruntime keeps one/.test(w)).length, 1, unique.warnings.join('\n'));
  unique.ort.forEach((v, i) => assert.ok(Math.abs(unique.lite[i] - v) <= 1e-6, `element ${i}: ${unique.lite[i]} vs ${v}`));
  const repeated = await run(indexAdd(true), [2, 2, 0, 2]);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(repeated.lite[6 + c] - 3 * X[6 + c]) <= 1e-5, `LiteRT row 2 sums its three updates (torch's index_add)`);
    assert.ok(Math.abs(repeated.ort[6 + c] - X[6 + c]) <= 1e-6, `onnxruntime keeps one`);
  }
});

test('ScatterElements into data that is not zeros: no warning', () => {
  assert.deepEqual(convertModel(indexAdd(false)).warnings.filter((w) => /index_add/.test(w)), []);
});
