// GELU and Erf: GELU written out with Erf or Tanh (every ordering PyTorch and hand-written code produce) becomes one
// TFLite GELU; ONNX Gelu (opset 20) too, `approximate` kept; a bare Erf goes through a rational approximation whose
// error is measured on LiteRT against a float64 erf over a wide range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { erf } from '../../src/core/erf';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import type { Model, Node, Tensor } from '../../src/ir/types';
import { convertAndMatch, seededInputs } from '../helpers/match';

const FIX = 'test/fixtures/transformers';

async function runLite(model: Model, feeds: Tensor[]): Promise<{ out: Map<string, Tensor>; hist: Record<string, number> }> {
  const r = convertModel(model);
  const lite = await openConverted(serializeTflite(r.model));
  try {
    return { out: await lite.run(feeds), hist: r.opHistogram };
  } finally {
    lite.close();
  }
}

test('bare Erf: max abs error ≤ 1e-6 on LiteRT against float64 erf over [-10, 10] and extremes', async (t) => {
  const xs: number[] = [];
  for (let i = -100000; i <= 100000; i++) xs.push(i / 10000);
  xs.push(0, -0, 1e-30, -1e-30, 1e-10, -1e-10, 100, -100, 1e30, -1e30, 3.4e38, -3.4e38);
  const x = tensor('x', 'float32', [xs.length], xs);
  const model = buildModel({ inputs: [['x', 'float32', [xs.length]]], outputs: ['y'], opset: 13, nodes: [node('Erf', ['x'], ['y'])] });
  const ref = toNumbers((await runOnnx(encodeModel(model), [x])).get('y')!);
  const { out, hist } = await runLite(model, [x]);
  assert.equal(hist.GELU, undefined);
  const got = toNumbers(out.get('y')!);
  const xf = toNumbers(x);
  let worst = 0;
  let worstOrt = 0;
  xf.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(got[i] - erf(v)));
    worstOrt = Math.max(worstOrt, Math.abs(got[i] - ref[i]));
  });
  t.diagnostic(`Erf approximation on LiteRT: max abs error ${worst.toExponential(2)} (float64 erf), ${worstOrt.toExponential(2)} (onnxruntime)`);
  assert.ok(worst <= 1e-6, `max abs error ${worst}`);
  assert.ok(worstOrt <= 1e-6, `max abs difference from onnxruntime ${worstOrt}`);
  assert.ok(Object.is(got[xs.indexOf(-0)], -0) || got[xs.indexOf(-0)] === 0);
  assert.equal(got[xs.length - 2], 1);
  assert.equal(got[xs.length - 1], -1);
});

test('GELU in every ordering fuses into one GELU op each; an Erf shared with another output stays and is approximated', async () => {
  const file = `${FIX}/gelu_forms_op13.onnx`;
  const model = readModelFile(file);
  // PyTorch's export shares h·0.5 and erf(h/√2) between the forms: the GELUs overlap.
  assert.equal(model.graph.nodes.filter((n) => n.opType === 'Erf').length, 3);
  const m = await convertAndMatch(file, model, seededInputs(model, 3));
  assert.equal(m.result.opHistogram.GELU, 6);
  const gelus = m.result.model.subgraphs[0].operators.filter((o) => o.opcode === 'GELU');
  assert.equal(gelus.filter((o) => o.options?.approximate === true).length, 1, 'one tanh-form GELU');
  assert.equal(m.result.opHistogram.TANH, undefined);
  // x/√2 before the shared Erf becomes a MUL by 1/√2 (a Div by a constant always does); the approximation keeps its DIV.
  assert.equal(m.result.opHistogram.DIV, 1, 'the erf output: the approximation\'s DIV');
  assert.ok(m.worst <= 1e-5, `max|diff|/max|ref| ${m.worst}`);
});

function geluModel(nodes: Node[], opset = 13, extra: Tensor[] = []): Model {
  const c = (name: string, v: number) => tensor(name, 'float32', [], [v]);
  return buildModel({
    inputs: [['x', 'float32', [2, 50]]], outputs: ['y'], opset, nodes,
    initializers: [c('half', 0.5), c('one', 1), c('sqrt2', Math.SQRT2), c('two', 2), c('k', Math.sqrt(2 / Math.PI)),
      c('a', 0.044715), c('three', 3), ...extra],
  });
}

const X = tensor('x', 'float32', [2, 50], Array.from({ length: 100 }, (_, i) => (i - 50) / 8));

