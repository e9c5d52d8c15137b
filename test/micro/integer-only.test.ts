// `onnx2lite micro` on an int8 model whose mixed-precision float layer has precise (float16) weights (src/micro/integer-only.ts
// unpackFloat16Weights): TFLite Micro has no float16 kernels, so the DEQUANTIZE of the FLOAT16 constant becomes the
// float32 constant it makes and XNNPack's SLICE reader goes; the model computes the same on LiteRT.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { isConst } from '../../src/quantize/graph';
import { fp16Pins } from '../../src/quantize/fp16-filters';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { exportMicro } from '../../src/micro/export';
import { unpackFloat16Weights } from '../../src/micro/integer-only';
import type { Tensor } from '../../src/ir/types';
import { rng, runFirstOutput } from '../quantize/helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-micro-f16-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Conv 3x3 (4 → 4, kept float with precise weights: stored float16) → Relu → Conv 1x1 (int8). */
function int8WithFloat16Weights(): Uint8Array {
  const r = rng(31);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const bytes = encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 4, 6, 6]]], outputs: [['y', 'float32', [1, 4, 6, 6]]],
    initializers: [tensor('k', 'float32', [4, 4, 3, 3], w(144, 0.5)), tensor('k2', 'float32', [4, 4, 1, 1], w(16, 1))],
    nodes: [node('Conv', ['x', 'k'], ['a'], { pads: [1, 1, 1, 1] }), node('Relu', ['a'], ['r']), node('Conv', ['r', 'k2'], ['y'])],
  }));
  const result = convertModel(decodeModel(bytes));
  const sg = result.model.subgraphs[0];
  const first = sg.operators.findIndex((o) => o.opcode === 'CONV_2D');
  const ranges = new Map(sg.tensors.map((t, i) => [i, { min: -4, max: 4 }] as const).filter(([i]) => !isConst(sg.tensors[i])));
  const weight = sg.tensors[sg.operators[first].inputs[1]].name;
  quantizeInt8(result, activationParams(result, ranges), { floatOps: new Set([first]), floatWeights: new Set([weight]) });
  return serializeTflite(result.model);
}

test('unpackFloat16Weights: an int8 model\'s float16 weights become float32 constants, same outputs on LiteRT; micro exports it', async () => {
  const bytes = int8WithFloat16Weights();
  const before = parseTflite(bytes);
  assert.equal(before.subgraphs[0].tensors.filter((t) => t.type === 'FLOAT16').length, 1);
  assert.equal(fp16Pins(before.subgraphs[0]).size, 1);
  const after_ = parseTflite(bytes);
  assert.equal(unpackFloat16Weights(after_), 1);
  const sg = after_.subgraphs[0];
  assert.equal(sg.tensors.filter((t) => t.type === 'FLOAT16').length, 0);
  assert.equal(sg.operators.filter((o) => o.opcode === 'SLICE' || (o.opcode === 'DEQUANTIZE' && isConst(sg.tensors[o.inputs[0]]))).length, 0);
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D' && sg.tensors[o.inputs[0]].type === 'FLOAT32')!;
  assert.equal(sg.tensors[conv.inputs[1]].type, 'FLOAT32');
  assert.ok(sg.tensors[conv.inputs[1]].data, 'a float32 constant');
  const x: Tensor[] = [{ name: 'x', dtype: 'float32', dims: [1, 4, 6, 6], data: Float32Array.from({ length: 144 }, rng(5)) }];
  assert.deepEqual(await runFirstOutput(after_, x), await runFirstOutput(before, x));
  const file = path.join(tmp, 'mixed.tflite');
  fs.writeFileSync(file, bytes);
  const r = exportMicro(file, { outDir: tmp });
  assert.ok(!r.result.opResolver.ops.includes('SLICE'));
  // A float16 model (--quantize fp16) is left as it is: micro refuses it.
  const plainFloat = parseTflite(bytes);
  plainFloat.subgraphs[0].tensors = plainFloat.subgraphs[0].tensors.map((t) => (t.type === 'INT8' && !t.data ? { ...t, type: 'FLOAT32', quantization: undefined } : t));
  assert.equal(unpackFloat16Weights(plainFloat), 0);
});
