// int8 of max-pool peak picking, M-LSD's decoder (jp.keijiro.mlsd): one conv makes offsets (±100) and a score
// logit in one tensor; scores = sigmoid · (maxpool(sigmoid) == sigmoid). On int8 steps neighbours tie and every pixel
// of a plateau equals its max pool (M-LSD tiny: output cosine 0.42). The map back to the conv (float from int8
// weights), the max pool, the EQUAL and the mask's readers stay float32: the peaks are onnxruntime's. Real LiteRT
// against onnxruntime-node.
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
import { runOnnx } from '../../src/runtime/ort';
import { floats, rng } from './helpers';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';

const [C, H] = [4, 24];

function peakDecoder(): Uint8Array {
  // channel 0: an offset-like map 40× wider than channel 1, the score logit
  const w = [40, -30, 25, 35, 1.5, 1, -1.2, 0.8];
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, C, H, H]]], outputs: [['offsets', 'float32', [1, 1, H, H]], ['scores', 'float32', [1, 1, H, H]]],
    initializers: [tensor('w', 'float32', [2, C, 1, 1], w), tensor('b', 'float32', [2], [0, -2]),
      tensor('s0', 'int64', [1], [0]), tensor('s1', 'int64', [1], [1]), tensor('s2', 'int64', [1], [2]), tensor('ax', 'int64', [1], [1])],
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['y']),
      node('Slice', ['y', 's0', 's1', 'ax'], ['offsets']), node('Slice', ['y', 's1', 's2', 'ax'], ['logit']),
      node('Sigmoid', ['logit'], ['p']), node('MaxPool', ['p'], ['pm'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('Equal', ['pm', 'p'], ['peak']), node('Cast', ['peak'], ['pf'], { to: 1 }), node('Mul', ['p', 'pf'], ['scores']),
    ],
  }));
}

/** Smooth fields: a few blobs per channel, so the score map has a handful of real peaks and flat ground. */
function sample(seed: number): Tensor[] {
  const r = rng(seed);
  const x = new Float32Array(C * H * H);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < 4; k++) {
      const [cy, cx, a, s] = [r() * H, r() * H, (r() * 2 - 1) * 3, 1.5 + r() * 3];
      for (let y = 0; y < H; y++) for (let z = 0; z < H; z++) x[(c * H + y) * H + z] += a * Math.exp(-((y - cy) ** 2 + (z - cx) ** 2) / (2 * s * s));
    }
  }
  return [makeTensor('x', 'float32', [1, C, H, H], x)];
}

const peaks = (s: Float32Array) => new Set(Array.from(s.keys()).filter((i) => s[i] > 0.1));

const dir = mkdtempSync(join(tmpdir(), 'int8-peak-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('int8 of max-pool peak picking keeps the score map float from its conv: the same peaks as onnxruntime', async (t) => {
  const bytes = peakDecoder();
  const cal = join(dir, 'cal');
  mkdirSync(cal, { recursive: true });
  for (let i = 0; i < 12; i++) writeFileSync(join(cal, `${i}.npy`), encodeNpy(sample(100 + i)[0]));
  const { result } = await quantizeModelBytes(bytes, join(dir, 'peak.onnx'), {}, { mode: 'int8', calibration: cal, int16: 'off', allowDegraded: true });
  assert.match(result.warnings.join('\n'), /op\(s\) of max-pool peak picking/);
  const sg = result.model.subgraphs[0];
  const eq = sg.operators.find((o) => o.opcode === 'EQUAL')!;
  assert.deepEqual(eq.inputs.map((i) => sg.tensors[i].type), ['FLOAT32', 'FLOAT32']);
  const conv = sg.operators.find((o) => o.opcode === 'CONV_2D')!;
  assert.equal(sg.tensors[conv.outputs[0]].type, 'FLOAT32', 'the conv making the map computes in float');
  const deq = sg.operators.find((o) => o.outputs[0] === conv.inputs[1]);
  assert.ok(deq?.opcode === 'DEQUANTIZE' && sg.tensors[deq.inputs[0]].type === 'INT8', '... from int8 weights behind a DEQUANTIZE');
  const lite = await openConverted(serializeTflite(result.model));
  let found = 0;
  try {
    for (let i = 0; i < 6; i++) {
      const s = sample(300 + i);
      const ref = peaks(floats((await runOnnx(bytes, s)).get('scores')!));
      const got = peaks(floats((await lite.run(s)).get('scores')!));
      found += ref.size;
      assert.deepEqual([...got].sort((a, b) => a - b), [...ref].sort((a, b) => a - b), `sample ${i}`);
    }
  } finally {
    lite.close();
  }
  t.diagnostic(`${found} peaks over 0.1 on 6 samples, all where onnxruntime has them`);
  assert.ok(found >= 6, `the fixture has peaks (${found})`);
});
