// fp16, dynamic-range and full-integer int8 on every CNN of ../shared/models, run on the real LiteRT and compared
// with onnxruntime-node on test_data_set_0. int8 is calibrated on 16 seeded uniform [0, 1) samples, drawn like the
// test input (the random path of quantizeModelBytes, which also warns that such scales are not representative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readTensorFile } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { quantizeModelBytes, type QuantMode } from '../../src/quantize/file';
import { cosine, floatHardSwishForms, floats, innerFloatActivations, relMaxDiff } from './helpers';

const DIR = '../shared/models';
/** The int8 target (cosine ≥ 0.99 on test_data_set_0) for every CNN. Plain int8 reaches it on squeezenet
 *  only: these random-weight networks amplify the rounding of their first layers (plain int8 0.976–0.994), so the
 *  default `--int16 auto` keeps those layers out of int8 (see src/quantize/mixed-precision.ts). `PLAIN` names the models
 *  that must stay plain int8 (the guard is met without 16x8). */
const INT8_COSINE: Record<string, number> = {
  squeezenet1_1: 0.99, mobilenet_v3_small: 0.99, shufflenet_v2_x1_0: 0.99,
  lraspp_mobilenet_v3_large: 0.99, mnasnet0_5: 0.99, mobilenet_v2: 0.99,
};
const PLAIN = new Set(['squeezenet1_1']);

for (const name of Object.keys(INT8_COSINE)) {
  test(`${name}: fp16, dynamic and int8 run on LiteRT within the size and accuracy targets`, async (t) => {
    const bytes = readFileSync(`${DIR}/${name}.onnx`);
    const input = readTensorFile(`${DIR}/${name}.test_data_set_0/input_0.pb`);
    const [refTensor] = [...(await runOnnx(bytes, [{ ...input, name: (await inputName(bytes)) }])).values()];
    const ref = floats(refTensor);
    const run = async (mode: QuantMode) => {
      const { result, summary } = await quantizeModelBytes(bytes, `${name}.onnx`, {}, { mode });
      const tflite = serializeTflite(result.model);
      const s = await openConverted(tflite);
      try {
        const out = [...(await s.run([{ ...input, name: s.metadata.inputs[0].onnx }])).values()][0];
        return { out: floats(out), ratio: tflite.byteLength / summary.floatBytes, result, summary };
      } finally {
        s.close();
      }
    };
    const fp16 = await run('fp16');
    assert.ok(fp16.ratio <= 0.55, `fp16 size ${(fp16.ratio * 100).toFixed(1)}% > 55%`);
    assert.ok(relMaxDiff(fp16.out, ref) <= 1e-2, `fp16 max|diff| ${relMaxDiff(fp16.out, ref)} × max|ref|`);

    const dyn = await run('dynamic');
    assert.ok(dyn.ratio <= 0.3, `dynamic size ${(dyn.ratio * 100).toFixed(1)}% > 30%`);
    assert.ok(cosine(dyn.out, ref) >= 0.995, `dynamic cosine ${cosine(dyn.out, ref)}`);

    const int8 = await run('int8');
    assert.ok(int8.ratio <= 0.35, `int8 size ${(int8.ratio * 100).toFixed(1)}% > 35%`);
    assert.ok(cosine(int8.out, ref) >= INT8_COSINE[name], `int8 cosine ${cosine(int8.out, ref)}`);
    // float32 inside only around the ops the mixed-precision search kept in float32.
    const floatOps = int8.summary.floatOps ?? 0;
    if (floatOps === 0) assert.deepEqual(innerFloatActivations(int8.result.model), []);
    assert.ok(int8.result.warnings.some((w) => /NOT representative/.test(w)), 'random calibration warns');
    // float32 only at the edges: one QUANTIZE from the float input, one DEQUANTIZE to the float output (the other
    // QUANTIZE ops convert between int16 and int8 at the 16x8 region's boundary).
    const sg = int8.result.model.subgraphs[0];
    const typeOf = (i: number) => sg.tensors[i].type;
    if (floatOps === 0) {
      // (besides the float HARD_SWISH form's DEQUANTIZE / QUANTIZE pairs)
      const hs = floatHardSwishForms(int8.result.model).ops;
      assert.equal(sg.operators.filter((o) => o.opcode === 'QUANTIZE' && typeOf(o.inputs[0]) === 'FLOAT32').length, 1 + hs, 'one QUANTIZE at the input');
      assert.equal(sg.operators.filter((o) => o.opcode === 'DEQUANTIZE' && typeOf(o.outputs[0]) === 'FLOAT32').length, 1 + hs, 'one DEQUANTIZE at the output');
    }
    const int16 = sg.tensors.filter((tt) => tt.type === 'INT16').length;
    if (PLAIN.has(name)) assert.equal(int16, 0, 'plain int8 when the guard is met');
    assert.equal(int16 > 0, (int8.summary.int16Ops ?? 0) > 0, 'INT16 tensors exactly when a 16x8 region was chosen');
    t.diagnostic(`${name}: fp16 ${(fp16.ratio * 100).toFixed(1)}% rel ${relMaxDiff(fp16.out, ref).toExponential(2)}; `
        + `dynamic ${(dyn.ratio * 100).toFixed(1)}% cos ${cosine(dyn.out, ref).toFixed(5)}; int8 ${(int8.ratio * 100).toFixed(1)}% cos ${cosine(int8.out, ref).toFixed(5)} `
        + `(16x8 ops ${int8.summary.int16Ops}, float32 ops ${floatOps}, guard ${int8.summary.int8Cosine?.toFixed(4)} → ${int8.summary.cosine?.toFixed(4)})`);
  });
}

async function inputName(bytes: Uint8Array): Promise<string> {
  const { decodeModel } = await import('../../src/onnx/reader');
  return decodeModel(bytes).graph.inputs[0].name;
}

test('lstm_small: a weight shared by the unrolled steps is quantized once (the int8 model is smaller than float32)', async () => {
  const bytes = readFileSync(`${DIR}/lstm_small.onnx`);
  const { result, summary } = await quantizeModelBytes(bytes, 'lstm_small.onnx', {}, { mode: 'int8', int16: 'off', weightRounding: 'nearest' });
  const sg = result.model.subgraphs[0];
  const weights = sg.tensors.filter((t) => t.type === 'INT8' && (t.data?.byteLength ?? 0) >= 4096);
  assert.equal(new Set(weights.map((t) => t.name)).size, weights.length);
  assert.ok(weights.length <= 5, `${weights.length} large int8 weights (4 LSTM matrices + classifier at most)`);
  assert.ok(serializeTflite(result.model).byteLength < summary.floatBytes);
});
