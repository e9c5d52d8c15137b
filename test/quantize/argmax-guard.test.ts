// The int8 guard on class-id outputs (src/quantize/argmax-guard.ts): an output that is the graph's own ArgMax is
// judged by its arg-max against the float32 model, not by a cosine of ids (an int64 output was not judged at all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeModelBytes } from '../../src/quantize/file';
import { type ArgmaxGuard, argmaxGuardMet, argmaxHolds, binomialTail, classIdOutputs } from '../../src/quantize/argmax-guard';
import { outputTasks } from '../../src/quantize/task-signal';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { rng } from './helpers';

const IN = 8;
const C = 5;

/** x [1, IN] → MatMul + bias → logits [1, C] → `tail` → ArgMax (axis -1) → `ids` int64 [1]. `weights`: [IN, C]
 *  row-major; `tail`: nothing, a Softmax whose best probability under 0.5 gives -1 (a score threshold's Where), or the
 *  ids cast to float. */
function classifier(weights: number[], bias: number[], tail: 'none' | 'threshold' | 'float' | 'argmin' | 'topk' | 'offset' = 'none', probe = false): Uint8Array {
  // probe: the logits also read by a Neg into a second output. A layer whose scores only leave the model computes in
  // float32 under int8 (int8-logit-outputs.ts); one whose scores are computed on stays int8, and its ties can flip.
  const ids = tail === 'float' ? 'ids_f' : tail === 'offset' ? 'ids_1' : 'ids';
  const pick = tail === 'argmin' ? 'ArgMin' : 'ArgMax';
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, IN]]],
    outputs: [[ids, tail === 'float' ? 'float32' : 'int64', tail === 'topk' ? [1, 1] : [1]], ...(probe ? ['neg'] : [])],
    initializers: [tensor('w', 'float32', [IN, C], weights), tensor('b', 'float32', [C], bias), tensor('none', 'int64', [1], [-1]),
      tensor('half', 'float32', [], [0.5]), tensor('k', 'int64', [1], [1]), tensor('one', 'int64', [], [1])],
    nodes: [
      node('MatMul', ['x', 'w'], ['mm']), node('Add', ['mm', 'b'], ['logits']),
      ...(tail === 'threshold' ? [node('Softmax', ['logits'], ['p'], { axis: -1 }), node('ReduceMax', ['p'], ['best'], { axes: [-1], keepdims: 0 }),
        node('Less', ['best', 'half'], ['low']), node('ArgMax', ['p'], ['top'], { axis: -1, keepdims: 0 }), node('Where', ['low', 'none', 'top'], ['ids'])]
        : tail === 'topk' ? [node('TopK', ['logits', 'k'], ['v', 'ids'], { axis: -1 })]
          : [node(pick, ['logits'], ['ids'], { axis: -1, keepdims: 0 })]),
      ...(tail === 'float' ? [node('Cast', ['ids'], ['ids_f'], { to: 1 })] : []),
      ...(tail === 'offset' ? [node('Add', ['ids', 'one'], ['ids_1'])] : []),
      ...(probe ? [node('Neg', ['logits'], ['neg'])] : []),
    ],
  }));
}

/** Classes 1-4 score 0.1·x_k (the winner varies with the input, margins ~0.02: far over float noise) and class 0 a
 *  constant -100, which stretches the logits' int8 range to a step of ~0.4: int8 rounds classes 1-4 to one level and
 *  ARG_MAX takes the first of them on every sample. The ids' cosine cannot see it (an int64 output is not read). */
function flipping(): Uint8Array {
  const w = new Array<number>(IN * C).fill(0);
  for (let k = 1; k < C; k++) w[(k - 1) * C + k] = 0.1;
  return classifier(w, [-100, 0, 0, 0, 0], 'none', true);
}

/** A classifier with clear margins: random weights ±2 over the inputs. */
function clear(tail: 'none' | 'threshold' | 'float' = 'none'): Uint8Array {
  const r = rng(3);
  return classifier(Array.from({ length: IN * C }, () => (r() - 0.5) * 4), Array.from({ length: C }, () => (r() - 0.5) * 0.2), tail);
}

