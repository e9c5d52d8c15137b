// Class ids that reach an output through a Concat, a Gather or a TopK with k > 1 (src/quantize/class-id-paths.ts) are
// judged by argmax-guard.ts like an ArgMax output: before, such an output was an integer the guard did not read, or a
// column whose cosine the other columns hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { quantizeModelBytes } from '../../src/quantize/file';
import { argmaxGuardMet, argmaxHolds, classIdOutputs } from '../../src/quantize/argmax-guard';
import { gatheredPositions } from '../../src/quantize/class-id-paths';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { rng } from './helpers';

const IN = 8;
const C = 5;
const N = 6;

/** Logit weights [IN, C] and bias [C]: `flip` scores classes 1-4 0.1·x_k and class 0 a constant -100, whose int8 step
 *  (~0.4) rounds classes 1-4 to one level (ARG_MAX and TOPK_V2 then take the lowest index; the float order follows
 *  the input); `clear`: random weights ±2, clear margins. */
function logits(kind: 'flip' | 'clear'): { w: number[]; b: number[] } {
  if (kind === 'flip') {
    const w = new Array<number>(IN * C).fill(0);
    for (let k = 1; k < C; k++) w[(k - 1) * C + k] = 0.1;
    return { w, b: [-100, 0, 0, 0, 0] };
  }
  const r = rng(3);
  return { w: Array.from({ length: IN * C }, () => (r() - 0.5) * 4), b: Array.from({ length: C }, () => (r() - 0.5) * 0.2) };
}

type Shape = 'concat' | 'column' | 'gather' | 'topk' | 'both';

/** `concat`: two heads' ArgMaxes side by side, ids [1, 2] (the first head `kind`, the second clear); `column`: rows
 *  [N, 5] of boxes (x·100) and the label cast to float; `gather`: the labels of N rows gathered by a TopK (k = 3) over
 *  the rows' input sums (a MatMul by ones); `topk`: a top-3 classifier's indices [1, 3]; `both`: the logits and
 *  their ArgMax, two outputs (the int8 ARG_MAX reads the output's int8 twin `logits_int8`, a name the float32 model
 *  does not have: the guard read nothing there and judged 0 positions). */
function model(shape: Shape, kind: 'flip' | 'clear'): Uint8Array {
  const rows = shape === 'column' || shape === 'gather' ? N : 1;
  const a = logits(kind), c = logits('clear');
  const r = rng(5);
  const out: Record<Shape, [string, 'int64' | 'float32', number[]]> = {
    both: ['id', 'int64', [1]], concat: ['ids', 'int64', [1, 2]], column: ['rows', 'float32', [N, 5]], gather: ['labels', 'int64', [3]], topk: ['top', 'int64', [1, 3]],
  };
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [rows, IN]]],
    outputs: shape === 'both' ? [['logits', 'float32', [1, C]], ['id', 'int64', [1]]] : [out[shape]],
    initializers: [tensor('w', 'float32', [IN, C], a.w), tensor('b', 'float32', [C], a.b), tensor('w2', 'float32', [IN, C], c.w), tensor('b2', 'float32', [C], c.b),
      tensor('wb', 'float32', [IN, 4], Array.from({ length: IN * 4 }, () => 100 * r())), tensor('k3', 'int64', [1], [3]), tensor('ones', 'float32', [IN], new Array<number>(IN).fill(1))],
    nodes: [
      node('MatMul', ['x', 'w'], ['mm']), node('Add', ['mm', 'b'], ['logits']),
      ...(shape === 'concat' ? [node('MatMul', ['x', 'w2'], ['mm2']), node('Add', ['mm2', 'b2'], ['logits2']),
        node('ArgMax', ['logits'], ['id1'], { axis: -1, keepdims: 1 }), node('ArgMax', ['logits2'], ['id2'], { axis: -1, keepdims: 1 }),
        node('Concat', ['id1', 'id2'], ['ids'], { axis: 1 })] : []),
      ...(shape === 'column' ? [node('MatMul', ['x', 'wb'], ['boxes']), node('ArgMax', ['logits'], ['label'], { axis: -1, keepdims: 1 }),
        node('Cast', ['label'], ['label_f'], { to: 1 }), node('Concat', ['boxes', 'label_f'], ['rows'], { axis: 1 })] : []),
      ...(shape === 'gather' ? [node('ArgMax', ['logits'], ['all'], { axis: -1, keepdims: 0 }), node('MatMul', ['x', 'ones'], ['sums']),
        node('TopK', ['sums', 'k3'], ['best', 'kept'], { axis: -1 }), node('Gather', ['all', 'kept'], ['labels'], { axis: 0 })] : []),
      ...(shape === 'topk' ? [node('TopK', ['logits', 'k3'], ['v', 'top'], { axis: -1 })] : []),
      ...(shape === 'both' ? [node('ArgMax', ['logits'], ['id'], { axis: -1, keepdims: 0 })] : []),
    ],
  }));
}

