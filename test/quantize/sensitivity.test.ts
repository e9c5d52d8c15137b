// The sensitivity ranking's cost (src/quantize/sensitivity.ts rankRoundingPoints): √n groups, then the worst
// groups' points alone up to REFINE_BUDGET·√n of them. A quarter of the groups alone was n/4 runs: YOLOX-Nano's 324
// points took 18 group runs and 87 point runs (8-12 s each at load 12), and its 600-s search stopped while still
// ranking, before any step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { activationParams } from '../../src/quantize/int8';
import { REFINE_BUDGET, type Scorer, rankRoundingPoints, roundingPoints } from '../../src/quantize/sensitivity';
import { rng } from './helpers';

/** A chain of `n` 1×1 convs with a Tanh between (each conv output a rounding point). */
function chain(n: number): Uint8Array {
  const r = rng(4);
  const nodes = [];
  const inits = [];
  let x = 'x';
  for (let k = 0; k < n; k++) {
    nodes.push(node('Conv', [x, `w${k}`, `b${k}`], [`c${k}`], { kernel_shape: [1, 1] }));
    inits.push(tensor(`w${k}`, 'float32', [2, 2, 1, 1], Array.from({ length: 4 }, () => r() - 0.5)), tensor(`b${k}`, 'float32', [2], [r() - 0.5, r() - 0.5]));
    x = `c${k}`;
  }
  return encodeModel(buildModel({ inputs: [['x', 'float32', [1, 2, 2, 2]]], outputs: [x], opset: 13, nodes, initializers: inits }));
}

test('the ranking measures at most √n groups and REFINE_BUDGET·√n points alone', async () => {
  const result = convertModel(decodeModel(chain(144)));
  const ranges = new Map<number, { min: number; max: number }>();
  result.model.subgraphs[0].tensors.forEach((t, i) => { if (t.type === 'FLOAT32' && !t.data) ranges.set(i, { min: -4, max: 4 }); });
  const params = activationParams(result, ranges);
  const n = roundingPoints(result, params).length;
  assert.equal(n, 144);
  const size = Math.ceil(Math.sqrt(n));
  let runs = 0;
  const r = rng(8);
  const scorer: Scorer = { baseMs: 1, share: (m, k) => m / k, score: async () => { runs++; const v = 10 + 30 * r(); return { snrDb: v, cosine: 1, ms: 1, objective: v }; } };
  const ranked = await rankRoundingPoints(result, params, scorer);
  assert.equal(ranked.length, n);
  // 12 groups, then 2 of them alone (24 points): 36 runs; a quarter of the groups alone was 3 (48 runs).
  assert.ok(runs <= size + REFINE_BUDGET * size, `${runs} runs for ${n} points`);
  assert.ok(runs >= size + size, `the worst group at least is refined: ${runs}`);
  for (let k = 1; k < ranked.length; k++) assert.ok(ranked[k - 1].measure <= ranked[k].measure, 'most sensitive first');
});