test('class-id outputs: ArgMax, through a score threshold\'s Where, cast to float, an offset, ArgMin, TopK with k = 1', () => {
  const ids = (bytes: Uint8Array) => {
    const r = convertModel(decodeModel(bytes));
    return { ids: classIdOutputs(r.model.subgraphs[0], r.metadata), tasks: outputTasks(r.model.subgraphs[0]) };
  };
  for (const tail of ['none', 'threshold', 'float'] as const) {
    const m = ids(clear(tail));
    assert.equal(m.ids.length, 1, tail);
    assert.equal(m.ids[0].classes, C);
    assert.equal(m.ids[0].sign, 1);
    assert.deepEqual(m.tasks.map((t) => [t.kind, t.ids]), [['argmax', true]], `${tail}: the search measures the values the ids come from`);
  }
  const r = rng(3);
  const w = Array.from({ length: IN * C }, () => r() - 0.5);
  const argmin = ids(classifier(w, new Array(C).fill(0), 'argmin'));
  assert.equal(argmin.ids[0].sign, -1);
  const topk = ids(classifier(w, new Array(C).fill(0), 'topk'));
  assert.equal(topk.ids.length, 1, 'TopK indices with k = 1');
  assert.equal(ids(classifier(w, new Array(C).fill(0), 'offset')).ids.length, 1, 'ids + 1 (RangeNet++\'s labels)');
});

test('argmaxHolds: flips counted; a tie float32 runtimes may break either way is not', () => {
  const want = [0, 2, 1, /* */ 3, 3 + 1e-7, 0, /* */ 5, 1, 0];
  const got = [0, 1, 2, /* */ 3 + 1e-6, 3, 0, /* */ 5, 1, 0];
  assert.deepEqual(argmaxHolds(want, got, 3), { positions: 3, held: 1, ties: 1 });
  // ArgMin: the least value.
  assert.deepEqual(argmaxHolds([0, 2, 1], [0, 1, 2], 3, -1), { positions: 1, held: 1, ties: 0 });
});

test('argmaxGuardMet: refused when the flips are more than a 2% flip rate explains', () => {
  const g = (held: number, positions: number): ArgmaxGuard => ({ outputs: ['ids'], samples: positions, positions, held, ties: 0, share: held / positions, min: 0.98 });
  assert.ok(argmaxGuardMet(g(15, 16)), 'one flip in 16 samples is no evidence');
  assert.ok(!argmaxGuardMet(g(14, 16)));
  assert.ok(argmaxGuardMet(g(61, 64)) && !argmaxGuardMet(g(60, 64)));
  assert.ok(argmaxGuardMet(g(9750, 10000)) === false && argmaxGuardMet(g(9820, 10000)), 'a label map: about the share itself');
  assert.ok(argmaxGuardMet(g(0, 0)), 'nothing counted');
  assert.ok(Math.abs(binomialTail(2, 16, 0.02) - 0.0399) < 1e-3);
});

test('a classifier whose int8 arg-max flips while its ids read as unchanged to the cosine is refused', async () => {
  // With no search (--int16 off) the plain int8 model is what is judged.
  await assert.rejects(quantizeModelBytes(flipping(), 'flip.onnx', {}, { mode: 'int8', int16: 'off' }),
    (e: Error) => e.name === 'ModelError' && /class ids \(ids\) hold against float32 on \d+ of \d+ position.*more flips than a flip rate of 0\.02 explains/.test(e.message) && /nothing written/.test(e.message),
    'refused with the share of answers held');
  const written = await quantizeModelBytes(flipping(), 'flip.onnx', {}, { mode: 'int8', int16: 'off', allowDegraded: true });
  const g = written.summary.guard!;
  assert.equal(g.met, false);
  assert.ok(g.argmax && g.argmax.share < 0.5, JSON.stringify(g.argmax));
  // The measure's cosine reads the ids' share of held arg-maxes on the cosine's scale (it read them as unchanged, 1).
  assert.ok(g.cosine < 0.99, `the measure's cosine reads the flipped ids: ${g.cosine}`);
});

test('the search sees the ids: it keeps float what the arg-max needs and the classifier is written', async () => {
  // Its measure stopped at plain int8 (the ids' cosine 1) and the ids guard refused the file after it.
  const written = await quantizeModelBytes(flipping(), 'flip.onnx', {}, { mode: 'int8' });
  const g = written.summary.guard!;
  assert.equal(g.met, true, JSON.stringify(g));
  assert.ok(g.argmax && argmaxGuardMet(g.argmax) && g.argmax.share >= 0.98, JSON.stringify(g.argmax));
});

test('a correct classifier with its ArgMax (and a score threshold) is written, the ids judged', async () => {
  for (const tail of ['none', 'threshold'] as const) {
    const r = await quantizeModelBytes(clear(tail), 'clear.onnx', {}, { mode: 'int8' });
    const g = r.summary.guard!;
    assert.equal(g.met, true, JSON.stringify(g));
    assert.ok(g.argmax && g.argmax.positions + g.argmax.ties === g.argmax.samples && argmaxGuardMet(g.argmax), JSON.stringify(g.argmax));
  }
});
