// A SOFTMAX read only by float32 ops stays float32 (int8-kept-float.ts floatBehind): FastestDet's class head
// (softmax over 80 classes) feeds a CONCATENATION with boxes in another range, which int8 keeps float32
// (int8-mixed-joins.ts), so an int8 SOFTMAX ran TFLite's own kernel (7x its float32 time, bench/op-latency.ts) only
// to be dequantized at once. Op precisions only; the time is measured by bench/op-latency.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { encodeNpy } from '../../src/core/npy';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { cosine, floats, rng } from './helpers';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { int8KeptFloat } from '../../src/quantize/int8-kept-float';

/** x [1, 3, 16, 16] → conv + relu → objectness sigmoid (1), boxes (4, ±100), class softmax (5 over the channels) →
 *  joined on the channels (FastestDet's [1, 85, 22, 22] output); `conv`: a conv reads the softmax before the join. */
function head(softmaxReader: 'join' | 'conv'): Uint8Array {
  const r = rng(5);
  const w = (name: string, dims: number[], s: number) => tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b) }, () => (r() - 0.5) * s));
  const tail = softmaxReader === 'join'
    ? [node('Concat', ['obj', 'box', 'cls'], ['y'], { axis: 1 })]
    : [node('Conv', ['cls', 'wz', 'bz'], ['z'], { kernel_shape: [1, 1] }), node('Concat', ['obj', 'box', 'z'], ['y'], { axis: 1 })];
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c1'], ['r1']),
      node('Conv', ['r1', 'wo', 'bo'], ['co'], { kernel_shape: [1, 1] }), node('Sigmoid', ['co'], ['obj']),
      node('Conv', ['r1', 'wb', 'bb'], ['cb'], { kernel_shape: [1, 1] }), node('Mul', ['cb', 'k'], ['box']),
      node('Conv', ['r1', 'wc', 'bc'], ['cc'], { kernel_shape: [1, 1] }), node('Softmax', ['cc'], ['cls'], { axis: 1 }),
      ...tail,
    ],
    initializers: [w('w1', [8, 3, 3, 3], 1.2), w('b1', [8], 0.2), w('wo', [1, 8, 1, 1], 2), w('bo', [1], 0.2), w('wb', [4, 8, 1, 1], 2), w('bb', [4], 0.2),
      tensor('k', 'float32', [1], [100]), w('wc', [5, 8, 1, 1], 3), w('bc', [5], 0.3), w('wz', [5, 5, 1, 1], 2), w('bz', [5], 0.1)],
  }));
}

async function quantized(bytes: Uint8Array) {
  const r = rng(9);
  const x = () => tensor('x', 'float32', [1, 3, 16, 16], Array.from({ length: 768 }, () => r() * 2 - 1));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-behind-'));
  for (let k = 0; k < 8; k++) {
    fs.mkdirSync(path.join(dir, `s${k}`));
    fs.writeFileSync(path.join(dir, `s${k}`, 'input_0.npy'), encodeNpy(x()));
  }
  const { result } = await quantizeModelBytes(bytes, 'head.onnx', {}, { mode: 'int8', calibration: dir, int16: 'off', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const softmax = sg.operators.find((o) => o.opcode === 'SOFTMAX')!;
  return { result, x, softmaxType: sg.tensors[softmax.inputs[0]].type, convs: sg.operators.filter((o) => o.opcode === 'CONV_2D').map((o) => sg.tensors[o.inputs[0]].type) };
}

test('a SOFTMAX whose only reader is a float32 join (classes beside boxes) stays float32; the convs stay int8', async () => {
  const bytes = head('join');
  const { result, x, softmaxType, convs } = await quantized(bytes);
  assert.equal(softmaxType, 'FLOAT32');
  assert.ok(convs.every((t) => t === 'INT8'), JSON.stringify(convs));
  assert.ok(result.warnings.some((w) => /SOFTMAX op\(s\) read only by float32 ops stay float32/.test(w)), result.warnings.join('\n'));
  const feeds = [x()];
  const want = floats((await runOnnx(bytes, feeds)).get('y')!);
  const s = await openConverted(serializeTflite(result.model));
  const got = floats((await s.run(feeds).finally(() => s.close())).get('y')!);
  assert.ok(cosine(got, want) > 0.99, `cosine ${cosine(got, want)}`);
  // The compatibility view marks it float32 alike (the join packs a model output: float32 whatever the calibration).
  const kept = int8KeptFloat(convertModel(decodeModel(bytes)).model);
  assert.match([...kept].find(([o]) => o.opcode === 'SOFTMAX')?.[1] ?? '', /read only by float32 ops/);
});

test('a SOFTMAX read by an int8 conv stays int8', async () => {
  const { softmaxType } = await quantized(head('conv'));
  assert.equal(softmaxType, 'INT8');
});
