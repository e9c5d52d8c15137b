// BSRNN's band split (eighteenth sequence sweep): `spec[:, lo:hi].permute(0, 1, 3, 2).reshape(b, 2w, t)` per band,
// the same band slices also read re / im for the masks' products. Each band was moved on its own (BSRNN 16
// TRANSPOSE: 8 bands × 2 uses); a Slice of a value other Slices also read is now sliced again from the value moved
// once, also through the model's Transpose of the band (src/convert/regather.ts `resliced`): 3 -> 1 here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { matchBuilt, waveValues } from '../helpers/match';

const T = 5;
const bands = [[0, 4], [4, 7], [7, 12]];
const i64 = (name: string, v: number[]) => tensor(name, 'int64', [v.length], v);

test('band Slices of one value, each moved by the model, are sliced from the value moved once (3 -> 1 TRANSPOSE)', async () => {
  const model = buildModel({
    inputs: [['spec', 'float32', [1, 12, T, 2]]], outputs: ['y'], opset: 13,
    nodes: [
      ...bands.flatMap(([lo, hi], k) => [
        node('Slice', ['spec', `lo${k}`, `hi${k}`, 'one'], [`band${k}`]),
        node('Transpose', [`band${k}`], [`moved${k}`], { perm: [0, 1, 3, 2] }),
        node('Reshape', [`moved${k}`, `view${k}`], [`flat${k}`]),
        node('Mul', [`flat${k}`, `g${k}`], [`scaled${k}`]),
      ]),
      node('Concat', bands.map((_, k) => `scaled${k}`), ['y'], { axis: 1 }),
    ],
    initializers: [
      i64('one', [1]),
      ...bands.flatMap(([lo, hi], k) => [i64(`lo${k}`, [lo]), i64(`hi${k}`, [hi]), i64(`view${k}`, [1, 2 * (hi - lo), T]),
        tensor(`g${k}`, 'float32', [1, 2 * (hi - lo), 1], waveValues(2 * (hi - lo), k + 1))]),
    ],
  });
  const m = await matchBuilt(model, 'band-slices', 13);
  assert.equal(m.result.transposeCount, 1, JSON.stringify(m.result.opHistogram));
});
