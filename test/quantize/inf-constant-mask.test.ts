// A constant attention mask PyTorch folded to -inf (nn.MultiheadAttention's boolean attn_mask becomes a float
// constant of 0 / -inf: Pyraformer's pyramidal mask, 127 × 127) is large enough to be stored int8 behind a
// DEQUANTIZE; max|x| is infinite, so its scale was NaN and every element rounded to 0: the mask vanished
// (the sixteenth sweep's pyraformer: --quantize dynamic cosine 0, int8 refused at 0.64). Such a constant stays
// float32 (src/quantize/weights.ts). Real LiteRT against onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTensor } from '../../src/ir/tensor';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { runOnnx } from '../../src/runtime/ort';
import { cosine, floats, rng, runFirstOutput } from './helpers';
import { quantizeModelBytes } from '../../src/quantize/file';

const [S, E] = [72, 16]; // S·S = 5184 elements: past MIN_DYNAMIC_ELEMENTS

function banded(): Uint8Array {
  const r = rng(5);
  const w = (name: string) => tensor(name, 'float32', [E, E], Array.from({ length: E * E }, () => (r() - 0.5) * 2));
  // Each query sees the keys within 2 steps of it; the rest -inf.
  const mask = Array.from({ length: S * S }, (_, i) => (Math.abs(Math.floor(i / S) - (i % S)) <= 2 ? 0 : -Infinity));
  return encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [1, S, E]]], outputs: [['y', 'float32', [1, S, E]]],
    initializers: [w('wq'), w('wk'), w('wv'), tensor('mask', 'float32', [1, S, S], mask)],
    nodes: [
      node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']), node('MatMul', ['x', 'wv'], ['v']),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }), node('MatMul', ['q', 'kt'], ['qk']),
      node('Add', ['qk', 'mask'], ['logits']), node('Softmax', ['logits'], ['p'], { axis: -1 }), node('MatMul', ['p', 'v'], ['y']),
    ],
  }));
}

const dir = mkdtempSync(join(tmpdir(), 'inf-mask-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const mode of ['dynamic', 'int8'] as const) {
  test(`--quantize ${mode}: a constant mask of 0 / -inf stays float32 and keeps masking (output cosine ≥ 0.99 on LiteRT)`, async () => {
    const bytes = banded();
    const { result } = await quantizeModelBytes(bytes, join(dir, 'banded.onnx'), {}, { mode, count: 4, int16: 'off', allowDegraded: true });
    const sg = result.model.subgraphs[0];
    const add = sg.operators.find((o) => o.opcode === 'ADD')!;
    const maskIn = add.inputs.map((i) => sg.tensors[i]).find((t) => t.shape.length === 3 && t.shape[1] === S && t.shape[2] === S && t.data);
    assert.ok(maskIn && maskIn.type === 'FLOAT32', 'the ADD reads the mask as a float32 constant');
    const r = rng(9);
    const x = makeTensor('x', 'float32', [1, S, E], Float32Array.from({ length: S * E }, () => r())); // as the random calibration: [0, 1)
    const ref = floats([...(await runOnnx(bytes, [x])).values()][0]);
    const c = cosine(await runFirstOutput(result.model, [x]), ref);
    assert.ok(c >= 0.99, `output cosine ${c}`);
  });
}
