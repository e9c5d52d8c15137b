// Convert's self-check on a Sigmoid output whose probabilities are tiny on its seeded inputs (PP-OCR det on noise):
// onnxruntime's float32 Sigmoid is off by up to ~6e-8 there (0 from logit -18 on) while LiteRT keeps the values, so the
// probabilities disagreed far beyond the bar and a correct conversion was refused. Such an output is judged on each
// runtime's logits (src/core/verify-logits.ts); a genuinely wrong logit is still refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { isDegraded, REFUSE_COSINE, verifyOnLiteRt, withinReference } from '../../src/core/verify';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { serializeTflite } from '../../src/tflite/writer';
import { compareViews, onnxView } from '../../src/compare/metrics';
import { runOnnx } from '../../src/runtime/ort';
import { runTflite } from '../../src/runtime/litert';
import { prepareInputs, modelIo } from '../../src/deploy/tensors';
import { parseTflite } from '../../src/tflite/reader';
import { toFloat32 } from '../../src/ir/tensor';

/** x [1, 3, 16, 16] in [0, 1) → 1×1 Conv (logits -21 .. -14.5: probabilities under 5e-7) → Sigmoid, NCHW out. */
const detHead = (w: number[]) => buildModel({
  inputs: [['x', 'float32', [1, 3, 16, 16]]], outputs: ['prob'], opset: 13,
  nodes: [node('Conv', ['x', 'w', 'b'], ['logit']), node('Sigmoid', ['logit'], ['prob'])],
  initializers: [tensor('w', 'float32', [1, 3, 1, 1], w), tensor('b', 'float32', [1], [-18])],
});

test('tiny sigmoid probabilities: onnxruntime\'s rounding is not read as a conversion error', async () => {
  const model = detHead([2, -3, 1.5]);
  const onnx = encodeModel(model);
  const tflite = serializeTflite(convertModel(model).model);
  // The probabilities themselves disagree beyond the bar (onnxruntime's Sigmoid, not the conversion).
  const io = modelIo(parseTflite(tflite));
  const feeds = prepareInputs(io.inputs, undefined, 1);
  const ref = toFloat32((await runOnnx(onnx, feeds.onnx)).get('prob')!);
  const got = toFloat32((await runTflite(tflite, feeds.device))[0]!);
  const raw = compareViews(onnxView(ref, [ref.length]), onnxView(got, [got.length]));
  assert.ok(raw.rel > 1e-2 && raw.maxAbs <= 1e-6, `raw probabilities: max rel ${raw.rel}, max abs ${raw.maxAbs}`);
  const notes: string[] = [];
  const v = await verifyOnLiteRt(onnx, tflite, notes);
  assert.ok(!isDegraded(v), `max rel ${v.maxRel}, cosine ${v.cosine}`);
  assert.ok(v.maxRel < 1e-4, `exact sigmoids of the logits: max rel ${v.maxRel}`);
  assert.ok(notes.some((n) => /output 'prob' is a Sigmoid whose probabilities are tiny.*exact sigmoid of each runtime's logits/.test(n)), notes.join('\n'));
});

test('tiny sigmoid probabilities from a wrong logit are still refused', async () => {
  const right = detHead([2, -3, 1.5]);
  // The .tflite of another head (its channels' weights swapped): a conversion error in the logits.
  const wrong = serializeTflite(convertModel(detHead([-3, 2, 1.5])).model);
  const notes: string[] = [];
  const v = await verifyOnLiteRt(encodeModel(right), wrong, notes);
  assert.ok(notes.some((n) => /exact sigmoid of each runtime's logits/.test(n)), notes.join('\n'));
  assert.ok(isDegraded(v));
  assert.ok(v.cosine < REFUSE_COSINE && !withinReference(v), `cosine ${v.cosine}: refused`);
});