async function check(model: Model, gelus: number, approximate?: boolean): Promise<void> {
  const want = toNumbers((await runOnnx(encodeModel(model), [X])).get('y')!);
  const { out, hist } = await runLite(model, [X]);
  assert.equal(hist.GELU ?? 0, gelus, JSON.stringify(hist));
  const got = toNumbers(out.get('y')!);
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 2e-6 * Math.max(1, Math.abs(v)), `element ${i}: ${got[i]} vs ${v}`));
  if (approximate !== undefined) {
    const op = convertModel(model).model.subgraphs[0].operators.find((o) => o.opcode === 'GELU')!;
    assert.equal(op.options?.approximate, approximate);
  }
}

test('Erf GELU with Mul(0.5) before the product and Add(erf, 1) reversed becomes GELU', async () => {
  await check(geluModel([node('Div', ['x', 'sqrt2'], ['u']), node('Erf', ['u'], ['e']), node('Add', ['e', 'one'], ['s']),
    node('Mul', ['half', 'x'], ['h']), node('Mul', ['s', 'h'], ['y'])]), 1, false);
});

test('tanh GELU with Pow(x, 3) becomes GELU approximate', async () => {
  await check(geluModel([node('Pow', ['x', 'three'], ['p']), node('Mul', ['p', 'a'], ['q']), node('Add', ['x', 'q'], ['r']),
    node('Mul', ['k', 'r'], ['t']), node('Tanh', ['t'], ['th']), node('Add', ['one', 'th'], ['s']), node('Mul', ['x', 's'], ['m']),
    node('Div', ['m', 'two'], ['y'])]), 1, true);
});

test('look-alikes of GELU are not fused (wrong constant, tanh on the erf form) and still match', async () => {
  await check(geluModel([node('Div', ['x', 'two'], ['u']), node('Erf', ['u'], ['e']), node('Add', ['e', 'one'], ['s']),
    node('Mul', ['x', 's'], ['m']), node('Mul', ['m', 'half'], ['y'])]), 0);
  await check(geluModel([node('Div', ['x', 'sqrt2'], ['u']), node('Tanh', ['u'], ['e']), node('Add', ['e', 'one'], ['s']),
    node('Mul', ['x', 's'], ['m']), node('Mul', ['m', 'half'], ['y'])]), 0);
});

test('ONNX Gelu (opset 20) keeps its approximate attribute', async () => {
  await check(geluModel([node('Gelu', ['x'], ['y'])], 20), 1, false);
  await check(geluModel([node('Gelu', ['x'], ['y'], { approximate: 'tanh' })], 20), 1, true);
});

test('onnxscript\'s GELU, its constants cast like the activation (CastLike), fuses into one GELU', async () => {
  // PyTorch 2.1's dynamo exporter (aten_gelu_approximate_none): x · (CastLike(1, x) + erf(x / CastLike(√2, x)))
  // · CastLike(0.5, x). A CastLike of a constant folds by its target's type; it did not (both inputs had to be
  // constant), and the Erf was written out as its polynomial (a trained pitch detector: 167 ops, now 77).
  const c = (name: string, v: number) => node('Constant', [], [name], { value: tensor(name, 'float32', [], [v]) });
  const model = buildModel({
    inputs: [['x', 'float32', [1, 8, 16]]], outputs: ['y'], opset: 18,
    nodes: [
      c('r2', Math.SQRT2), c('one', 1), c('half', 0.5),
      node('CastLike', ['r2', 'x'], ['r2x']), node('Div', ['x', 'r2x'], ['d']), node('Erf', ['d'], ['e']),
      node('CastLike', ['one', 'e'], ['onex']), node('Add', ['e', 'onex'], ['a']), node('Mul', ['x', 'a'], ['m']),
      node('CastLike', ['half', 'x'], ['halfx']), node('Mul', ['m', 'halfx'], ['y']),
    ],
  });
  const x = tensor('x', 'float32', [1, 8, 16], Array.from({ length: 128 }, (_, i) => Math.sin(i * 0.7) * 4));
  const { out, hist } = await runLite(model, [x]);
  assert.equal(hist.GELU, 1, JSON.stringify(hist));
  assert.equal(Object.keys(hist).length, 1, JSON.stringify(hist));
  const ref = toNumbers((await runOnnx(encodeModel(model), [x])).get('y')!);
  const got = toNumbers(out.get('y')!);
  assert.ok(ref.every((v, i) => Math.abs(v - got[i]) <= 1e-5 * (1 + Math.abs(v))));
});
