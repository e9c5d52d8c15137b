// The int8 search aims at what the guard judges on label sequences and classes by steps (src/quantize/search-layouts.ts,
// sensitivity.ts makeScorer, mixed-precision.ts): a recognizer whose plain int8 keeps the cosine (1.0000) and every line
// of the guard's 4 samples while 3 of its 16 calibration lines change ran no search (the search's cosine target was met)
// and was refused by the guard on its lines; now the search's stop reads the lines on the guard's samples, moves ops
// out of int8 and the file is written with its lines held. Real LiteRT against onnxruntime on builder graphs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { quantizeModelBytes } from '../../src/quantize/file';
import { StepClassTally, classesLast, detectionTarget, layoutBar, lineTarget } from '../../src/quantize/search-layouts';
import { noRoles } from '../../src/quantize/output-roles';
import type { Tensor } from '../../src/ir/types';

const S = 10, R = 4, F = 8, C = 6;
/** x [1, S, F], each step held R steps (CTC's runs), MatMul + bias, Softmax over C classes: class 0 the blank (x0),
 *  classes 1 and 2 one character strength x1 apart by 0.03·x2 (near-tied: int8 moves ~1 step in 40 to the other),
 *  3-5 x3-x5. `classesFirst`: the output moved to [1, C, S·R] (classes by steps, LPRNet's layout). */
function recognizer(classesFirst: boolean): Uint8Array {
  const w = new Array(F * C).fill(0);
  const set = (f: number, c: number, v: number) => { w[f * C + c] = v; };
  set(0, 0, 3); set(1, 1, 4); set(1, 2, 4); set(2, 2, 0.03); set(2, 1, -0.03); set(3, 3, 4); set(4, 4, 4); set(5, 5, 4);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, S, F]]], outputs: [['y', 'float32', classesFirst ? [1, C, S * R] : [1, S * R, C]]],
    initializers: [tensor('w', 'float32', [F, C], w), tensor('b', 'float32', [C], [1.2, 0, 0, 0, 0, 0]),
      tensor('one4', 'int64', [4], [1, S, 1, F]), tensor('shape4', 'int64', [4], [1, S, R, F]), tensor('shape3', 'int64', [3], [1, S * R, F])],
    nodes: [
      node('Reshape', ['x', 'one4'], ['x4']), node('Expand', ['x4', 'shape4'], ['held']), node('Reshape', ['held', 'shape3'], ['line']),
      node('MatMul', ['line', 'w'], ['mm']), node('Add', ['mm', 'b'], ['logits']),
      node('Softmax', ['logits'], [classesFirst ? 'p' : 'y'], { axis: -1 }),
      ...(classesFirst ? [node('Transpose', ['p'], ['y'], { perm: [0, 2, 1] })] : []),
    ],
  }));
}

test('int8 search: label sequences whose lines change under a passing cosine are searched and written', async () => {
  // main: refused ("output cosine 1.0000 meets --min-cosine 0.99 but decoded sequences identical on 13 of 16").
  const r = await quantizeModelBytes(recognizer(false), 'rec.onnx', {}, { mode: 'int8' });
  const g = r.summary.guard!;
  assert.equal(g.met, true);
  assert.ok(g.sequences && g.sequences.samples === 16 && g.sequences.same >= 15, JSON.stringify(g.sequences));
  assert.ok((r.summary.floatOps ?? 0) + (r.summary.int16Ops ?? 0) > 0, 'by the search');
  // Plain int8 is still refused on its lines.
  await assert.rejects(quantizeModelBytes(recognizer(false), 'rec.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /decoded sequences identical on 13 of 16/.test(e.message));
});

test('int8 search: classes by steps whose lines change are searched and written', async () => {
  // main: refused ("on 16 calibration sample(s): y read as classes by steps: decoded identically on 13 of 16").
  const r = await quantizeModelBytes(recognizer(true), 'steps.onnx', {}, { mode: 'int8' });
  const l = r.summary.guard!.layoutGuard;
  assert.ok(r.summary.guard!.met && l?.met && l.sequences && l.sequences.same >= 15, JSON.stringify(l));
  assert.ok((r.summary.floatOps ?? 0) + (r.summary.int16Ops ?? 0) > 0, 'by the search');
});

test('the search\'s measure of classes by steps and its layout bar', () => {
  // [1, 3, 2]: classes on axis 1, two steps.
  assert.deepEqual(Array.from(classesLast([0, 5, 1, 9, 2, 0], [1, 3, 2], 1)), [0, 1, 2, 5, 9, 0]);
  const t = (data: number[]): Map<string, Tensor> => new Map([['y', { name: 'y', dtype: 'float32', dims: [1, 3, 2], data: Float32Array.from(data) }]]);
  const tally = new StepClassTally(new Map([['y', 1]]));
  tally.add(t([0, 5, 1, 9, 2, 0]), t([0, 5, 1, 9, 2, 0]));
  tally.add(t([0, 5, 1, 9, 2, 0]), t([3, 5, 1, 9, 2, 0]));
  const m = tally.measure()!;
  assert.deepEqual([m.kind, m.count, m.agreement], ['argmax', 4, 0.75], 'step 0 of the second sample flipped to class 0');
  // The bars keep the cosine target's margin: 0.995 asks 0.95 of detections (guard 0.9), 97.5% of lines (guard 95%).
  assert.deepEqual([detectionTarget(0.995), lineTarget(0.995), detectionTarget(0.99), lineTarget(0.99)].map((v) => +v.toFixed(4)), [0.95, 0.975, 0.9, 0.95]);
  // A [1, T, C] sequence: 32 lines, 28 identical meets the guard's bar (27) but not the search's (30).
  const seq = (k: number, flip: boolean): Map<string, Tensor> => {
    const steps = [0, 0, 1, 1, 0, 2, 2, 0].map((c, i) => (flip && i === 2 && k % 8 === 0 ? 3 : c));
    const data = new Float32Array(steps.length * 4);
    steps.forEach((c, i) => { data[i * 4 + c] = 1; });
    return new Map([['y', { name: 'y', dtype: 'float32', dims: [1, 8, 4], data }]]);
  };
  const refs = Array.from({ length: 32 }, (_, k) => seq(k, false));
  const got = Array.from({ length: 32 }, (_, k) => seq(k, true));
  const b = layoutBar(refs, got, noRoles(), new Set(['y']), 0.995);
  assert.deepEqual([b.same, b.lines, b.guardMet, b.met], [28, 32, true, false]);
});
