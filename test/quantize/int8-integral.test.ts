// Integral regression stays float32 in int8 (int8-integral.ts): a softmax over many positions summed with the
// positions' coordinates (HybrIK's expected x, y, z over 16 × 32 × 32 heatmaps). int8's fixed SOFTMAX output step
// 1/256 rounds every probability of a softmax over 1,024 positions to 0, and the expected coordinates with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { integralOps } from '../../src/quantize/int8-integral';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';

/** h [1, 2, 32, 32] → softmax over the 1,024 positions of each map → marginals over rows and columns → expected
 *  x and y (Σ p · coordinate), as soft-argmax heads write it. */
function softArgmax(): Uint8Array {
  const coords = Array.from({ length: 32 }, (_, i) => i);
  return encodeModel(buildModel({
    inputs: [['h', 'float32', [1, 2, 32, 32]]], outputs: ['xy'], opset: 13,
    nodes: [
      node('Reshape', ['h', 'flat'], ['hf']), node('Softmax', ['hf'], ['p'], { axis: -1 }), node('Reshape', ['p', 'map'], ['pm']),
      node('ReduceSum', ['pm', 'rows'], ['px'], { keepdims: 0 }), node('ReduceSum', ['pm', 'cols'], ['py'], { keepdims: 0 }),
      node('Mul', ['px', 'c'], ['wx']), node('Mul', ['py', 'c'], ['wy']),
      node('ReduceSum', ['wx', 'last'], ['ex'], { keepdims: 1 }), node('ReduceSum', ['wy', 'last'], ['ey'], { keepdims: 1 }),
      node('Concat', ['ex', 'ey'], ['xy'], { axis: -1 }),
    ],
    initializers: [
      tensor('flat', 'int64', [3], [1, 2, 1024]), tensor('map', 'int64', [4], [1, 2, 32, 32]),
      tensor('rows', 'int64', [1], [2]), tensor('cols', 'int64', [1], [3]), tensor('last', 'int64', [1], [-1]),
      tensor('c', 'float32', [32], coords),
    ],
  }));
}

test('a softmax over 1,024 positions whose probabilities are summed with coordinates stays float32', async () => {
  const bytes = softArgmax();
  const { result } = await quantizeModelBytes(bytes, 'argmax.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const r = rng(7);
  let worst = 1;
  for (let s = 0; s < 3; s++) {
    const h = tensor('h', 'float32', [1, 2, 32, 32], Array.from({ length: 2048 }, () => 2 * r()));
    const want = floats((await runOnnx(bytes, [h])).get('xy')!);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, [h]), want));
  }
  // int8 softmax (main before this rule): every probability 0, so every expected coordinate.
  assert.ok(worst > 0.999, `output cosine ${worst}`);
  const sg = result.model.subgraphs[0];
  const soft = sg.operators.find((op) => op.opcode === 'SOFTMAX')!;
  assert.equal(sg.tensors[soft.outputs[0]].type, 'FLOAT32');
});

test('a short softmax (attention over 64 keys, a classifier) or one read otherwise is no integral regression', () => {
  const t = (shape: number[]) => ({ name: 't', shape, type: 'FLOAT32' });
  const graph = (n: number, reader: string) => ({
    tensors: [t([1, n]), t([1, n]), t([1, n]), { name: 'c', shape: [n], type: 'FLOAT32', data: new Uint8Array(4 * n) }, t([1]), { name: 'a', shape: [1], type: 'INT32', data: new Uint8Array(4) }],
    operators: [{ opcode: 'SOFTMAX', inputs: [0], outputs: [1] }, { opcode: 'MUL', inputs: [1, 3], outputs: [2] }, { opcode: reader, inputs: [2, 5], outputs: [4] }],
    inputs: [0], outputs: [4],
  });
  assert.equal(integralOps(graph(4096, 'SUM') as never).size, 3);
  assert.equal(integralOps(graph(64, 'SUM') as never).size, 0);
  assert.equal(integralOps(graph(4096, 'ARG_MAX') as never).size, 0);
});

/** FOMM's keypoint detector in small: two 1×1 convs of x make heatmaps h (sharpened ×8, a temperature) and a map j;
 *  h's softmax over the 1,024 positions is written out (REDUCE_MAX / SUB / EXP / ReduceSum / DIV, as the converter
 *  writes FOMM's along the stored axis, ops/_softmax-stored.ts); the probabilities are summed with the coordinates
 *  (expected x, y) and with j (FOMM's jacobians, Σ p · J), and a MatMul reads the [1, 2, 3] expectations. */
