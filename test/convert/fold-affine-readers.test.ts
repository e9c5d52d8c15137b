// A scale / shift after an activation (PP-OCR's learnable affine after hard-swish) read by several convs folds into
// each of them: weights ·a, bias + b·ΣW. A padded conv's zero border is the shifted value's, so when one reader pads
// only the scale folds and the shift stays (as b/a, before the scale). Checked against onnxruntime on the ONNX model
// as written, at opsets 9 and 11, and on the simplified ONNX model the int8 pass calibrates on (simplifiedModel). A
// ConvTranspose followed by a BatchNormalization (PP-OCR det's head) folds too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { simplifiedModel } from '../../src/convert/simplify';
import { serializeTflite } from '../../src/tflite/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import type { Tensor } from '../../src/ir/types';
import { rng } from '../quantize/helpers';

const C = 6;
const r = rng(11);
const w = (n: number, s = 1) => Array.from({ length: n }, () => (r() - 0.5) * s);

/** x → Conv → HardSwish → ·a + b → depthwise 3×3 (pads 1) + 1×1 → y, and 3×3 stride 2 (pads 1) → z. */
function affineReaders(opset: number, a: number, b: number): Uint8Array {
  return encodeModel(buildModel({
    opset,
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: [['y', 'float32', [1, C, 8, 8]], ['z', 'float32', [1, C, 4, 4]]],
    initializers: [
      tensor('w0', 'float32', [C, 3, 3, 3], w(C * 27)), tensor('b0', 'float32', [C], w(C, 0.5)),
      tensor('a', 'float32', [1], [a]), tensor('b', 'float32', [1], [b]),
      tensor('wd', 'float32', [C, 1, 3, 3], w(C * 9)), tensor('bd', 'float32', [C], w(C, 0.5)),
      tensor('ws', 'float32', [C, C, 3, 3], w(C * C * 9)),
      tensor('w1', 'float32', [C, C, 1, 1], w(C * C)), tensor('b1', 'float32', [C], w(C, 0.5)),
    ],
    nodes: [
      node('Conv', ['x', 'w0', 'b0'], ['c0'], { pads: [1, 1, 1, 1] }), node('HardSigmoid', ['c0'], ['hsig'], { alpha: 1 / 6, beta: 0.5 }),
      node('Mul', ['c0', 'hsig'], ['h']), node('Mul', ['h', 'a'], ['m']), node('Add', ['b', 'm'], ['t']),
      node('Conv', ['t', 'wd', 'bd'], ['d'], { pads: [1, 1, 1, 1], group: C }),
      node('Conv', ['t', 'w1', 'b1'], ['p']),
      node('Add', ['d', 'p'], ['y']),
      node('Conv', ['t', 'ws'], ['z'], { pads: [1, 1, 1, 1], strides: [2, 2] }),
    ],
  }));
}

async function worstAgainstOrt(bytes: Uint8Array, tflite: Uint8Array, feeds: Tensor[]): Promise<number> {
  const ref = await runOnnx(bytes, feeds);
  const s = await openConverted(tflite);
  try {
    const got = await s.run(feeds);
    let worst = 0;
    for (const [name, t] of ref) {
      const g = got.get(name)!.data as Float32Array;
      (t.data as Float32Array).forEach((v, i) => { worst = Math.max(worst, Math.abs(g[i] - v) / (1 + Math.abs(v))); });
    }
    return worst;
  } finally {
    s.close();
  }
}

const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, 3, 8, 8], data: Float32Array.from({ length: 192 }, () => (r() - 0.5) * 6) };