test('class-id paths: a concatenation of ArgMaxes, a label column, ids gathered by run-time indices, a top-3', () => {
  const ids = (bytes: Uint8Array) => {
    const r = convertModel(decodeModel(bytes));
    return classIdOutputs(r.model.subgraphs[0], r.metadata);
  };
  assert.deepEqual(ids(model('concat', 'clear')).map((o) => [o.name, o.classes]), [['ids', C], ['ids', C]], 'both heads');
  assert.deepEqual(ids(model('column', 'clear')).map((o) => [o.name, o.classes]), [['rows', C]], 'the label column');
  const g = ids(model('gather', 'clear'));
  assert.equal(g.length, 1);
  assert.deepEqual([g[0].gather?.axis, g[0].gather?.dims], [0, [N]]);
  assert.deepEqual(ids(model('topk', 'clear')).map((o) => [o.name, o.k]), [['top', 3]]);
  assert.deepEqual(gatheredPositions([2, 3], 1, [2, 0]), [2, 0, 5, 3]);
});

test('argmaxHolds with k > 1: in rank order, as a set, near-ties apart, gathered positions', () => {
  const want = [5, 4, 3, 0, /* */ 5, 4, 3, 0];
  const got = [5, 3, 4, 0, /* */ 5, 4, 3, 0];
  assert.deepEqual(argmaxHolds(want, got, 4, 1, { k: 3 }), { positions: 2, held: 1, ties: 0 }, 'rank order');
  assert.deepEqual(argmaxHolds(want, got, 4, 1, { k: 3, unordered: true }), { positions: 2, held: 2, ties: 0 }, 'as a set');
  assert.deepEqual(argmaxHolds([5, 4, 4 - 1e-7, 0], [5, 3, 4, 0], 4, 1, { k: 3 }), { positions: 1, held: 0, ties: 1 }, 'ranks 2 / 3 tie');
  assert.deepEqual(argmaxHolds(want, got, 4, 1, { k: 3, positions: [1] }), { positions: 1, held: 1, ties: 0 }, 'only the gathered position');
});

for (const shape of ['concat', 'column', 'gather', 'topk', 'both'] as const) {
  test(`${shape}: ids int8 flips are refused, clear ones written with their ids judged`, async () => {
    // --int16 off: the plain int8 file is the one judged.
    await assert.rejects(quantizeModelBytes(model(shape, 'flip'), `${shape}.onnx`, {}, { mode: 'int8', int16: 'off' }),
      (e: Error) => e.name === 'ModelError' && /class ids \(\w+\) hold against float32 on \d+ of \d+ position.*more flips than a flip rate of 0\.02 explains/.test(e.message),
      'refused on the ids');
    const r = await quantizeModelBytes(model(shape, 'clear'), `${shape}.onnx`, {}, { mode: 'int8', int16: 'off' });
    const g = r.summary.guard!;
    assert.equal(g.met, true, JSON.stringify(g));
    assert.ok(g.argmax && g.argmax.positions > 0 && argmaxGuardMet(g.argmax), JSON.stringify(g.argmax));
    if (shape === 'gather') assert.ok(g.argmax!.positions + g.argmax!.ties <= 3 * g.argmax!.samples, 'only the gathered rows');
  });
}
