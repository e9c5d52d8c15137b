// A Resize whose scales come from a graph input's value (Robust Video Matting's downsample_ratio, exported by its
// CustomOnnxResizeByFactorOp as Concat([1, 1], ratio, ratio)): the sizes after it are known only at run time even
// with every input's dims fixed. The refusal named --input-shape, which the user had given; it now names the input
// and --input-value, and with it frozen the model converts and matches onnxruntime on LiteRT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertModel } from '../../src/convert/convert';
import { ConvertError } from '../../src/convert/types';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import type { Model } from '../../src/ir/types';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** x [1, 3, 16, 16] resized (linear, pytorch_half_pixel) by the run-time factor `ratio` [1], then a 3×3 Conv. */
function resizeByFactor(xShape: (number | string)[] = [1, 3, 16, 16]): Model {
  return buildModel({
    inputs: [['x', 'float32', xShape], ['ratio', 'float32', [1]]], outputs: ['y'], opset: 12,
    nodes: [
      node('Concat', ['ones', 'ratio', 'ratio'], ['scales'], { axis: 0 }),
      node('Resize', ['x', 'roi', 'scales'], ['r'], { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }),
      node('Conv', ['r', 'w'], ['y'], { pads: [1, 1, 1, 1] }),
    ],
    initializers: [tensor('ones', 'float32', [2], [1, 1]), tensor('roi', 'float32', [0], []),
      tensor('w', 'float32', [4, 3, 3, 3], seq(108, (i) => Math.sin(i * 0.37)))],
  });
}

test('dims set by an input\'s value: the refusal names the input and --input-value, not --input-shape', () => {
  assert.throws(() => convertModel(resizeByFactor()), (e: unknown) => {
    assert.ok(e instanceof ConvertError);
    assert.equal(e.code, 'dynamic-shape');
    assert.match(e.message, /set at run time by the value of input 'ratio': freeze it with --input-value ratio=V/);
    assert.doesNotMatch(e.message, /--input-shape/);
    return true;
  });
});

test('dims left dynamic by an input\'s dims still ask for --input-shape', () => {
  assert.throws(() => convertModel(resizeByFactor([1, 3, 'h', 'w']), { inputValues: new Map([['ratio', [0.5]]]) }),
    /--input-shape/);
});

test('with --input-value ratio=0.5 the model converts and matches onnxruntime on LiteRT', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'dims-from-values-')), 'resize-by-factor.onnx');
  writeFileSync(file, encodeModel(resizeByFactor()));
  const model = resizeByFactor();
  const inputs = [...seededInputs(model, 1, 0, 1).filter((t) => t.name === 'x'), tensor('ratio', 'float32', [1], [0.5])];
  const m = await convertAndMatch(file, model, inputs, { inputValues: new Map([['ratio', [0.5]]]) });
  assert.deepEqual(m.outputs.map((o) => o.name), ['y']);
  assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
  assert.equal(m.result.transposeCount, 0);
});

/** FunASR's CIF in small: tokens fire where the masked data crosses 0.5 (NonZero), their rows are gathered and a
 *  2-D Conv reads them. The count is the data's: `len` (a setting-sized input) is upstream too, but freezing it fixes
 *  nothing, so the refusal must not advise --input-value (it did: "freeze it with --input-value len=V"). */
function firedRows(): Model {
  return buildModel({
    inputs: [['x', 'float32', [1, 40]], ['len', 'int64', [1]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Range', ['zero', 'forty', 'one'], ['idx']),
      node('Unsqueeze', ['len', 'ax1'], ['len2']),
      node('Less', ['idx', 'len2'], ['mask']),
      node('Cast', ['mask'], ['maskf'], { to: 1 }),
      node('Mul', ['x', 'maskf'], ['xm']),
      node('Greater', ['xm', 'half'], ['fire']),
      node('NonZero', ['fire'], ['nz']),
      node('Transpose', ['nz'], ['nzt'], { perm: [1, 0] }),
      node('GatherND', ['feat', 'nzt'], ['g']),
      node('Transpose', ['g'], ['gt'], { perm: [1, 0] }),
      node('Unsqueeze', ['gt', 'ax02'], ['gu']),
      node('Conv', ['gu', 'w'], ['y']),
    ],
    initializers: [tensor('zero', 'int64', [], [0]), tensor('forty', 'int64', [], [40]), tensor('one', 'int64', [], [1]),
      tensor('ax02', 'int64', [2], [0, 2]), tensor('ax1', 'int64', [1], [1]), tensor('half', 'float32', [], [0.5]),
      tensor('feat', 'float32', [1, 40, 4], seq(160, (i) => i)), tensor('w', 'float32', [3, 4, 1, 1], seq(12, (i) => i / 7))],
  });
}

test('a count the data decides: the refusal does not advise --input-value for a length upstream of it', () => {
  const refused = (opts = {}) => assert.throws(() => convertModel(firedRows(), opts), (e: unknown) => {
    assert.ok(e instanceof ConvertError);
    assert.equal(e.code, 'dynamic-shape');
    assert.match(e.message, /sized by values computed at run time; Conv needs them known/);
    assert.doesNotMatch(e.message, /--input-value|--input-shape/);
    return true;
  });
  refused();
  refused({ inputValues: new Map([['len', [37]]]) });
});

test('a row of token ids is data, not a setting: a frame count summed from it gets no --input-value advice', () => {
  // FastSpeech2's length regulator in small: frames = sum(durations(texts)); texts [1, 4] has few elements but rank 2.
  // (A Conv1d on such a run-time length converts since Piper's infer; a 2-D Conv over a run-time width still cannot.)
  const model = buildModel({
    inputs: [['texts', 'int64', [1, 4]]], outputs: ['y'], opset: 14,
    nodes: [
      node('ReduceSum', ['texts'], ['n'], { keepdims: 0 }),
      node('Range', ['zero', 'n', 'one'], ['frames']),
      node('Cast', ['frames'], ['f'], { to: 1 }),
      node('Unsqueeze', ['f', 'ax012'], ['fu']),
      node('Conv', ['fu', 'w'], ['y']),
    ],
    initializers: [tensor('zero', 'int64', [], [0]), tensor('one', 'int64', [], [1]), tensor('ax012', 'int64', [3], [0, 1, 2]),
      tensor('w', 'float32', [2, 1, 1, 1], [0.5, -1])],
  });
  assert.throws(() => convertModel(model), (e: unknown) => {
    assert.ok(e instanceof ConvertError);
    assert.match(e.message, /sized by values computed at run time/);
    assert.doesNotMatch(e.message, /--input-value/);
    return true;
  });
});
