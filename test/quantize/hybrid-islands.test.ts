// Hybrid islands (src/quantize/hybrid-islands.ts): an op mixed precision keeps out of int8 computes in float32 but
// keeps its large weights int8 (DEQUANTIZE of an INT8 constant), so it costs no size; real LiteRT against
// onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { runOnnx } from '../../src/runtime/ort';
import { quantizeModelBytes } from '../../src/quantize/file';
import { floatWeightCost, hybridIslandOps } from '../../src/quantize/hybrid-islands';
import { MIN_DYNAMIC_ELEMENTS } from '../../src/quantize/weights';
import { serializeTflite } from '../../src/tflite/writer';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import type { Tensor } from '../../src/ir/types';
import { cosine, floats, rng, runFirstOutput } from './helpers';

const CIN = 32;
const COUT = 64;

/** A 3x3 conv 32 → 64 (18,432 weights: stored int8 when float) whose bias adds 1e4, taken off again by a Sub:
 *  int8 (step ~40) rounding of the conv's output wipes out its values, float32 keeps them. Then a small
 *  1x1 conv 64 → 4 (256 weights). */
function shiftedConvModel(): Uint8Array {
  const r = rng(5);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, CIN, 8, 8]]], outputs: [['y', 'float32', [1, 4, 8, 8]]],
    initializers: [
      tensor('w1', 'float32', [COUT, CIN, 3, 3], w(COUT * CIN * 9, 0.5)), tensor('b1', 'float32', [COUT], Array.from({ length: COUT }, () => 1e4)),
      tensor('big', 'float32', [1], [1e4]), tensor('w2', 'float32', [4, COUT, 1, 1], w(4 * COUT, 1)),
    ],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1] }, 'conv_shifted'), node('Sub', ['c', 'big'], ['d'], {}, 'shift_down'),
      node('Conv', ['d', 'w2'], ['y'], {}, 'conv_small'),
    ],
  }));
}

test('floatWeightCost: weights stored int8 when float (a hybrid island) cost nothing, small ones too', () => {
  const result = convertModel(decodeModel(shiftedConvModel()));
  const sg = result.model.subgraphs[0];
  const convs = sg.operators.filter((o) => o.opcode === 'CONV_2D');
  assert.equal(convs.length, 2);
  assert.ok(COUT * CIN * 9 >= MIN_DYNAMIC_ELEMENTS);
  assert.equal(floatWeightCost(convs[0], sg.tensors), 0);
  assert.ok(4 * COUT < MIN_DYNAMIC_ELEMENTS);
  assert.equal(floatWeightCost(convs[1], sg.tensors), 0);
  assert.equal(floatWeightCost(sg.operators.find((o) => o.opcode === 'SUB')!, sg.tensors), 0);
});

test('--int16 auto keeps the sensitive conv in float32 with int8 weights: guard met at int8 size, runs on LiteRT', async () => {
  const bytes = shiftedConvModel();
  const floatBytes = serializeTflite(convertModel(decodeModel(bytes)).model).byteLength;
  const off = await quantizeModelBytes(bytes, 'hybrid.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  assert.ok((off.summary.cosine ?? 1) < 0.9, `int8 everywhere: cosine ${off.summary.cosine}`);
  const auto = await quantizeModelBytes(bytes, 'hybrid.onnx', {}, { mode: 'int8' });
  assert.equal(auto.summary.guard?.met, true, auto.result.warnings.join('\n'));
  assert.equal(auto.summary.int16Ops, 0);
  const sg = auto.result.model.subgraphs[0];
  // The island as written: the big conv reads float32 activations and a DEQUANTIZE of its INT8 weights.
  const islands = hybridIslandOps(sg);
  assert.equal(islands.length, 1);
  assert.equal(islands[0].onnxNode, 'conv_shifted');
  assert.equal(auto.summary.hybridOps, 1);
  const weights = sg.operators.find((o) => o.opcode === 'DEQUANTIZE' && o.outputs[0] === islands[0].inputs[1])!;
  assert.equal(sg.tensors[weights.inputs[0]].type, 'INT8');
  assert.equal(sg.tensors[weights.inputs[0]].quantization?.scale.length, COUT, 'per output channel');
  assert.equal(sg.tensors[islands[0].outputs[0]].type, 'FLOAT32');
  // The small conv stays int8.
  const small = sg.operators.find((o) => o.opcode === 'CONV_2D' && o.onnxNode === 'conv_small')!;
  assert.equal(sg.tensors[small.inputs[0]].type, 'INT8');
  // No size over plain int8 beyond the DEQUANTIZE and the float bias: within 35% of float32, as plain int8 is.
  const size = serializeTflite(auto.result.model).byteLength;
  const plain = serializeTflite(off.result.model).byteLength;
  assert.ok(size <= plain + 512, `hybrid ${size} bytes, plain int8 ${plain}`);
  assert.ok(size <= 0.35 * floatBytes, `hybrid ${size} bytes of float32 ${floatBytes}`);
  const x: Tensor[] = [{ name: 'x', dtype: 'float32', dims: [1, CIN, 8, 8], data: Float32Array.from({ length: CIN * 64 }, rng(3)) }];
  const ref = floats([...(await runOnnx(bytes, x)).values()][0]);
  assert.ok(cosine(await runFirstOutput(auto.result.model, x), ref) > 0.999);
});
