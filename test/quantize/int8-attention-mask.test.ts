// int8 of attention with an additive mask: the mask's bias (−10000, or float's lowest) added to the scores is a
// tensor whose range is the bias's, so int8 rounds the scores it carries to steps of ~40 (or ~1e36) and the softmax
// after it sees uniform weights. The ADD (and what only reshapes it into the SOFTMAX) stays float32 with the
// attention SOFTMAX, the scores before it keep their own int8 range. Real LiteRT against onnxruntime-node on a
// sharp single-head attention over a batch with a padded row.
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
import { gqaDecoder, gqaDecoderFeeds } from '../helpers/gqa-graphs';
import { cosine, floats, rng, runFirstOutput } from './helpers';
import { FLOAT_BINARY_SUFFIX } from '../../src/quantize/int8-float-binary';

const [B, S, E] = [2, 6, 16];

/** One head: q, k, v projections, q·kᵀ / 4 + (1 − mask) · fill, Softmax, · v. */
function maskedAttention(fill: number): Uint8Array {
  const r = rng(11);
  const w = (name: string, s: number) => tensor(name, 'float32', [E, E], Array.from({ length: E * E }, () => (r() - 0.5) * 2 * s));
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [B, S, E]], ['mask', 'int64', [B, S]]], outputs: [['y', 'float32', [B, S, E]]],
    initializers: [w('wq', 1.5), w('wk', 1.5), w('wv', 1), tensor('one', 'float32', [], [1]), tensor('fill', 'float32', [], [fill]),
      tensor('quarter', 'float32', [], [0.25]), tensor('axis1', 'int64', [1], [1])],
    nodes: [
      node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']), node('MatMul', ['x', 'wv'], ['v']),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }), node('MatMul', ['q', 'kt'], ['qk']), node('Mul', ['qk', 'quarter'], ['scores']),
      node('Cast', ['mask'], ['maskf'], { to: 1 }), node('Sub', ['one', 'maskf'], ['dropped']), node('Mul', ['dropped', 'fill'], ['bias2']),
      node('Unsqueeze', ['bias2', 'axis1'], ['bias']), node('Add', ['scores', 'bias'], ['logits'], {}, 'mask_add'),
      node('Softmax', ['logits'], ['probs'], { axis: -1 }), node('MatMul', ['probs', 'v'], ['y']),
    ],
  }));
}

/** x uniform [−1, 1); row 1 padded after `len` tokens. */
function sample(seed: number, len: number): Tensor[] {
  const r = rng(seed);
  return [makeTensor('x', 'float32', [B, S, E], Float32Array.from({ length: B * S * E }, () => r() * 2 - 1)),
    makeTensor('mask', 'int64', [B, S], BigInt64Array.from({ length: B * S }, (_, i) => (i < S || i - S < len ? 1n : 0n)))];
}

/** Cosine on the rows the mask keeps. */
function keptCosine(got: Float32Array, ref: Float32Array, s: Tensor[]): number {
  const m = s[1].data as BigInt64Array;
  const keep = (i: number) => m[Math.floor(i / E)] !== 0n;
  const a = Array.from(got).filter((_, i) => keep(i));
  const b = Array.from(ref).filter((_, i) => keep(i));
  return cosine(a, b);
}

const dir = mkdtempSync(join(tmpdir(), 'int8-mask-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const cal = join(dir, 'cal');
for (let i = 0; i < 8; i++) {
  mkdirSync(join(cal, `s${i}`), { recursive: true });
  sample(100 + i, 2 + (i % 4)).forEach((t, k) => writeFileSync(join(cal, `s${i}`, `input_${k}.npy`), encodeNpy(t)));
}

for (const [label, fill] of [['−10000', -10000], ["float32's lowest", -3.4028234663852886e38]] as const) {
  test(`int8 attention with a ${label} mask bias: the mask ADD stays float32, the scores int8, output cosine ≥ 0.99 on LiteRT`, async (t) => {
    const bytes = maskedAttention(fill);
    const { result } = await quantizeModelBytes(bytes, join(dir, 'attn.onnx'), {}, { mode: 'int8', calibration: cal, int16: 'off', allowDegraded: true });
    let worst = 1;
    for (let i = 0; i < 4; i++) {
      const s = sample(200 + i, 1 + i);
      const ref = floats([...(await runOnnx(bytes, s)).values()][0]);
      worst = Math.min(worst, keptCosine(await runFirstOutput(result.model, s), ref, s));
    }
    t.diagnostic(`worst output cosine on the kept rows: ${worst.toFixed(5)}`);
    const sg = result.model.subgraphs[0];
    const add = sg.operators.find((o) => o.onnxNode === 'mask_add' && o.opcode === 'ADD')!;
    assert.equal(sg.tensors[add.outputs[0]].type, 'FLOAT32', `the mask ADD computes in float32 (worst cosine ${worst})`);
    const mm = sg.operators.filter((o) => o.opcode === 'BATCH_MATMUL');
    assert.ok(mm.some((o) => sg.tensors[o.outputs[0]].name.endsWith(FLOAT_BINARY_SUFFIX)), 'q·kᵀ from int8 q and k in the float form, quantized to int8');
    assert.ok(worst >= 0.99, `worst cosine ${worst}`);
  });
}

test('int8 of a GroupQueryAttention decoder (run-time causal mask of float32\'s lowest): runs on LiteRT, logits cosine ≥ 0.99', async (t) => {
  const [Bd, P] = [2, 5];
  const bytes = encodeModel(gqaDecoder(Bd, 1, P));
  const gcal = join(dir, 'gqa-cal');
  const lens = (i: number) => [6, 2 + (i % 5)];
  for (let i = 0; i < 8; i++) {
    mkdirSync(join(gcal, `s${i}`), { recursive: true });
    gqaDecoderFeeds(Bd, 1, P, lens(i), 500 + i).forEach((x, k) => writeFileSync(join(gcal, `s${i}`, `input_${k}.npy`), encodeNpy(x)));
  }
  const { result } = await quantizeModelBytes(bytes, join(dir, 'gqa.onnx'), {}, { mode: 'int8', calibration: gcal, int16: 'off', allowDegraded: true });
  let worst = 1;
  for (let i = 0; i < 3; i++) {
    const s = gqaDecoderFeeds(Bd, 1, P, lens(i + 1), 600 + i);
    const ref = floats((await runOnnx(bytes, s)).get('logits')!);
    worst = Math.min(worst, cosine(await runFirstOutput(result.model, s), ref));
  }
  t.diagnostic(`worst logits cosine ${worst.toFixed(5)}`);
  assert.ok(worst >= 0.99, `worst logits cosine ${worst}`);
});
