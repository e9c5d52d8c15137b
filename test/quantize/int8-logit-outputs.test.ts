// A classifier's scores stay float32 in int8 models (int8-logit-outputs.ts): int8 gives the logits one step over every
// class, so two classes closer than a step tie and the arg-max takes the first (a GTSRB CNN: 8 of 170 signs changed
// class while the output cosine read 0.9998). The graphs here have two classes whose logits always differ by 0.05
// (the same weights, biases 0 and 0.05) beside a class at −100× their scale, which widens the int8 step to ~1 (not
// −250×: below −1000 the layer reads as an attention mask, int8-attention-mask.ts, and stays float32 anyway).
// The int8 pass runs the head 16x8 (int8-classifier-head.ts: int16 scores, int8 weights; not float32 with int8-stored
// weights, which moved a policy net's logits in the hundreds under --int16 all, nor float32 weights, which took a
// CIFAR-100 CNN's file to ~100% of float32), and not under --int16 off / all, --int8-io, --per-tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { encodeNpy } from '../../src/core/npy';
import { type QuantizeOptions, quantizeModelBytes } from '../../src/quantize/file';
import { logitOutputOps } from '../../src/quantize/int8-logit-outputs';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { floats, rng, runFirstOutput } from './helpers';

/** x [1, 3, 8, 8] → conv 3→4 → Relu → global mean → Flatten → Gemm 4→3 (→ Softmax, or → Relu → Gemm 3→3 when `hidden`,
 *  or → Relu → Gemm 3→1000 → Relu → Gemm 1000→300 when `wide`: 300,000 weights; → ArgMax when `argmax`). */
function classifier(end: 'logits' | 'softmax' | 'hidden' | 'wide' | 'argmax'): Uint8Array {
  const r = rng(3);
  const w = [1, 0.5, 0.8, 0.3];
  const head = end === 'softmax' ? [node('Gemm', ['f', 'wf', 'bf'], ['z'], { transB: 1 }), node('Softmax', ['z'], ['y'], { axis: 1 })]
    : end === 'argmax' ? [node('Gemm', ['f', 'wf', 'bf'], ['y'], { transB: 1 }), node('ArgMax', ['y'], ['id'], { axis: 1, keepdims: 0 })]
    : end === 'hidden' ? [node('Gemm', ['f', 'wf', 'bf'], ['z'], { transB: 1 }), node('Relu', ['z'], ['zr']), node('Gemm', ['zr', 'wh', 'bh'], ['y'], { transB: 1 })]
      : end === 'wide' ? [node('Gemm', ['f', 'wf', 'bf'], ['z'], { transB: 1 }), node('Relu', ['z'], ['zr']), node('Gemm', ['zr', 'w1k', 'b1k'], ['k'], { transB: 1 }),
        node('Relu', ['k'], ['kr']), node('Gemm', ['kr', 'w300', 'b300'], ['y'], { transB: 1 })]
      : [node('Gemm', ['f', 'wf', 'bf'], ['y'], { transB: 1 })];
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 3, 8, 8]]], outputs: end === 'argmax' ? ['y', 'id'] : ['y'], opset: 13,
    nodes: [node('Conv', ['x', 'wc', 'bc'], ['h'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['h'], ['a']),
      node('GlobalAveragePool', ['a'], ['p']), node('Flatten', ['p'], ['f'], { axis: 1 }), ...head],
    initializers: [tensor('wc', 'float32', [4, 3, 3, 3], Array.from({ length: 108 }, () => r() * 0.4)), tensor('bc', 'float32', [4], [0.1, 0.1, 0.1, 0.1]),
      tensor('wf', 'float32', [3, 4], [...w, ...w, ...w.map((v) => -100 * v)]), tensor('bf', 'float32', [3], [0, 0.05, 0]),
      tensor('wh', 'float32', [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]), tensor('bh', 'float32', [3], [0, 0, 0]),
      ...(end === 'wide' ? [tensor('w1k', 'float32', [1000, 3], Array(3000).fill(0.01)), tensor('b1k', 'float32', [1000], Array(1000).fill(0)),
        tensor('w300', 'float32', [300, 1000], Array(300000).fill(0.001)), tensor('b300', 'float32', [300], Array(300).fill(0))] : [])],
  }));
}

