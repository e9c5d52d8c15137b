// "A box table of the same rows beside a class-row table" is one rule (src/quantize/box-rows.ts boxTablesBeside): the
// sequence guard reads it on the TFLite outputs (sequence-guard.ts sequenceOutputs), the guard's box judge and the
// search's choice of measure on the outputs' values (box-rows.ts pairedBoxTables, sensitivity.ts). Before, each had
// its own: the sequence side took any [1, N, 4] output as boxes (the class table itself when it had 4 classes, integer
// outputs) and no other rank; the values side any float [.., N, 4] that is not a class table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { decodeModel } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { sequenceOutputs } from '../../src/quantize/sequence-guard';
import { scoreTableOutputs } from '../../src/quantize/output-cosine';
import { boxTablesBeside, pairedBoxTables } from '../../src/quantize/box-rows';
import { rng } from './helpers';

const T = 24;
const IN = 8;

/** x [1, T, IN] → MatMul → Softmax: y [1, T, classes]; beside it `box`: none, float boxes [1, T, 4] or [T, 4] (a
 *  second MatMul), or integer [1, T, 4] (the boxes' rounded values). */
function head(classes: number, box: 'none' | 'rows' | 'flat' | 'int'): Uint8Array {
  const r = rng(3);
  const w = (n: number) => Array.from({ length: n }, () => (r() - 0.5) * 2);
  const boxOut: [string, 'float32' | 'int64', number[]][] = box === 'none' ? [] : [['b', box === 'int' ? 'int64' : 'float32', box === 'flat' ? [T, 4] : [1, T, 4]]];
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, T, IN]]], outputs: [['y', 'float32', [1, T, classes]], ...boxOut], opset: 13,
    initializers: [tensor('w', 'float32', [IN, classes], w(IN * classes)), tensor('wb', 'float32', [IN, 4], w(IN * 4)),
      tensor('flat', 'int64', [2], [T, 4])],
    nodes: [
      node('MatMul', ['x', 'w'], ['logits']), node('Softmax', ['logits'], ['y'], { axis: -1 }),
      ...(box === 'none' ? [] : [node('MatMul', ['x', 'wb'], [box === 'rows' ? 'b' : 'bx'])]),
      ...(box === 'flat' ? [node('Reshape', ['bx', 'flat'], ['b'])] : box === 'int' ? [node('Cast', ['bx'], ['b'], { to: 7 })] : []),
    ],
  }));
}

/** Both sides of the rule on one model: the sequence outputs of its TFLite graph, and the box tables the guard pairs on
 *  its outputs' values (LiteRT's float32 model on one sample). */
async function sides(bytes: Uint8Array): Promise<{ sequences: string[]; paired: string[] }> {
  const converted = convertModel(decodeModel(bytes));
  const sequences = [...sequenceOutputs(converted.model.subgraphs[0], converted.metadata)];
  const session = await openConverted(serializeTflite(converted.model));
  const r = rng(9);
  const x: Tensor = { name: 'x', dtype: 'float32', dims: [1, T, IN], data: Float32Array.from({ length: T * IN }, () => r() * 2 - 1) };
  const outs = [await session.run([x])];
  session.close();
  return { sequences, paired: [...pairedBoxTables(outs, scoreTableOutputs(outs))].map(([b, s]) => `${b}>${s}`) };
}

test('boxTablesBeside: float [.., N, 4] of the same rows, not a class table itself, any rank', () => {
  const o = (name: string, dims: number[], float = true) => ({ name, dims, float });
  const classes = new Set(['scores']);
  assert.deepEqual([...boxTablesBeside([o('scores', [1, 50, 2]), o('boxes', [1, 50, 4])], classes)], [['boxes', 'scores']]);
  assert.deepEqual([...boxTablesBeside([o('scores', [1, 50, 2]), o('boxes', [50, 4])], classes)], [['boxes', 'scores']]);
  assert.deepEqual([...boxTablesBeside([o('scores', [1, 50, 2]), o('boxes', [1, 50, 1, 4])], classes)], [['boxes', 'scores']]);
  assert.equal(boxTablesBeside([o('scores', [1, 50, 2]), o('boxes', [1, 50, 4], false)], classes).size, 0, 'integer values are not boxes');
  assert.equal(boxTablesBeside([o('scores', [1, 50, 2]), o('boxes', [1, 49, 4])], classes).size, 0, 'other rows');
  assert.equal(boxTablesBeside([o('scores', [1, 50, 4])], classes).size, 0, 'a 4-class table is not its own box table');
  assert.equal(boxTablesBeside([o('scores', [1, 1, 2]), o('boxes', [1, 1, 4])], classes).size, 0, 'one row is no table');
});

test('the sequence guard and the box judge agree: a 4-class per-step head alone is a sequence, boxes of any rank beside class rows are a detector', async () => {
  // The models where the two rules disagreed before (sequence side, values side): a 4-class head alone (its own rows
  // read as boxes: [] vs no boxes), boxes as [T, 4] ('y' a sequence vs boxes paired), integer [1, T, 4] ([] vs none).
  const cases: [string, Uint8Array, string[], string[]][] = [
    ['4-class head alone', head(4, 'none'), ['y'], []],
    ['9-class head alone', head(9, 'none'), ['y'], []],
    ['boxes [1, T, 4]', head(2, 'rows'), [], ['b>y']],
    ['boxes [T, 4]', head(2, 'flat'), [], ['b>y']],
    ['integer [1, T, 4]', head(2, 'int'), ['y'], []],
  ];
  for (const [what, bytes, sequences, paired] of cases) {
    const s = await sides(bytes);
    assert.deepEqual(s, { sequences, paired }, what);
  }
});
