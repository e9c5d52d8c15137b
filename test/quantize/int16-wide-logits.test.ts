// `--int16 all` on a policy net whose logits reach far below -1000 by the last layer's own weights and biases
// (Kazuhito00's Reversi MLP: squares never played get -100 to -1070, the best two moves 0.6 apart). The attention
// mask rule (int8-attention-mask.ts: a SOFTMAX input whose range reaches -1000 is a mask's bias ADD) took that last
// FULLY_CONNECTED for a mask op and kept it float32 on int8-stored weights alone (no 16x8, no residual weights):
// ~1% weight error on logits in the hundreds, and the softmax's peak moved (Reversi 251 / 480 moves as onnxruntime's).
// A 16x8 layer with weights is not a mask's op: it runs 16x8 with split weights (int16 steps of 0.04 over -1300).
// Real LiteRT against onnxruntime-node on a small two-layer policy built here.
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

const [I, H, O] = [16, 48, 16];

/** x [1, 16] in {0, 1, 2} (a board) → dense 48 + Relu → dense 16 → Softmax. Half the logits are a difference of
 *  large numbers a few units apart, the other half (bias -1200, "never played") below -1000. */
function policy(): Uint8Array {
  const r = rng(7);
  const u = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * 2 * s);
  // The played half: one large shared column (±30) plus a small own part (±0.4) each, so their logits are large
  // numbers a few units apart (int8 weights alone move each by ~3 units: the arg-max flips).
  const shared = u(H, 30);
  const w2 = u(H * O, 0.4).map((v, i) => ((i % O) < O / 2 ? shared[Math.floor(i / O)] + v : v * 10));
  const b2 = Array.from({ length: O }, (_, o) => (o < O / 2 ? 0 : -1200));
  return encodeModel(buildModel({
    opset: 13, inputs: [['x', 'float32', [1, I]]], outputs: [['p', 'float32', [1, O]]],
    initializers: [tensor('w1', 'float32', [I, H], u(I * H, 1)), tensor('b1', 'float32', [H], u(H, 0.5)),
      tensor('w2', 'float32', [H, O], w2), tensor('b2', 'float32', [O], b2)],
    nodes: [
      node('MatMul', ['x', 'w1'], ['m1']), node('Add', ['m1', 'b1'], ['a1']), node('Relu', ['a1'], ['h']),
      node('MatMul', ['h', 'w2'], ['m2']), node('Add', ['m2', 'b2'], ['logits'], {}, 'logits_add'),
      node('Softmax', ['logits'], ['p'], { axis: -1 }),
    ],
  }));
}

const board = (seed: number): Tensor[] => {
  const r = rng(seed);
  return [makeTensor('x', 'float32', [1, I], Float32Array.from({ length: I }, () => Math.floor(r() * 3)))];
};
const argmax = (a: ArrayLike<number>) => Array.from(a).reduce((b, v, i, x) => (v > x[b] ? i : b), 0);

const dir = mkdtempSync(join(tmpdir(), 'int16-logits-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const cal = join(dir, 'cal');
for (let i = 0; i < 16; i++) {
  mkdirSync(join(cal, `s${i}`), { recursive: true });
  writeFileSync(join(cal, `s${i}`, 'input_0.npy'), encodeNpy(board(100 + i)[0]));
}

test('--int16 all: logits below -1000 made by the last layer\'s weights run 16x8 (not a mask op): output cosine ≥ 0.999, arg-max as onnxruntime', async (t) => {
  const bytes = policy();
  const { result, summary } = await quantizeModelBytes(bytes, join(dir, 'policy.onnx'), {}, { mode: 'int8', calibration: cal, int16: 'all', allowDegraded: true });
  const sg = result.model.subgraphs[0];
  const fcs = sg.operators.filter((o) => o.opcode === 'FULLY_CONNECTED');
  const types = fcs.map((o) => sg.tensors[o.outputs[0]].type);
  t.diagnostic(`FULLY_CONNECTED outputs: ${types.join(', ')}; guard ${JSON.stringify(summary.guard?.cosine)}`);
  let worst = 1;
  let same = 0;
  const n = 24;
  for (let i = 0; i < n; i++) {
    const s = board(300 + i);
    const ref = floats([...(await runOnnx(bytes, s)).values()][0]);
    const got = await runFirstOutput(result.model, s);
    worst = Math.min(worst, cosine(got, ref));
    if (argmax(got) === argmax(ref)) same++;
  }
  t.diagnostic(`worst output cosine ${worst.toFixed(5)}, arg-max as onnxruntime ${same} / ${n}`);
  assert.ok(worst >= 0.999, `worst output cosine ${worst}`);
  assert.ok(same >= n - 1, `arg-max as onnxruntime ${same} / ${n}`);
  assert.ok(types.length >= 2 && types.every((ty) => ty === 'INT16'), `every FULLY_CONNECTED in 16x8: ${types.join(', ')}`);
});
