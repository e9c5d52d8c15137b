// An SSD / RFB detector decodes its boxes against constant prior tables (Ultra-Light-Fast-Generic-Face-Detector:
// `centre + loc · 0.1 · size`, [1, N, 2] centres and sizes in [0, 1]). `--quantize dynamic` stored every float
// constant of 4096+ elements int8 per tensor, these tables too: a step of 1/127 of the picture on every box (RFB-640
// on 30 crowd photos: box IoU mean 0.803 against float16's 0.991). A constant that ADD / SUB / MUL / DIV reads is now
// stored float16 (src/quantize/weights.ts). Real LiteRT against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTensor } from '../../src/ir/tensor';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { floats, rng, runFirstOutput } from './helpers';
import { quantizeModelBytes } from '../../src/quantize/file';

const N = 4420; // RFB-320's priors: N · 2 = 8840 elements per table, past MIN_DYNAMIC_ELEMENTS

function decoder(): Uint8Array {
  // Priors on a 1/160 grid (centres) with sizes 0.03-0.5, as the detector's strides and min sizes give them.
  const centres = Array.from({ length: N * 2 }, (_, i) => ((Math.floor(i / 2) * (i % 2 ? 7 : 13)) % 160 + 0.5) / 160);
  const sizes = Array.from({ length: N * 2 }, (_, i) => 0.03 + ((Math.floor(i / 2) * 11) % 97) / 97 * 0.47);
  return encodeModel(buildModel({
    opset: 13, inputs: [['loc', 'float32', [1, N, 2]]], outputs: [['xy', 'float32', [1, N, 2]]],
    initializers: [tensor('centres', 'float32', [1, N, 2], centres), tensor('sizes', 'float32', [1, N, 2], sizes),
      tensor('variance', 'float32', [], [0.1])],
    nodes: [node('Mul', ['loc', 'variance'], ['lv']), node('Mul', ['lv', 'sizes'], ['off']), node('Add', ['off', 'centres'], ['xy'])],
  }));
}

const dir = mkdtempSync(join(tmpdir(), 'prior-table-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('--quantize dynamic: prior-box tables an ADD / MUL reads are stored float16, boxes within 1e-3 of the picture', async () => {
  const bytes = decoder();
  const { result } = await quantizeModelBytes(bytes, join(dir, 'decoder.onnx'), {}, { mode: 'dynamic' });
  const sg = result.model.subgraphs[0];
  const stored = sg.operators.filter((o) => o.opcode === 'DEQUANTIZE').map((o) => sg.tensors[o.inputs[0]].type);
  assert.ok(stored.length >= 2 && stored.every((t) => t === 'FLOAT16'), `the tables are stored ${stored.join(', ')}`);
  const r = rng(3);
  const loc = makeTensor('loc', 'float32', [1, N, 2], Float32Array.from({ length: N * 2 }, () => (r() - 0.5) * 4));
  const ref = floats([...(await runOnnx(bytes, [loc])).values()][0]);
  const got = await runFirstOutput(result.model, [loc]);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
  // int8 per tensor: up to 0.5 / 127 = 3.9e-3 (2.5 px at 640); float16: up to 2.4e-4
  assert.ok(worst < 1e-3, `box coordinates moved by ${worst} of the picture`);
});

test('--quantize dynamic: an additive mask beyond float16 (-1e9) keeps int8 storage: a fully masked row stays finite', async () => {
  // A padding row masked everywhere: float32 / int8 give softmax a uniform row; float16 would make -1e9 -Infinity and
  // the row NaN.
  const T = 64;
  const mask = Array.from({ length: T * T }, (_, i) => (Math.floor(i / T) >= T - 4 || i % T > Math.floor(i / T) ? -1e9 : 0));
  const bytes = encodeModel(buildModel({
    opset: 13, inputs: [['s', 'float32', [1, T, T]]], outputs: [['p', 'float32', [1, T, T]]],
    initializers: [tensor('mask', 'float32', [1, T, T], mask)],
    nodes: [node('Add', ['s', 'mask'], ['m']), node('Softmax', ['m'], ['p'], { axis: -1 })],
  }));
  const { result } = await quantizeModelBytes(bytes, join(dir, 'mask.onnx'), {}, { mode: 'dynamic' });
  const sg = result.model.subgraphs[0];
  const stored = sg.operators.filter((o) => o.opcode === 'DEQUANTIZE').map((o) => sg.tensors[o.inputs[0]].type);
  assert.deepEqual(stored, ['INT8'], `the mask is stored ${stored.join(', ')}`);
  const r = rng(4);
  const s = makeTensor('s', 'float32', [1, T, T], Float32Array.from({ length: T * T }, () => r() - 0.5));
  const ref = floats([...(await runOnnx(bytes, [s])).values()][0]);
  const got = await runFirstOutput(result.model, [s]);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
  assert.ok(worst < 1e-3, `probabilities moved by ${worst}`);
});
