// ONNX optionals the graph itself decides (src/convert/optionals.ts) fold: Optional(x) holds x, Optional() holds
// nothing, an omitted input is empty and a plain tensor is there (opset 18); OptionalHasElement becomes a constant,
// OptionalGetElement an Identity. They were refused ("OptionalHasElement has no TFLite builtin ..."). Getting the
// element of an empty optional is one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { runTflite } from '../../src/runtime/litert';
import { isUserFacing } from '../../src/ir/errors';

const x = Float32Array.from([-2, -0.5, 0.5, 3]);
const feed = [{ name: 'x', dtype: 'float32' as const, dims: [1, 4], data: x }];

async function run(nodes: ReturnType<typeof node>[], opset = 18): Promise<number[]> {
  const m = buildModel({ inputs: [['x', 'float32', [1, 4]]], outputs: ['y'], nodes, opset });
  const result = convertModel(m, {});
  const ops = result.model.subgraphs[0]!.operators.map((o) => o.opcode);
  assert.ok(!ops.some((o) => /OPTIONAL/.test(o)), ops.join());
  const [y] = await runTflite(serializeTflite(result.model), feed);
  return Array.from(y!.data as Float32Array);
}

test('Optional(x): has element true, the element is x', async () => {
  const y = await run([
    node('Relu', ['x'], ['r']), node('Optional', ['r'], ['o']), node('OptionalHasElement', ['o'], ['has']),
    node('OptionalGetElement', ['o'], ['e']), node('Neg', ['e'], ['ne']), node('Where', ['has', 'e', 'ne'], ['y']),
  ], 15);
  assert.deepEqual(y, [0, 0, 0.5, 3]);
});

test('Optional() and an omitted input hold nothing; a plain tensor is there (opset 18)', async () => {
  const empty = await run([
    node('Optional', [], ['o']), node('OptionalHasElement', ['o'], ['has']), node('Neg', ['x'], ['nx']),
    node('Where', ['has', 'x', 'nx'], ['y']),
  ]);
  assert.deepEqual(empty, [2, 0.5, -0.5, -3]);
  const omitted = await run([node('OptionalHasElement', [], ['has']), node('Neg', ['x'], ['nx']), node('Where', ['has', 'x', 'nx'], ['y'])]);
  assert.deepEqual(omitted, [2, 0.5, -0.5, -3]);
  const plain = await run([
    node('OptionalHasElement', ['x'], ['has']), node('OptionalGetElement', ['x'], ['e']), node('Neg', ['e'], ['ne']),
    node('Where', ['has', 'e', 'ne'], ['y']),
  ]);
  assert.deepEqual(plain, Array.from(x));
});

test('the element of an empty optional is one line', () => {
  const m = buildModel({
    inputs: [['x', 'float32', [1, 4]]], outputs: ['y'], opset: 18,
    nodes: [node('Optional', [], ['o']), node('OptionalGetElement', ['o'], ['e']), node('Add', ['x', 'e'], ['y'])],
  });
  assert.throws(() => convertModel(m, {}), (e: unknown) => isUserFacing(e)
    && /OptionalGetElement of "o", an optional that holds no value/.test((e as Error).message) && !(e as Error).message.includes('\n'));
});

test('the compatibility view agrees: folded optionals are not marked unsupported', async () => {
  const { analyzeCompatibility } = await import('../../src/convert/compat');
  const m = buildModel({
    inputs: [['x', 'float32', [1, 4]]], outputs: ['y'], opset: 18,
    nodes: [node('Optional', ['x'], ['o']), node('OptionalHasElement', ['o'], ['has']), node('OptionalGetElement', ['o'], ['e']),
      node('Neg', ['e'], ['ne']), node('Where', ['has', 'e', 'ne'], ['y'])],
  });
  const report = analyzeCompatibility(m, {});
  const marks = report.nodes.filter((v) => v.opType.startsWith('Optional')).map((v) => v.status);
  assert.deepEqual(marks, ['builtin', 'builtin', 'builtin']);
});
