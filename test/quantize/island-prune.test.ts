// Float islands priced after the mixed-precision search (src/quantize/island-prune.ts): the kept rounding points whose
// ops would save the most estimated time go back to int8 first, and stay int8 only when the search's measure holds.
// Real converted chain (convs of growing width, so their float32 cost differs), real int8 builds and the real cost
// model; the measure is computed from each built model (which convs run float32), as float-prefix.test.ts does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { decodeModel } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { activationParams, quantizeInt8 } from '../../src/quantize/int8';
import { cloneResult } from '../../src/quantize/mixed-precision';
import { boundMs, estimatedMs } from '../../src/quantize/cost-model';
import { PRUNE_TRIES, islandSavings, pruneIslands } from '../../src/quantize/island-prune';
import type { OutputScore, RoundingPoint } from '../../src/quantize/sensitivity';
import { rng } from './helpers';

/** 12 × (Conv 3x3 + Relu) on 16x16, conv k with 4 + 4k output channels: 24 ops, each conv costing more than the last. */
function chain(): Uint8Array {
  const r = rng(5);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  const nodes = [];
  const inits = [];
  let x = 'x';
  let c = 4;
  for (let k = 0; k < 12; k++) {
    const o = 4 + 4 * k;
    inits.push(tensor(`w${k}`, 'float32', [o, c, 3, 3], w(o * c * 9, 0.3)), tensor(`b${k}`, 'float32', [o], w(o, 0.1)));
    nodes.push(node('Conv', [x, `w${k}`, `b${k}`], [`c${k}`], { pads: [1, 1, 1, 1] }), node('Relu', [`c${k}`], [`r${k}`]));
    x = `r${k}`;
    c = o;
  }
  return encodeModel(buildModel({ inputs: [['x', 'float32', [1, 4, 16, 16]]], outputs: [[x, 'float32', [1, c, 16, 16]]], initializers: inits, nodes }));
}

test('island prune: costliest kept points go back to int8 first, and only while the measure holds', async () => {
  const result = convertModel(decodeModel(chain()));
  const sg = result.model.subgraphs[0];
  const convs = sg.operators.flatMap((o, k) => (o.opcode === 'CONV_2D' ? [k] : []));
  assert.equal(convs.length, 12);
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -4, max: 4 }); });
  const params = activationParams(result, ranges);
  // One rounding point per conv; all 12 kept by the search.
  const kept: RoundingPoint[] = convs.map((k) => ({ tensor: sg.operators[k].outputs[0], ops: [k], measure: 0 }));
  const candidateOf = (points: RoundingPoint[]) => {
    const floatOps = new Set(points.flatMap((p) => p.ops));
    const r = quantizeInt8(cloneResult(result), params, { floatOps });
    return { result: r, floatOps, int16Ops: new Set<number>(), costMs: estimatedMs(r.model) };
  };
  // The measure counts only the float32 convs k = 11 and 3 (the costliest and a cheap one; conv k has 4 + 4k output
  // channels, read from its weights): the others buy nothing. Computed from the built model.
  const score = async (r: ReturnType<typeof candidateOf>['result']): Promise<OutputScore> => {
    const rsg = r.model.subgraphs[0];
    const floats = rsg.operators.filter((o) => o.opcode === 'CONV_2D' && rsg.tensors[o.inputs[0]].type === 'FLOAT32')
      .map((o) => (rsg.tensors[o.inputs[1]].shape[0] - 4) / 4);
    const objective = floats.filter((k) => k === 11 || k === 3).length;
    return { snrDb: 0, cosine: 1, ms: 0, objective };
  };
  const full = candidateOf(kept);
  assert.equal((await score(full.result)).objective, 2);
  const floatPriceMs = boundMs(result.model);
  const traced: string[] = [];
  const pruned = await pruneIslands(kept, { objective: 2, met: true }, floatPriceMs, candidateOf, score, () => true,
    (l) => traced.push(l));
  assert.ok(pruned, 'some points went back to int8');
  assert.ok(traced.length > 2 && traced.length <= PRUNE_TRIES, `${traced.length} tried`);
  // Tried costliest first: conv 11 (it matters: stays float32), then 10, 9, ... (they do not: back to int8).
  const order = traced.map((l) => Number(/prune point (\d+)/.exec(l)![1]));
  assert.deepEqual(order, convs.slice().reverse().slice(0, traced.length));
  assert.match(traced[0], /: kept$/);
  for (const l of traced.slice(1)) assert.match(l, /: int8$/);
  const left = new Set(pruned.kept.flatMap((p) => p.ops));
  assert.ok(left.has(convs[11]) && left.has(convs[3]), 'the points that matter stay float32');
  assert.equal(pruned.removed, traced.length - 1);
  assert.equal(pruned.kept.length, kept.length - pruned.removed);
  assert.ok(pruned.candidate.costMs < full.costMs, 'cheaper by the cost model');
  assert.equal(pruned.score.objective, 2, 'the measure held');
  // A measure that falls whatever goes back: nothing pruned.
  const none = await pruneIslands(kept, { objective: 99, met: true }, floatPriceMs, candidateOf, score, () => true);
  assert.equal(none, undefined);
});

