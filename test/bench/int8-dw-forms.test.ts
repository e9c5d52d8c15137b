// bench/int8-dw-forms.ts times int8 DEPTHWISE_CONV_2D forms against float32 on LiteRT: the forms it compares must
// compute the same layer, or a ratio between them says nothing. Real LiteRT: each int8 form (float32 in and out, as
// the int8 pass writes them) within int8 noise of the float32 stack, and the explicit PAD + VALID form bit-identical to
// SAME (both pad with the zero point); bench/raw-runner.ts pairedRaw gives every model a time and the base ratio 1,
// and bench/op-pairs.ts pairs each int8 op with its float32 twin.
// No time is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeTflite } from '../../src/tflite/writer';
import { runTflite } from '../../src/runtime/litert';
import { makeTensor } from '../../src/ir/tensor';
import { DW_FORMS, dwStack, type DwStack } from '../../bench/int8-dw-forms';
import { pairedRaw } from '../../bench/raw-runner';
import { opcodeSums, opPairs } from '../../bench/op-pairs';

const snrDb = (ref: Float32Array, y: Float32Array): number => {
  let s = 0, n = 0;
  for (let i = 0; i < ref.length; i++) { s += ref[i]! * ref[i]!; n += (ref[i]! - y[i]!) ** 2; }
  return 10 * Math.log10(s / Math.max(n, 1e-30));
};

async function outputOf(st: DwStack, form: string, x: Float32Array): Promise<Float32Array> {
  const model = dwStack(st, { ...DW_FORMS[form]!, floatIo: true });
  const [y] = await runTflite(serializeTflite(model), [makeTensor('x', 'float32', [1, st.h, st.w, st.c], x)]);
  return y!.data as Float32Array;
}

for (const st of [{ h: 9, w: 11, c: 24, k: 3, stride: 1, layers: 2 }, { h: 10, w: 9, c: 16, k: 5, stride: 2, layers: 1 }] as DwStack[]) {
  test(`int8-dw-forms: k${st.k} s${st.stride} — every form computes the float32 layer within int8 noise; PAD + VALID is SAME exactly`, async () => {
    const x = Float32Array.from({ length: st.h * st.w * st.c }, (_, i) => 3 * Math.sin(i * 0.37));
    const ref = await outputOf(st, 'f32', x);
    const refRelu = await outputOf(st, 'f32-relu', x);
    assert.deepEqual(await outputOf(st, 'f32-pad', x), ref, 'float32 PAD + VALID is SAME');
    const qc8 = await outputOf(st, 'qc8', x);
    for (const form of ['qc8', 'qs8', 'qc8-pad', 'qc8-zp0', 'qc8-relu', 'qs8-relu']) {
      const y = await outputOf(st, form, x);
      const db = snrDb(form.endsWith('relu') ? refRelu : ref, y);
      assert.ok(db > 20, `${form}: ${db.toFixed(1)} dB against float32`);
    }
    assert.deepEqual(await outputOf(st, 'qc8-pad', x), qc8, 'int8 PAD of the zero point + VALID is SAME');
  });
}

test('int8-dw-forms: the stacks are int8 in and out without --float-io (the kernels alone), and pairedRaw times them against the first', async () => {
  const st: DwStack = { h: 8, w: 8, c: 16, k: 3, stride: 1, layers: 2 };
  const int8 = dwStack(st, DW_FORMS.qc8!).subgraphs[0]!;
  assert.deepEqual(int8.operators.map((o) => o.opcode), ['DEPTHWISE_CONV_2D', 'DEPTHWISE_CONV_2D']);
  assert.equal(int8.tensors[int8.inputs[0]!]!.type, 'INT8');
  assert.equal(int8.tensors[int8.outputs[0]!]!.type, 'INT8');
  const padded = dwStack(st, DW_FORMS['qc8-pad']!).subgraphs[0]!;
  assert.deepEqual(padded.operators.map((o) => o.opcode), ['PAD', 'DEPTHWISE_CONV_2D', 'PAD', 'DEPTHWISE_CONV_2D']);
  const rows = await pairedRaw(['f32', 'qc8'].map((f) => ({ label: f, tflite: serializeTflite(dwStack(st, DW_FORMS[f]!)) })), 0);
  assert.deepEqual(rows.map((r) => r.label), ['f32', 'qc8']);
  assert.equal(rows[0]!.ratio, 1);
  assert.ok(rows.every((r) => r.ms > 0 && Number.isFinite(r.ratio)));
});

test('op-pairs: each int8 op is timed paired with the float32 op writing the same tensor; conversions alone', async () => {
  const st: DwStack = { h: 8, w: 8, c: 16, k: 3, stride: 1, layers: 2 };
  const rows = await opPairs(dwStack(st, DW_FORMS.f32!), dwStack(st, { ...DW_FORMS.qc8!, floatIo: true }), 0);
  assert.deepEqual(rows.map((r) => `${r.opcode} ${r.precision} ${r.twinMs !== undefined}`),
    ['QUANTIZE FLOAT32 false', 'DEPTHWISE_CONV_2D INT8 true', 'DEPTHWISE_CONV_2D INT8 true', 'DEQUANTIZE INT8 false']);
  const sums = opcodeSums(rows).get('DEPTHWISE_CONV_2D INT8')!;
  assert.equal(sums.n, 2);
  assert.ok(sums.twinMs > 0 && sums.pairedMs === sums.ms);
});