for (const [opset, a, b] of [[9, 0.63, -0.55], [11, 1.7, 0.4], [11, 0.8, 0]]) {
  test(`affine after hard-swish read by three convs (opset ${opset}, a ${a}, b ${b}): scale folded into each, borders exact against onnxruntime`, async () => {
    const bytes = affineReaders(opset, a, b);
    const conv = convertModel(decodeModel(bytes));
    const h = conv.opHistogram;
    // The sum of the two branches, and with a shift the shift (b/a) the padded convs need; no MUL (the scale is in
    // the weights), and the convs keep their zero padding (the stride-2 one as its own PAD).
    assert.equal(h.MUL ?? 0, 0, JSON.stringify(h));
    assert.equal(h.ADD, b ? 2 : 1, JSON.stringify(h));
    assert.deepEqual([h.PADV2 ?? 0, h.PAD ?? 0], [0, 1], JSON.stringify(h));
    const worst = await worstAgainstOrt(bytes, serializeTflite(conv.model), [x]);
    assert.ok(worst < 1e-5, `max relative difference ${worst}`);
    // The ONNX model the int8 pass calibrates on computes the same outputs in onnxruntime.
    const simple = simplifiedModel(decodeModel(bytes));
    // HardSwish written back as x · HardSigmoid(x) below opset 14, the branch sum, and the shift when there is one.
    assert.equal(simple.graph.nodes.filter((n) => n.opType === 'Mul' || n.opType === 'Add').length, b ? 3 : 2, simple.graph.nodes.map((n) => n.opType).join(' '));
    const ref = await runOnnx(bytes, [x]);
    const got = await runOnnx(encodeModel(simple), [x]);
    for (const [name, t] of ref) (t.data as Float32Array).forEach((v, i) => assert.ok(Math.abs((got.get(name)!.data as Float32Array)[i] - v) < 1e-5 * (1 + Math.abs(v)), `${name}[${i}]`));
  });
}

test('the affine stays when one reader is not a conv', () => {
  const bytes = encodeModel(buildModel({
    opset: 11,
    inputs: [['x', 'float32', [1, C, 5, 5]]], outputs: [['y', 'float32', [1, C, 5, 5]], ['g', 'float32', [1, C, 1, 1]]],
    initializers: [tensor('a', 'float32', [1], [2]), tensor('b', 'float32', [1], [0.5]), tensor('wd', 'float32', [C, 1, 3, 3], w(C * 9))],
    nodes: [node('Mul', ['x', 'a'], ['m']), node('Add', ['m', 'b'], ['t']), node('Conv', ['t', 'wd'], ['y'], { pads: [1, 1, 1, 1], group: C }),
      node('GlobalAveragePool', ['t'], ['g'])],
  }));
  const h = convertModel(decodeModel(bytes)).opHistogram;
  assert.equal(h.MUL, 1, JSON.stringify(h));
  assert.equal(h.ADD, 1, JSON.stringify(h));
  assert.equal(h.PADV2 ?? 0, 0, JSON.stringify(h));
});

test('ConvTranspose → Add bias → BatchNormalization → Relu (PP-OCR det\'s head): one TRANSPOSE_CONV and a RELU, matches onnxruntime', async () => {
  const bytes = encodeModel(buildModel({
    opset: 11,
    inputs: [['x', 'float32', [1, 4, 5, 5]]], outputs: [['y', 'float32', [1, 3, 10, 10]]],
    initializers: [tensor('w', 'float32', [4, 3, 2, 2], w(48)), tensor('b', 'float32', [1, 3, 1, 1], [0.5, -0.25, 1]),
      tensor('s', 'float32', [3], [1.5, 0.7, 2]), tensor('t', 'float32', [3], [0.1, -0.3, 0.2]),
      tensor('mu', 'float32', [3], [0.05, 0.2, -0.1]), tensor('var', 'float32', [3], [0.9, 1.3, 0.4])],
    nodes: [node('ConvTranspose', ['x', 'w'], ['ct'], { kernel_shape: [2, 2], strides: [2, 2] }), node('Add', ['ct', 'b'], ['a']),
      node('BatchNormalization', ['a', 's', 't', 'mu', 'var'], ['n'], { epsilon: 1e-5 }), node('Relu', ['n'], ['y'])],
  }));
  const conv = convertModel(decodeModel(bytes));
  assert.deepEqual(Object.keys(conv.opHistogram).sort(), ['RELU', 'TRANSPOSE_CONV'], JSON.stringify(conv.opHistogram));
  const feeds: Tensor[] = [{ name: 'x', dtype: 'float32', dims: [1, 4, 5, 5], data: Float32Array.from({ length: 100 }, () => r() - 0.5) }];
  const worst = await worstAgainstOrt(bytes, serializeTflite(conv.model), feeds);
  assert.ok(worst < 1e-6, `max relative difference ${worst}`);
});
