// A divisor guarded by an epsilon whose range spans 0 (int8-guarded-divisor.ts): `atan(d / (d + 1e-7))` is π/4 in
// float32 wherever |d| is above 1e-6. In int8 the ADD's 1e-7 rounds away, so where d's int8 value is 0 the float32
// DIV makes 0 / 0 = NaN and the guard sees a collapsed output (MonoFlex's orientation decode: cosine 0.0000). The
// ADD kept float32 adds the epsilon back: the DIV stays finite, the output's cosine stays near 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as os from 'node:os';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import type { Model } from '../../src/ir/types';

const N = 4096;

/** `int8Reader`: g also read by an int8 MatMul (into a second output through a Tanh: a small layer straight into an
 *  output stays float32, int8-logit-outputs.ts), so that the SUB / ADD are no island of cheap ops between float32
 *  ones (int8-lone-islands.ts runs such an island float32 whatever this rule says). */
function guardedRatio(eps: number, int8Reader = false): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, N]]], outputs: int8Reader ? ['y', 'z'] : ['y'], opset: 13,
    nodes: [
      node('Sub', ['x', 'half'], ['d'], {}, 'centre'), node('Add', ['d', 'eps'], ['g'], {}, 'guard_add'),
      node('Div', ['d', 'g'], ['r'], {}, 'ratio'), node('Atan', ['r'], ['y'], {}, 'angle'),
      ...(int8Reader ? [node('MatMul', ['g', 'wz'], ['zm'], {}, 'reader'), node('Tanh', ['zm'], ['z'])] : []),
    ],
    initializers: [tensor('half', 'float32', [], [0.5]), tensor('eps', 'float32', [], [eps]),
      ...(int8Reader ? [tensor('wz', 'float32', [N, 4], Array.from({ length: N * 4 }, (_, i) => ((i * 7) % 13) / 13 - 0.5))] : [])],
  });
}

async function int8(model: Model) {
  return quantizeModelBytes(encodeModel(model), path.join(os.tmpdir(), 'guarded-divisor.onnx'), {},
    { mode: 'int8', count: 4, int16: 'off', allowDegraded: true, minCosine: 0 });
}

test('an epsilon ADD into a DIV whose divisor spans 0 stays float32, and the output stays finite', async () => {
  const { result, summary } = await int8(guardedRatio(1e-7));
  const sg = result.model.subgraphs[0];
  const add = sg.operators.find((o) => o.onnxNode === 'guard_add' && o.opcode === 'ADD')!;
  assert.equal(sg.tensors[add.outputs[0]].type, 'FLOAT32');
  assert.ok(result.warnings.some((w) => /epsilon to a divisor/.test(w)), result.warnings.join('\n'));
  assert.ok(summary.guard!.cosine > 0.99, `cosine ${summary.guard!.cosine}`);
});

test('an epsilon as large as an int8 step of the divisor keeps its int8 ADD', async () => {
  const { result } = await int8(guardedRatio(0.05, true));
  const sg = result.model.subgraphs[0];
  const add = sg.operators.find((o) => o.onnxNode === 'guard_add' && o.opcode === 'ADD')!;
  assert.equal(sg.tensors[add.outputs[0]].type, 'INT8');
  assert.ok(!result.warnings.some((w) => /epsilon to a divisor/.test(w)));
});
