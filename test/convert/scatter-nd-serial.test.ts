// ScatterND with reduction mul / max / min (opset 16 / 18) at indices computed at run time — repeating ones too, as
// in ONNX's scatternd_multiply — applied row by row (_scatter-serial.ts): matches onnxruntime-node on LiteRT for
// slices and single elements, float and int32 data; more than 64 index rows are refused in one line. Before: "is
// supported for constant indices that never repeat only".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node } from '../../src/onnx/builder';
import { convertModel } from '../../src/convert/convert';
import { matchBuilt } from '../helpers/match';

/** data [4, 3, 2] (times 2, as a value computed in the graph), int64 indices given at run time (seeded 0 or 1: rows
 *  repeat), updates [...L, rest]. */
function serialModel(reduction: string, ix: number[], type: 'float32' | 'int32' = 'float32') {
  const m = ix[ix.length - 1]!;
  const rest = [4, 3, 2].slice(m);
  return buildModel({
    opset: reduction === 'mul' ? 16 : 18,
    inputs: [['x', type, [4, 3, 2]], ['ix', 'int64', ix], ['u', type, [...ix.slice(0, -1), ...rest]]],
    outputs: [['y', type, [4, 3, 2]]],
    nodes: [node('Add', ['x', 'x'], ['d']), node('ScatterND', ['d', 'ix', 'u'], ['y'], { reduction })],
  });
}

for (const [reduction, ix] of [['mul', [5, 1]], ['mul', [2, 3, 2]], ['max', [4, 1]], ['min', [3, 3]]] as const) {
  test(`ScatterND reduction=${reduction} at run-time indices [${ix.join(', ')}] matches onnxruntime`, async () => {
    const m = await matchBuilt(serialModel(reduction, [...ix]), `scatternd-${reduction}-${ix.join('x')}`, ix.length + 2, 1e-6);
    assert.ok(m.outputs[0]!.maxRef > 0.1);
    assert.ok(m.result.opHistogram.SCATTER_ND! >= 2);
  });
}

test('ScatterND reduction=mul of int32 data at run-time indices matches onnxruntime', async () => {
  const m = await matchBuilt(serialModel('mul', [3, 2], 'int32'), 'scatternd-mul-int', 4, 0);
  assert.equal(m.outputs[0]!.maxDiff, 0);
});

test('ScatterND reduction=mul with more than 64 run-time index rows is refused in one line', () => {
  assert.throws(() => convertModel(serialModel('mul', [65, 2])), (e: Error) => /applied row by row, up to 64 index rows \(these are 65\)/.test(e.message) && !e.message.includes('\n'));
});
