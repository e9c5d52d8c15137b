// Legacy broadcasting (opsets < 7) and PRelu slopes: converted models run on the real LiteRT runtime and match the
// ONNX semantics (expected values computed here for opset 6, which onnxruntime no longer runs; onnxruntime-node
// for opset 13). Before the fix, a per-channel PRelu slope on a 1-D/2-D/3-D input was written as a PRELU whose slope
// did not broadcast (XNNPack failed to prepare the model), and legacy `broadcast`/`axis` was refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { toNumbers } from '../../src/ir/tensor';
import type { Model, Tensor } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const size = (d: number[]) => d.reduce((a, b) => a * b, 1);

async function onLiteRT(model: Model, feeds: Tensor[]): Promise<Tensor> {
  const lite = await openConverted(serializeTflite(convertModel(model).model));
  try {
    return (await lite.run(feeds)).get('y')!;
  } finally {
    lite.close();
  }
}

function assertClose(got: Tensor, dims: number[], want: number[]): void {
  assert.deepEqual(got.dims, dims);
  const g = toNumbers(got);
  want.forEach((v, i) => assert.ok(Math.abs(g[i] - v) <= 1e-5 + 1e-5 * Math.abs(v), `element ${i}: ${g[i]} vs ${v}`));
}

/** Row-major index → the index of B broadcast onto A at `axis` (B's dims at A's dims [axis, axis + rank B)). */
function legacyIndex(i: number, a: number[], b: number[], axis: number): number {
  let rest = i;
  const idx = new Array<number>(a.length);
  for (let k = a.length - 1; k >= 0; k--) { idx[k] = rest % a[k]; rest = Math.floor(rest / a[k]); }
  let j = 0;
  for (let k = 0; k < b.length; k++) j = j * b[k] + (b[k] === 1 ? 0 : idx[axis + k]);
  return j;
}

for (const x of [[2, 3, 4], [2, 3, 4, 5], [2, 3, 4, 5, 6]]) {
  test(`PRelu opset 6, per-channel slope [3] on a rank-${x.length} input: channel-wise on LiteRT`, async () => {
    const s = [0.25, -0.5, 2];
    const model = buildModel({ inputs: [['x', 'float32', x]], outputs: ['y'], opset: 6,
      nodes: [node('PRelu', ['x', 's'], ['y'])], initializers: [tensor('s', 'float32', [3], s)] });
    const xs = seq(size(x), (i) => Math.sin(i * 0.7) * 2);
    const inner = size(x.slice(2));
    const want = xs.map((v, i) => (v >= 0 ? v : v * s[Math.floor(i / inner) % 3]));
    assertClose(await onLiteRT(model, [tensor('x', 'float32', x, xs)]), x, want);
  });

  test(`PRelu opset 13, slope [3, 1...] after a Conv on a rank-${x.length} input matches onnxruntime`, async () => {
    const k = x.length - 2;
    const w = tensor('w', 'float32', [3, 3, ...new Array<number>(k).fill(1)], seq(9, (i) => ((i * 5) % 7) / 3 - 1));
    const model = buildModel({ inputs: [['x', 'float32', x]], outputs: ['y'], opset: 13,
      nodes: k <= 2 ? [node('Conv', ['x', 'w'], ['c']), node('PRelu', ['c', 's'], ['y'])] : [node('PRelu', ['x', 's'], ['y'])],
      initializers: [w, tensor('s', 'float32', [3, ...new Array<number>(k).fill(1)], [0.25, -0.5, 2])] });
    const feed = tensor('x', 'float32', x, seq(size(x), (i) => Math.cos(i * 1.3) * 2));
    const want = (await runOnnx(encodeModel(model), [feed])).get('y')!;
    assertClose(await onLiteRT(model, [feed]), want.dims, toNumbers(want));
  });
}

test('PRelu with a slope that does not broadcast onto the input is refused with one line', () => {
  const model = buildModel({ inputs: [['x', 'float32', [2, 3, 4]]], outputs: ['y'], opset: 6,
    nodes: [node('PRelu', ['x', 's'], ['y'])], initializers: [tensor('s', 'float32', [5], [1, 2, 3, 4, 5])] });
  assert.throws(() => convertModel(model), /PRelu slope \[5\] does not broadcast onto the input \[2, 3, 4\]/);
});

const LEGACY: { op: string; a: number[]; b: number[]; axis?: number; computed?: boolean; f: (x: number, y: number) => number }[] = [
  { op: 'Add', a: [2, 3, 4, 5], b: [3, 4], axis: 1, f: (x, y) => x + y },
  { op: 'Mul', a: [2, 3, 4, 5], b: [2], axis: 0, f: (x, y) => x * y },
  { op: 'Sub', a: [2, 3, 4, 5], b: [4, 5], f: (x, y) => x - y },
  { op: 'Div', a: [2, 3, 4, 5], b: [3, 1], axis: -3, computed: true, f: (x, y) => x / y },
];

for (const c of LEGACY) {
  test(`legacy ${c.op} broadcast=1 axis=${c.axis ?? 'none'} of ${c.computed ? 'a computed' : 'a constant'} [${c.b}] onto [${c.a}]`, async () => {
    const bv = seq(size(c.b), (i) => 1.5 + i * 0.25);
    const attrs: Record<string, number> = c.axis === undefined ? { broadcast: 1 } : { broadcast: 1, axis: c.axis };
    const model = buildModel({
      inputs: [['x', 'float32', c.a], ...(c.computed ? [['b', 'float32', c.b] as [string, 'float32', number[]]] : [])], outputs: ['y'], opset: 6,
      nodes: [...(c.computed ? [node('Abs', ['b'], ['bb'])] : []), node('Relu', ['x'], ['r']),
        node(c.op, ['r', c.computed ? 'bb' : 'b'], ['y'], attrs)],
      initializers: c.computed ? [] : [tensor('b', 'float32', c.b, bv)],
    });
    const xs = seq(size(c.a), (i) => Math.sin(i) * 3);
    const axis = c.axis === undefined ? c.a.length - c.b.length : c.axis < 0 ? c.axis + c.a.length : c.axis;
    const want = xs.map((v, i) => c.f(Math.max(v, 0), bv[legacyIndex(i, c.a, c.b, axis)]));
    const feeds = [tensor('x', 'float32', c.a, xs), ...(c.computed ? [tensor('b', 'float32', c.b, bv)] : [])];
    assertClose(await onLiteRT(model, feeds), c.a, want);
  });
}

test('legacy broadcast of a B that does not fit A at its axis is refused with one line', () => {
  const model = buildModel({ inputs: [['x', 'float32', [2, 3, 4]]], outputs: ['y'], opset: 6,
    nodes: [node('Add', ['x', 'b'], ['y'], { broadcast: 1, axis: 2 })], initializers: [tensor('b', 'float32', [3], [1, 2, 3])] });
  assert.throws(() => convertModel(model), /legacy broadcast of B \[3\] onto A \[2, 3, 4\] at axis 2/);
});