test('only the last layer, and not a wide one: a FULLY_CONNECTED computed on further, or of more than 262,144 weights, is not taken', () => {
  const sg = convertModel(decodeModel(classifier('hidden'))).model.subgraphs[0];
  const taken = [...logitOutputOps(sg)];
  const fcs = sg.operators.map((o, k) => (o.opcode === 'FULLY_CONNECTED' ? k : -1)).filter((k) => k >= 0);
  assert.equal(fcs.length, 2);
  assert.deepEqual(taken, [fcs[1]]);
  // A head of more than MAX_FLOAT_WEIGHTS (300,000 here; an ImageNet head's 1.28 M) stays int8: 16x8 runs TFLite's
  // reference FULLY_CONNECTED, not measured at that size.
  assert.equal(logitOutputOps(convertModel(decodeModel(classifier('wide'))).model.subgraphs[0]).size, 0);
});

const picture = (r: () => number) => tensor('x', 'float32', [1, 3, 8, 8], Array.from({ length: 192 }, () => r()));
const argmax = (v: ArrayLike<number>) => Array.from(v).reduce((b, x, i, a) => (x > a[b] ? i : b), 0);

/** int8 of `bytes` calibrated on 8 pictures: on 6 others, how often the arg-max is onnxruntime's (class 1, 0.05 ahead
 *  of class 0), the head's output type, the warning lines and the `--json` head field. */
async function agreement(bytes: Uint8Array, q: Partial<QuantizeOptions> = {}) {
  const r = rng(11);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-logits-'));
  for (let k = 0; k < 8; k++) fs.writeFileSync(path.join(dir, `s${k}.npy`), encodeNpy(picture(r)));
  const { result, summary } = await quantizeModelBytes(bytes, 'cls.onnx', {}, { mode: 'int8', calibration: dir, allowDegraded: true, weightRounding: 'nearest', ...q });
  fs.rmSync(dir, { recursive: true, force: true });
  const sg = result.model.subgraphs[0];
  const fcs = sg.operators.filter((o) => o.opcode === 'FULLY_CONNECTED');
  let same = 0;
  for (let k = 0; k < (q.int8Io ? 0 : 6); k++) {
    const x = picture(r);
    const want = floats((await runOnnx(bytes, [x])).get('y')!);
    assert.equal(argmax(want), 1, 'class 1 leads by 0.05 in float');
    if (argmax(await runFirstOutput(result.model, [x])) === argmax(want)) same++;
  }
  return { same, fcOut: sg.tensors[fcs[fcs.length - 1].outputs[0]].type, warnings: result.warnings, head: summary.classifierHead, sg };
}

test('the FULLY_CONNECTED making a classifier\'s logits runs 16x8, so two close classes do not tie', async () => {
  const on = await agreement(classifier('logits'));
  // int8 logits (step ~1 over [−260, 3]) tie classes 0 and 1 on every picture.
  assert.equal(on.same, 6);
  assert.equal(on.fcOut, 'INT16', 'the logits layer writes int16');
  assert.ok(on.warnings.some((w) => /classifier head .* runs 16x8/.test(w)), on.warnings.join('\n'));
  assert.deepEqual(on.head, { tensor: 'y', scores: 3, precision: '16x8' });
  // Its weights stay int8: no float32 copy of them in the file.
  assert.ok(!on.sg.tensors.some((t) => t.type === 'FLOAT32' && t.data && t.shape.join() === '3,4'), 'no float32 head weights');
});

test('logits into a final Softmax: the layer before the (float) softmax runs 16x8; without the rule (--int16 off) int8 ties them', async () => {
  const on = await agreement(classifier('softmax'));
  assert.equal(on.same, 6);
  assert.equal(on.fcOut, 'INT16');
  const off = await agreement(classifier('softmax'), { int16: 'off' });
  assert.equal(off.fcOut, 'INT8');
  assert.equal(off.head, undefined);
  assert.ok(off.same < 6, `int8 logits tied ${6 - off.same} of 6`);
});

test('an ArgMax of the scores reads them in float32 from the 16x8 head: the ids are onnxruntime\'s', async () => {
  const on = await agreement(classifier('argmax'));
  assert.equal(on.fcOut, 'INT16');
  const ids = on.sg.operators.filter((o) => o.opcode === 'ARG_MAX');
  assert.equal(ids.length, 1);
  assert.equal(on.sg.tensors[ids[0].inputs[0]].type, 'FLOAT32', 'the ARG_MAX reads float32 scores');
  assert.equal(on.same, 6);
});

test('off under --int8-io (int8 scores: the ties come back at the output) and --per-tensor: the head stays int8', async () => {
  for (const q of [{ int8Io: true }, { perTensor: true }]) {
    const { fcOut, head } = await agreement(classifier('softmax'), q);
    assert.equal(fcOut, 'INT8', JSON.stringify(q));
    assert.equal(head, undefined);
  }
});
