// Headroom for a normalization's per-token variance (src/calibration/norm-headroom.ts): calibrated on a decoding
// step's few tokens, a held-out token's mean(x²) went past its int8 range, the clipped variance scaled the whole
// token (GQA decoder logits worst cosine 0.982 held out). The variance tensors are found by graph structure (MEAN of
// a square over the last axis, + ε before the root) and widened by the calibration samples' own spread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SampleExtremes, normVariances } from '../../src/calibration/norm-headroom';
import { convertModel } from '../../src/convert/convert';
import { encodeNpy } from '../../src/core/npy';
import { seededUniform } from '../../src/core/random';
import { makeTensor } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { runOnnx } from '../../src/runtime/ort';
import { gqaDecoder } from '../helpers/gqa-graphs';
import { cosine, floats, runFirstOutput } from '../quantize/helpers';

test('SampleExtremes: no margin under 4 samples; else a Gumbel step β·ln 16 from the spread of the samples\' extremes', () => {
  const e = new SampleExtremes();
  for (const hi of [1, 2, 3]) e.add(0, -hi, hi, 2);
  assert.deepEqual(e.margin(0), { below: 0, above: 0 });
  e.add(0, -4, 4, 2);
  assert.equal(e.count(0), 8);
  const sd = Math.sqrt(((1.5 ** 2) * 2 + (0.5 ** 2) * 2) / 3);
  const step = (Math.sqrt(6) / Math.PI) * sd * Math.log(16);
  assert.ok(Math.abs(e.margin(0).above - step) < 1e-12 && Math.abs(e.margin(0).below - step) < 1e-12, JSON.stringify(e.margin(0)));
  for (let i = 0; i < 4; i++) e.add(1, 0, 5, 100);
  assert.deepEqual(e.margin(1), { below: 0, above: 0 }, 'samples with the same extremes: no spread, no margin');
});

const D = 8;
/** [1, 4, D] → RMSNorm (SimplifiedLayerNormalization) + residual Add → LayerNormalization → ReduceMean of x² over
 *  the tokens axis (not a normalization's variance). */
function norms() {
  const ones = (n: string) => tensor(n, 'float32', [D], new Array(D).fill(1));
  return buildModel({
    opset: 17,
    inputs: [['x', 'float32', [1, 4, D]]], outputs: ['ln', 'tokens'],
    initializers: [ones('g'), ones('g2'), tensor('b2', 'float32', [D], new Array(D).fill(0)), tensor('axis1', 'int64', [1], [1])],
    nodes: [
      node('SimplifiedLayerNormalization', ['x', 'g'], ['rms'], { axis: -1, epsilon: 1e-6 }), node('Add', ['rms', 'x'], ['res']),
      node('LayerNormalization', ['res', 'g2', 'b2'], ['ln'], { axis: -1, epsilon: 1e-5 }),
      node('Mul', ['x', 'x'], ['sq']), node('ReduceMean', ['sq', 'axis1'], ['tokens'], { keepdims: 1 }),
    ],
  });
}

test('normVariances: the RMSNorm\'s and the LayerNorm\'s mean of squares and + ε; not the residual, not a mean over tokens', () => {
  const sg = convertModel(norms()).model.subgraphs[0];
  const found = [...normVariances(sg)].map((i) => sg.operators.find((o) => o.outputs[0] === i)!);
  assert.deepEqual(found.map((o) => o.opcode).sort(), ['ADD', 'ADD', 'MEAN', 'MEAN'], found.map((o) => `${o.opcode} ${sg.tensors[o.outputs[0]].name}`).join('; '));
  for (const o of found) {
    const reader = sg.operators.find((r) => r.inputs.includes(o.outputs[0]))!;
    assert.ok(o.opcode === 'MEAN' ? reader.opcode === 'ADD' : reader.opcode === 'RSQRT', `${o.opcode} read by ${reader.opcode}`);
  }
  const tokens = sg.operators.find((o) => sg.tensors[o.outputs[0]].name === 'tokens')!;
  assert.equal(normVariances(sg).has(tokens.outputs[0]), false, 'a mean of squares over axis 1 is not a last-axis norm');
});

/** The script's realistic decoding step (scripts/int8-transformers.ts): a prompt of 5 run by onnxruntime fills the
 *  caches, then one new token per row, row 1's mask ending early. */
async function decodingStep(seed: number, prompt: Uint8Array): Promise<Tensor[]> {
  const rnd = seededUniform(seed);
  const i64 = (name: string, dims: number[], v: number[]) => makeTensor(name, 'int64', dims, BigInt64Array.from(v.map(BigInt)));
  const feeds = [i64('input_ids', [2, 5], Array.from({ length: 10 }, () => Math.floor(rnd() * 64))), i64('attention_mask', [2, 5], new Array(10).fill(1)),
    ...['past_key_0', 'past_value_0', 'past_key_1', 'past_value_1'].map((n) => makeTensor(n, 'float32', [2, 2, 1, 16], new Float32Array(64)))];
  const out = await runOnnx(prompt, feeds);
  return [i64('input_ids', [2, 1], [Math.floor(rnd() * 64), Math.floor(rnd() * 64)]), i64('attention_mask', [2, 6], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
    ...['key_0', 'value_0', 'key_1', 'value_1'].map((n) => ({ ...out.get(`present_${n}`)!, name: `past_${n}` }))];
}

test('GQA decoder int8 on 16 decoding steps: held-out logits cosine >= 0.99 on LiteRT (was 0.982: RMSNorm variance clipped)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'norm-headroom-'));
  try {
    const prompt = encodeModel(gqaDecoder(2, 5, 1, false, 5));
    const step = encodeModel(gqaDecoder(2, 1, 5, false, 6));
    const file = join(dir, 'gqa_decoder.onnx');
    writeFileSync(file, step);
    for (let i = 0; i < 16; i++) {
      mkdirSync(join(dir, 'cal', `s${i}`), { recursive: true });
      (await decodingStep(1000 + i, prompt)).forEach((s, k) => writeFileSync(join(dir, 'cal', `s${i}`, `input_${k}.npy`), encodeNpy(s)));
    }
    const { result } = await quantizeModelBytes(step, file, {}, { mode: 'int8', calibration: join(dir, 'cal'), allowDegraded: true });
    let worst = 1;
    for (let i = 16; i < 24; i++) {
      const s = await decodingStep(1000 + i, prompt);
      const ref = floats((await runOnnx(step, s)).get('logits')!);
      worst = Math.min(worst, cosine(await runFirstOutput(result.model, s), ref));
    }
    t.diagnostic(`held-out logits worst cosine ${worst.toFixed(5)}`);
    assert.ok(worst >= 0.99, `held-out logits worst cosine ${worst}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
