// int8 of a decomposed LayerNorm (PyTorch below opset 17: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div): its
// variance path (x², mean, + ε into SQRT and DIV) stays float32 as one chain — TFLite has no int8 SQUARE — and is
// named a normalization's, not "the spectrogram front end" the audio rule (same shape: power into a SQRT) names.
// Real LiteRT against onnxruntime-node.
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
import { cosine, floats, rng, runFirstOutput } from './helpers';

const [S, E] = [8, 16];

function layerNormMlp(): Uint8Array {
  const r = rng(5);
  const w = (name: string) => tensor(name, 'float32', [E, E], Array.from({ length: E * E }, () => (r() - 0.5) * 0.8));
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, S, E]]], outputs: [['y', 'float32', [1, S, E]]],
    initializers: [w('w1'), w('w2'), tensor('two', 'float32', [], [2]), tensor('eps', 'float32', [], [1e-5]),
      tensor('gamma', 'float32', [E], Array.from({ length: E }, () => 0.5 + r())), tensor('beta', 'float32', [E], Array.from({ length: E }, () => r() - 0.5))],
    nodes: [
      node('MatMul', ['x', 'w1'], ['h']),
      node('ReduceMean', ['h'], ['mu'], { axes: [-1] }), node('Sub', ['h', 'mu'], ['d']), node('Pow', ['d', 'two'], ['d2']),
      node('ReduceMean', ['d2'], ['var'], { axes: [-1] }), node('Add', ['var', 'eps'], ['ve']), node('Sqrt', ['ve'], ['sd']),
      node('Div', ['d', 'sd'], ['n']), node('Mul', ['n', 'gamma'], ['g']), node('Add', ['g', 'beta'], ['ln']),
      node('MatMul', ['ln', 'w2'], ['y']),
    ],
  }));
}

const sample = (seed: number): Tensor[] => {
  const r = rng(seed);
  return [makeTensor('x', 'float32', [1, S, E], Float32Array.from({ length: S * E }, () => (r() * 2 - 1) * 3))];
};

const dir = mkdtempSync(join(tmpdir(), 'int8-norm-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('int8 of a decomposed LayerNorm: its variance path is a float32 normalization chain (not a spectrogram), output cosine ≥ 0.99 on LiteRT', async (t) => {
  const bytes = layerNormMlp();
  const cal = join(dir, 'cal');
  for (let i = 0; i < 8; i++) {
    mkdirSync(join(cal, `s${i}`), { recursive: true });
    writeFileSync(join(cal, `s${i}`, 'input_0.npy'), encodeNpy(sample(100 + i)[0]));
  }
  const { result } = await quantizeModelBytes(bytes, join(dir, 'ln.onnx'), {}, { mode: 'int8', calibration: cal, int16: 'off', allowDegraded: true });
  const warnings = result.warnings.join('\n');
  assert.ok(!/spectrogram/.test(warnings), warnings);
  assert.match(warnings, /3 op\(s\) of normalization variances/);
  const sg = result.model.subgraphs[0];
  const square = sg.operators.find((o) => o.opcode === 'SQUARE' || o.opcode === 'POW' || (o.opcode === 'MUL' && o.inputs[0] === o.inputs[1]));
  assert.ok(square, sg.operators.map((o) => o.opcode).join(' '));
  const mean = sg.operators.find((o) => o.opcode === 'MEAN' && o.inputs[0] === square!.outputs[0]);
  assert.ok(mean && sg.tensors[mean.outputs[0]].type === 'FLOAT32', 'the variance MEAN reads the float square directly');
  let worst = 1;
  for (let i = 0; i < 4; i++) {
    const s = sample(200 + i);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, s), floats([...(await runOnnx(bytes, s)).values()][0])));
  }
  t.diagnostic(`worst output cosine ${worst.toFixed(5)}`);
  assert.ok(worst >= 0.99, `worst cosine ${worst}`);
});
