// The int8 guard on output layouts its element-wise cosine misreads (src/quantize/output-roles.ts, task-layouts.ts):
// an angle made by atan2 (judged by the wrapped difference), mixed detector rows (sigmoid boxes and objectness beside
// softmax classes in one row: judged as detections) and classes by steps (a [1, C, T] output read by arg-max over C:
// judged by the decoded sequence). Real LiteRT against onnxruntime on builder graphs, 16 random calibration samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantizeFile, quantizeModelBytes } from '../../src/quantize/file';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { outputRoles, rowLayout } from '../../src/quantize/output-roles';
import { type DetectionTally, addDetectionRows, detectionShare, stepArgmax, unwrapped } from '../../src/quantize/task-layouts';

const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

/** phase = atan2(a, b) as torch exports it below opset 20: Where(b < 0, Atan(a / b) ± π, Atan(a / b)), a = x0 − x1
 *  (near 0 often; one +30 stretches its int8 step to ~0.12), b = −(x0 + x1) − 1 (negative): where a's int8 rounding
 *  flips its sign (~10% of the values) the phase crosses ±π. */
export function angleModel(): Uint8Array {
  const stretch = Array.from({ length: 256 }, (_, i) => (i === 0 ? 30 : 0));
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 256, 2]]], outputs: [['phase', 'float32', [1, 256, 1]]],
    initializers: [tensor('wa', 'float32', [2, 1], [1, -1]), tensor('wb', 'float32', [2, 1], [-1, -1]), tensor('bb', 'float32', [1], [-1]),
      tensor('stretch', 'float32', [1, 256, 1], stretch),
      tensor('zero', 'float32', [], [0]), tensor('pi', 'float32', [], [Math.PI]), tensor('mpi', 'float32', [], [-Math.PI])],
    nodes: [node('MatMul', ['x', 'wa'], ['a0']), node('Add', ['a0', 'stretch'], ['a']), node('MatMul', ['x', 'wb'], ['b0']), node('Add', ['b0', 'bb'], ['b']),
      node('Div', ['a', 'b'], ['q']), node('Atan', ['q'], ['t']), node('Less', ['b', 'zero'], ['neg']),
      node('GreaterOrEqual', ['a', 'zero'], ['up']), node('Where', ['up', 'pi', 'mpi'], ['turn']), node('Add', ['t', 'turn'], ['t2']),
      node('Where', ['neg', 't2', 't'], ['phase'])],
  }));
}

/** Yolo-style rows [64, 19] of an 8 × 8 grid: 3 anchors' sigmoid boxes (12, ~0.95: they carry the cosine), 3 sigmoid
 *  objectness values and 4 softmax classes (class 0 at 0.87, so a detection's objectness is over 0.345, logit −0.64).
 *  Anchor 0's objectness logit spans ±20 (40·x − 20): its int8 step (~0.16) rounds anchors 1-2's, which straddle the
 *  threshold within ±0.05 (0.1·x − 0.69), to one or two levels, so about half of them cross it, while the cosine moves
 *  less than 0.1%. */
export function rowsModel(): Uint8Array {
  const view = (src: string, c: number, out: string) => [node('Transpose', [src], [`${out}_t`], { perm: [0, 2, 3, 1] }), node('Reshape', [`${out}_t`, `sh${c}`], [out])];
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 1, 8, 8]]], outputs: [['rows', 'float32', [64, 19]]],
    initializers: [tensor('wb', 'float32', [12, 1, 1, 1], new Array(12).fill(0.5)), tensor('bb', 'float32', [12], new Array(12).fill(3)),
      tensor('wo', 'float32', [3, 1, 1, 1], [40, 0.1, 0.1]), tensor('bo', 'float32', [3], [-20, -0.69, -0.69]),
      tensor('wc', 'float32', [4, 1, 1, 1], [0.01, 0.01, 0.01, 0.01]), tensor('bc', 'float32', [4], [3, 0, 0, 0]),
      i64('sh12', [64, 12]), i64('sh3', [64, 3]), i64('sh4', [64, 4])],
    nodes: [node('Conv', ['x', 'wb', 'bb'], ['bl']), node('Sigmoid', ['bl'], ['box']), ...view('box', 12, 'boxr'),
      node('Conv', ['x', 'wo', 'bo'], ['ol']), node('Sigmoid', ['ol'], ['obj']), ...view('obj', 3, 'objr'),
      node('Conv', ['x', 'wc', 'bc'], ['cl']), node('Softmax', ['cl'], ['cls'], { axis: 1 }), ...view('cls', 4, 'clsr'),
      node('Concat', ['boxr', 'objr', 'clsr'], ['rows'], { axis: 1 })],
  }));
}

