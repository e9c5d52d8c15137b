// int8: a conv whose output a Split cuts into parts of very different ranges (NanoDet-m's heads: 80 class logits and
// 32 distance logits out of one conv) is one conv per part before calibration (src/quantize/int8-conv-parts.ts), so
// each part gets its own int8 scale instead of the SPLIT's one shared scale, where the narrow part rounds to a few steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import type { ConvertResult } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { makeTensor } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { convPerPart, splitLayers } from '../../src/quantize/int8-conv-parts';
import { quantizeModelBytes } from '../../src/quantize/file';
import { cloneResult } from '../../src/quantize/mixed-precision';
import { isFloatActivation } from '../../src/quantize/graph';
import { openConverted, toTfliteLayout } from '../../src/runtime/tflite-onnx-io';
import { runTflite } from '../../src/runtime/litert';
import { runOnnx } from '../../src/runtime/ort';
import type { TflModel } from '../../src/tflite/model';
import { serializeTflite } from '../../src/tflite/writer';
import { rng } from './helpers';

const [C, WIDE, NARROW, S] = [4, 6, 2, 6];
const WIDE_W = 20;
const NARROW_W = 0.05;

/** Conv 1×1 C → WIDE + NARROW on S×S, Split along channels into the wide part (weights ±WIDE_W/2) and the narrow one
 *  (±NARROW_W/2): ranges about 400 apart. `equal` splits into two equal parts (SPLIT instead of SPLIT_V). */
function model(equal = false): Uint8Array {
  const [a, b] = equal ? [4, 4] : [WIDE, NARROW];
  const r = rng(3);
  const w = Array.from({ length: (a + b) * C }, (_, i) => (r() - 0.5) * (i < a * C ? WIDE_W : NARROW_W));
  return encodeModel(buildModel({
    opset: 13,
    inputs: [['x', 'float32', [1, C, S, S]]], outputs: [['wide', 'float32', [1, a, S, S]], ['narrow', 'float32', [1, b, S, S]]],
    initializers: [tensor('w', 'float32', [a + b, C, 1, 1], w), tensor('b', 'float32', [a + b], Array.from({ length: a + b }, (_, i) => (i < a ? 1 : 0.01))),
      tensor('sizes', 'int64', [2], [a, b])],
    nodes: [node('Conv', ['x', 'w', 'b'], ['c']), node('Split', ['c', 'sizes'], ['wide', 'narrow'], { axis: 1 })],
  }));
}

const input = (seed: number): Tensor => { const r = rng(seed); return makeTensor('x', 'float32', [1, C, S, S], Array.from({ length: C * S * S }, () => r())); };

async function run(m: TflModel, x: Tensor): Promise<Map<string, Float32Array>> {
  const s = await openConverted(serializeTflite(m));
  try {
    const out = await s.run([x]);
    return new Map([...out].map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    s.close();
  }
}

/** Ranges of every float activation, each the largest |value| it holds on LiteRT in float32 over the samples. */
async function ranges(result: ConvertResult, xs: Tensor[]): Promise<Map<number, { min: number; max: number }>> {
  const m = structuredClone(result.model);
  const sg = m.subgraphs[0];
  const acts = sg.tensors.flatMap((t, i) => (isFloatActivation(t) && sg.operators.some((o) => o.outputs.includes(i) || o.inputs.includes(i)) ? [i] : []));
  const out = new Map<number, { min: number; max: number }>(acts.map((i) => [i, { min: 0, max: 0 }]));
  sg.outputs = acts.filter((i) => !sg.inputs.includes(i));
  const bytes = serializeTflite(m);
  for (const x of xs) {
    const outs = await runTflite(bytes, [toTfliteLayout(x, result.metadata.inputs[0])]);
    sg.outputs.forEach((i, k) => {
      const r = out.get(i)!;
      for (const e of outs[k].data as Float32Array) { r.min = Math.min(r.min, e); r.max = Math.max(r.max, e); }
    });
  }
  out.set(sg.inputs[0], { min: 0, max: 1 });
  return out;
}

test('int8 conv parts: a conv split into a wide and a narrow part gives the narrow part its own scale (error ~400x smaller)', async () => {
  const bytes = model();
  const result = convertModel(decodeModel(bytes));
  const found = splitLayers(result.model.subgraphs[0]);
  assert.equal(found.length, 1);
  assert.deepEqual(found[0].sizes, [WIDE, NARROW]);
  const parts = cloneResult(result);
  assert.equal(convPerPart(parts), 1);
  const ops = parts.model.subgraphs[0].operators.map((o) => o.opcode);
  assert.ok(!ops.includes('SPLIT_V') && !ops.includes('SPLIT') && ops.filter((o) => o === 'CONV_2D').length === 2, ops.join(' '));
  const xs = [1, 2, 3, 4].map(input);
  const x = input(9);
  const want = (await runOnnx(bytes, [x])).get('narrow')!.data as Float32Array;
  // In float32 the parts compute the same numbers.
  const float = (await run(parts.model, x)).get('narrow')!;
  assert.ok(float.every((v, i) => Math.abs(v - want[i]) < 1e-5), 'float32 parts');
  const span = Math.max(...want) - Math.min(...want);
  const err = async (r: ConvertResult) => {
    const q = quantizeInt8(cloneResult(r), activationParams(r, await ranges(r, xs)), {});
    const got = (await run(q.model, x)).get('narrow')!;
    return got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0) / span;
  };
  const [before, after] = [await err(result), await err(parts)];
  // One scale over both parts: the narrow part (span ~0.05) sits within a few steps of ~0.1 (wide span ~25 / 255).
  assert.ok(before > 0.2, `one shared scale: narrow part's max error ${before} of its span`);
  assert.ok(after < 0.02, `a scale per part: narrow part's max error ${after} of its span (before ${before})`);
});

test('int8 conv parts: the full int8 pass applies it (SPLIT of equal parts too); no SPLIT is left', async () => {
  for (const equal of [false, true]) {
    const bytes = model(equal);
    const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
    const sg = result.model.subgraphs[0];
    const ops = sg.operators.map((o) => `${o.opcode}:${sg.tensors[o.outputs[0]].type}`);
    assert.ok(!ops.some((o) => o.startsWith('SPLIT')) && ops.filter((o) => o === 'CONV_2D:INT8').length === 2, ops.join(' '));
    const x = input(9);
    const want = (await runOnnx(bytes, [x])).get('narrow')!.data as Float32Array;
    const got = (await run(result.model, x)).get('narrow')!;
    const span = Math.max(...want) - Math.min(...want);
    const e = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0) / span;
    assert.ok(e < 0.05, `narrow part's max error ${e} of its span (equal parts ${equal})`);
  }
});