function writtenSoftArgmax(): Uint8Array {
  const r = rng(21);
  const coords = Array.from({ length: 32 }, (_, i) => i);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 4, 32, 32]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'wh'], ['h']), node('Conv', ['x', 'wj'], ['j']),
      node('Reshape', ['h', 'flat'], ['hf']), node('ReduceMax', ['hf'], ['m'], { axes: [-1], keepdims: 1 }),
      node('Sub', ['hf', 'm'], ['t']), node('Exp', ['t'], ['e']), node('ReduceSum', ['e', 'last'], ['s'], { keepdims: 1 }),
      node('Div', ['e', 's'], ['p']), node('Reshape', ['p', 'map'], ['pm']),
      node('ReduceSum', ['pm', 'rows'], ['px'], { keepdims: 0 }), node('ReduceSum', ['pm', 'cols'], ['py'], { keepdims: 0 }),
      node('Mul', ['px', 'c'], ['wx']), node('Mul', ['py', 'c'], ['wy']),
      node('ReduceSum', ['wx', 'last'], ['ex'], { keepdims: 1 }), node('ReduceSum', ['wy', 'last'], ['ey'], { keepdims: 1 }),
      node('Mul', ['pm', 'j'], ['pj']), node('Reshape', ['pj', 'flat'], ['pjf']), node('ReduceSum', ['pjf', 'last'], ['ej'], { keepdims: 1 }),
      node('Concat', ['ex', 'ey', 'ej'], ['xyj'], { axis: -1 }), node('MatMul', ['xyj', 'w'], ['y']),
    ],
    initializers: [
      tensor('wh', 'float32', [2, 4, 1, 1], Array.from({ length: 8 }, () => 8 * (r() - 0.5))),
      tensor('wj', 'float32', [2, 4, 1, 1], Array.from({ length: 8 }, () => r() - 0.5)),
      tensor('flat', 'int64', [3], [1, 2, 1024]), tensor('map', 'int64', [4], [1, 2, 32, 32]),
      tensor('rows', 'int64', [1], [2]), tensor('cols', 'int64', [1], [3]), tensor('last', 'int64', [1], [-1]),
      tensor('c', 'float32', [32], coords), tensor('w', 'float32', [3, 8], Array.from({ length: 24 }, () => r() - 0.5)),
    ],
  }));
}

test('a softmax written out (REDUCE_MAX / SUB / EXP / SUM / DIV) over 1,024 positions summed with coordinates and with another map stays float32', async () => {
  const bytes = writtenSoftArgmax();
  const { result } = await quantizeModelBytes(bytes, 'written.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true, weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  const ops = sg.operators.map((o) => o.opcode);
  assert.ok(!ops.includes('SOFTMAX') && ops.includes('EXP') && ops.includes('DIV'), ops.join(' '));
  const r = rng(9);
  let worst = 1;
  for (let s = 0; s < 4; s++) {
    const x = tensor('x', 'float32', [1, 4, 32, 32], Array.from({ length: 4096 }, r));
    const want = floats((await runOnnx(bytes, [x])).get('y')!);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, [x]), want));
  }
  for (const opcode of ['REDUCE_MAX', 'DIV']) {
    const op = sg.operators.find((o) => o.opcode === opcode)!;
    assert.equal(sg.tensors[op.outputs[0]].type, 'FLOAT32', `${opcode} float32`);
  }
  // The expectations (x, y and Σ p · j per map: 2 values each, stored [1, 1, 2]); main summed them in int8.
  const sums = sg.operators.filter((o) => o.opcode === 'SUM' && sg.tensors[o.outputs[0]].shape.reduce((a, b) => a * b, 1) === 2
    && sg.tensors[o.inputs[0]].shape.reduce((a, b) => a * b, 1) >= 64 && sg.operators.every((p) => p.opcode !== 'EXP' || p.outputs[0] !== o.inputs[0]));
  assert.equal(sums.length, 3);
  for (const op of sums) assert.equal(sg.tensors[op.outputs[0]].type, 'FLOAT32', 'the expectations are summed in float32');
  assert.ok(worst > 0.999, `output cosine ${worst}`);
});