/** A [1, 6, 18] class-by-step output (LPRNet's layout: a 1x1 class conv, a mean over the rows): class 0 (the blank)
 *  4·x0 − 1, classes 1-4 0.1·x_k + 0.5 (close), class 5 −100 (its range stretches the int8 step to ~0.4: classes
 *  1-4 round to one level, so the arg-max takes class 1 where float32 took another). */
export function stepsModel(): Uint8Array {
  const w = new Array(6 * 5).fill(0);
  w[0] = 4;
  for (let k = 1; k <= 4; k++) w[k * 5 + k] = 0.1;
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, 5, 2, 18]]], outputs: [['scores', 'float32', [1, 6, 18]]],
    initializers: [tensor('w', 'float32', [6, 5, 1, 1], w), tensor('b', 'float32', [6], [-1, 0.5, 0.5, 0.5, 0.5, -100])],
    nodes: [node('Conv', ['x', 'w', 'b'], ['c']), node('ReduceMean', ['c'], ['scores'], { axes: [2], keepdims: 0 })],
  }));
}

test('output roles from the graph: angles, mixed detector rows, classes by steps', async () => {
  const roles = async (bytes: Uint8Array) => {
    const { result } = await quantizeModelBytes(bytes, 'm.onnx', {}, { mode: 'fp16' });
    return outputRoles(result.model.subgraphs[0], result.metadata);
  };
  assert.deepEqual([...(await roles(angleModel())).angles], ['phase']);
  assert.deepEqual(Object.fromEntries((await roles(rowsModel())).detectorRows), { rows: { width: 19, anchors: 3, boxes: 0, scores: 12, classStart: 15, classes: 4 } });
  assert.deepEqual(Object.fromEntries((await roles(stepsModel())).stepClasses), { scores: 1 });
  // Column blocks: boxes first or scores first; no softmax block, or columns not 5A beside it, is no detector row.
  const b = (kind: 'sigmoid' | 'softmax' | 'raw', width: number) => ({ kind, width });
  assert.deepEqual(rowLayout([b('raw', 4), b('sigmoid', 1), b('softmax', 80)]), { width: 85, anchors: 1, boxes: 0, scores: 4, classStart: 5, classes: 80 });
  assert.deepEqual(rowLayout([b('sigmoid', 2), b('raw', 8), b('softmax', 3)]), { width: 13, anchors: 2, boxes: 2, scores: 0, classStart: 10, classes: 3 });
  assert.equal(rowLayout([b('raw', 4), b('sigmoid', 1), b('sigmoid', 80)]), undefined);
  assert.equal(rowLayout([b('raw', 6), b('softmax', 80)]), undefined);
  // The judges: whole turns, detections held, steps.
  assert.deepEqual(Array.from(unwrapped([3.1, -3.1, 0.5], Float32Array.from([-3.1, 3.1, 0.6])), (v) => +v.toFixed(4)), [+(2 * Math.PI - 3.1).toFixed(4), -(2 * Math.PI - 3.1).toFixed(4), 0.6]);
  const layout = { width: 7, anchors: 1, boxes: 0, scores: 4, classStart: 5, classes: 2 };
  const t: DetectionTally = { ref: 0, got: 0, held: 0, num: 0, den: 0 };
  addDetectionRows(t, Float32Array.from([0.5, 0.5, 0.2, 0.2, 0.9, 0.9, 0.1, 0.5, 0.5, 0.2, 0.2, 0.9, 0.9, 0.1]),
    Float32Array.from([0.5, 0.5, 0.2, 0.2, 0.8, 0.9, 0.1, 0.5, 0.5, 0.2, 0.2, 0.9, 0.1, 0.9]), layout);
  assert.deepEqual([t.ref, t.got, t.held, +detectionShare(t).toFixed(4)], [2, 2, 1, +(0.72 / (0.81 + 0.81)).toFixed(4)], 'the second row changed class');
  assert.deepEqual(Array.from(stepArgmax([0, 5, 1, 9, 2, 0], [3, 2], 0)), [2, 1]);
});