/** Conv 1x1 16 → 16, Sigmoid, Conv 1x1 16 → 16 on 32x32: a float32 LOGISTIC island costs ~0.9 ns an element (the
 *  op table) where the work factors say 0.2, as they do for the float HARD_SWISH. */
function sigmoidBetweenConvs(): Uint8Array {
  const r = rng(9);
  const w = (n: number, s: number) => Array.from({ length: n }, () => (r() - 0.5) * s);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 16, 32, 32]]], outputs: [['y', 'float32', [1, 16, 32, 32]]],
    initializers: [tensor('wa', 'float32', [16, 16, 1, 1], w(256, 0.5)), tensor('wb', 'float32', [16, 16, 1, 1], w(256, 0.5))],
    nodes: [node('Conv', ['x', 'wa'], ['a']), node('Sigmoid', ['a'], ['s']), node('Conv', ['s', 'wb'], ['y'])],
  }));
}

test('island prune prices islands by the measured op table, not the work factors', async () => {
  const result = convertModel(decodeModel(sigmoidBetweenConvs()));
  const sg = result.model.subgraphs[0];
  const ranges = new Map<number, { min: number; max: number }>();
  sg.tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -4, max: 4 }); });
  const params = activationParams(result, ranges);
  const ops = sg.operators.map((o, k) => ({ k, opcode: o.opcode })).filter((o) => o.opcode === 'CONV_2D' || o.opcode === 'LOGISTIC');
  assert.deepEqual(ops.map((o) => o.opcode), ['CONV_2D', 'LOGISTIC', 'CONV_2D']);
  const kept: RoundingPoint[] = ops.map((o) => ({ tensor: sg.operators[o.k].outputs[0], ops: [o.k], measure: 0 }));
  const candidateOf = (points: RoundingPoint[]) => {
    const floatOps = new Set(points.flatMap((p) => p.ops));
    const r = quantizeInt8(cloneResult(result), params, { floatOps });
    return { result: r, floatOps, int16Ops: new Set<number>(), costMs: estimatedMs(r.model) };
  };
  const saving = (price: (m: typeof result.model) => number, p: RoundingPoint) =>
    price(candidateOf(kept).result.model) - price(candidateOf(kept.filter((q) => q !== p)).result.model);
  const ranked = (price: (m: typeof result.model) => number) => kept.map((p) => ({ p, s: saving(price, p) })).filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s).map((x) => x.p.ops[0]);
  // All three float32 run as one chain (one DEQUANTIZE before, one QUANTIZE after). By the work factors no island is
  // worth putting back (an int8 LOGISTIC costs what a float one does, plus the two conversions that split the chain);
  // by the op table the LOGISTIC is (float32 0.90 ns an element, int8 0.37), the convs not (an int8 1x1 conv this
  // small runs no faster).
  assert.deepEqual(ranked(estimatedMs), []);
  assert.deepEqual(ranked(boundMs), [ops[1].k]);
  // The prune tries them in the table's order (a measure that always falls: each is tried once, none goes back).
  const tried: number[] = [];
  const score = async (): Promise<OutputScore> => ({ snrDb: 0, cosine: 1, ms: 0, objective: 0 });
  const pruned = await pruneIslands(kept, { objective: 1, met: true }, 0, candidateOf, score, () => true,
    (l) => tried.push(Number(/prune point (\d+)/.exec(l)![1])));
  assert.equal(pruned, undefined);
  assert.deepEqual(tried, ranked(boundMs));
  assert.deepEqual(islandSavings(kept, candidateOf, 0).map((x) => x.p.ops[0]), ranked(boundMs));
});