test('an atan2 phase whose int8 crosses ±π is judged by the wrapped difference: written', async () => {
  // main: refused (the wraps hold the cosine under 0.99); here the phase is judged as an angle.
  const r = await quantizeModelBytes(angleModel(), 'angle.onnx', {}, { mode: 'int8', int16: 'off' });
  const g = r.summary.guard!;
  assert.equal(g.met, true);
  assert.ok(g.cosine >= 0.99, `${g.cosine}`);
  assert.deepEqual(g.layouts?.angles, ['phase']);
  // The self-check measures the phase as the guard did (its raw cosine would read NOT verified).
  const dir = mkdtempSync(join(tmpdir(), 'onnx2lite-angles-'));
  writeFileSync(join(dir, 'angle.onnx'), angleModel());
  const q = await quantizeFile(join(dir, 'angle.onnx'), join(dir, 'angle.tflite'), {}, { mode: 'int8', int16: 'off' }, true);
  assert.ok(q.verification?.bar?.met && q.verification.bar.cosine >= 0.98, JSON.stringify(q.verification?.bar));
  // The self-check itself compares the phase by its wrapped difference (core/verify-angles.ts; main read a raw cosine < 0.98).
  assert.ok(q.verification.cosine >= 0.98, `the self-check's cosine ${q.verification.cosine}`);
});

test('mixed detector rows whose int8 turns every row into a detection are refused; the search keeps them', async () => {
  // main: written (cosine ~0.996, no search); here refused in plain int8 on the detections held.
  await assert.rejects(quantizeModelBytes(rowsModel(), 'rows.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /rows read as detector rows .*detections held, .*at least 0\.9/.test(e.message) && /nothing written/.test(e.message), 'plain');
  const w = await quantizeModelBytes(rowsModel(), 'rows.onnx', {}, { mode: 'int8' });
  const d = w.summary.guard!.layouts?.detections;
  assert.ok(w.summary.guard!.met && d && d.share >= 0.9, JSON.stringify(w.summary.guard));
  assert.ok((w.summary.floatOps ?? 0) + (w.summary.int16Ops ?? 0) > 0, 'by the search');
});

test('classes by steps decoded as label sequences: int8 that changes them is refused', async () => {
  // main: written (cosine > 0.999: the −100 class carries it; the output was read as values).
  await assert.rejects(quantizeModelBytes(stepsModel(), 'steps.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /scores read as classes by steps: decoded identically on \d+ of \d+/.test(e.message), 'plain');
  const r = await quantizeModelBytes(stepsModel(), 'steps.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const s = r.summary.guard!.layouts?.sequences;
  assert.ok(s && s.same < s.samples && s.stepShare < 0.98, JSON.stringify(r.summary.guard));
  // Judged again on every calibration sample (16 random ones): lines, with the binomial slack.
  const l = r.summary.guard!.layoutGuard;
  assert.ok(l && !l.met && l.samples === 16 && l.sequences && l.sequences.same < 14, JSON.stringify(l));
});
