// The compatibility view's int8 and TFLite Micro marks follow what a node really became (scripts/compat-audit.ts
// found the per-converter marks wrong on the sweeps: a Pow of 2 is a SQUARE TFLM runs, a Div by a constant a MUL
// int8 runs, attention's SOFTMAX, the BATCH_MATMUL reading it and a mask's bias stay float32 in int8). Checked against the real
// convert, int8 pass and micro kernel table by the audit itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { analyzeCompatibility } from '../../src/convert/compat';
import { auditModel, dynamicShapes } from '../../scripts/compat-audit';

const seq = 8;
const width = 16;
const weights = (name: string, seed: number) =>
  tensor(name, 'float32', [width, width], Array.from({ length: width * width }, (_, i) => Math.sin(i * 0.37 + seed) * 0.3));

/** The audit's record for a built model (its int8 run included), in a temporary folder. */
async function auditBuilt(m: ReturnType<typeof buildModel>, name: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-marks-'));
  try {
    const file = path.join(dir, `${name}.onnx`);
    fs.writeFileSync(file, encodeModel(m));
    return await auditModel(file, { inputShapes: new Map(), inputValues: new Map(), int8: true, int8MaxBytes: 2 ** 20 }, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** x² (Pow of 2), x / 4 (Div by a constant), x ^ 0.5 (Pow of a fraction) and one attention head over x, masked by m. */
function marksModel() {
  return buildModel({
    inputs: [['x', 'float32', [1, seq, width]], ['m', 'float32', [1, seq, seq]]], outputs: ['y'], opset: 17,
    nodes: [
      node('Pow', ['x', 'two'], ['sq'], {}, 'pow2'),
      node('Div', ['sq', 'four'], ['quarter'], {}, 'div4'),
      node('Pow', ['x', 'half'], ['root'], {}, 'pow_half'),
      node('Add', ['quarter', 'root'], ['h'], {}, 'add'),
      node('MatMul', ['h', 'wq'], ['q'], {}, 'q'),
      node('MatMul', ['h', 'wk'], ['k'], {}, 'k'),
      node('MatMul', ['h', 'wv'], ['v'], {}, 'v'),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }, 'kt'),
      node('MatMul', ['q', 'kt'], ['scores'], {}, 'scores'),
      // An additive mask's bias, (1 - m) · -10000 (BERT's), added to the scores.
      node('Sub', ['one', 'm'], ['inv'], {}, 'inv'),
      node('Mul', ['inv', 'fill'], ['bias'], {}, 'bias'),
      node('Add', ['scores', 'bias'], ['masked'], {}, 'masked'),
      node('Softmax', ['masked'], ['probs'], { axis: -1 }, 'softmax'),
      node('MatMul', ['probs', 'v'], ['y'], {}, 'context'),
    ],
    initializers: [tensor('one', 'float32', [], [1]), tensor('fill', 'float32', [], [-10000]), tensor('two', 'float32', [], [2]), tensor('four', 'float32', [], [4]), tensor('half', 'float32', [], [0.5]),
      weights('wq', 1), weights('wk', 2), weights('wv', 3)],
  });
}

test('int8 and TFLite Micro marks say what each node really became', () => {
  const r = analyzeCompatibility(marksModel());
  const mark = (name: string) => r.nodes.find((n) => n.node === name)!;
  assert.equal(r.summary.builtin, r.summary.total);
  // Pow of 2 is a SQUARE (TFLM has it), of 0.5 a SQRT: both are TFLM kernels although Pow can also write POW.
  assert.deepEqual(mark('pow2').emits, ['SQUARE']);
  assert.equal(mark('pow2').micro, true);
  assert.equal(mark('pow_half').micro, true);
  // Div by a constant is a MUL, which int8 runs.
  assert.deepEqual(mark('div4').emits, ['MUL']);
  assert.equal(mark('div4').int8, true);
  assert.equal(mark('div4').int8Reason, undefined);
  // Attention's probabilities and the product reading them stay float32 in int8 (int8-kept-float.ts).
  for (const name of ['softmax', 'context']) {
    assert.equal(mark(name).int8, false, name);
    assert.match(mark(name).int8Reason!, /attention/);
  }
  // So do the mask's bias and its sum with the scores (their range reaches -10000: int8-attention-mask.ts).
  for (const name of ['bias', 'masked']) {
    assert.equal(mark(name).int8, false, name);
    assert.match(mark(name).int8Reason!, /mask/);
  }
  assert.equal(mark('q').int8, true);
  // 1 - m, alone between the float32 input m and the float32 mask bias: an island of cheap ops (int8-lone-islands.ts).
  assert.equal(mark('inv').int8, false);
  assert.match(mark('inv').int8Reason!, /alone between float32 ops/);
});

test('the audit finds no disagreement between those marks and convert, --quantize int8 and micro\'s kernel table', async () => {
  const rec = await auditBuilt(marksModel(), 'marks');
  assert.equal(rec.converted, true, rec.error);
  assert.equal(rec.int8, 'ok');
  assert.deepEqual(rec.disagreements, []);
});

test('the audit\'s --dynamic-size gives an image input\'s leading dim a batch of 1 whatever its name (PP-OCRv4 rec timed out at 64)', () => {
  const given = new Map([['ids', [2, 7]]]);
  const shapes = dynamicShapes([
    { name: 'x', shape: ['p2o.DynamicDimension.0', 3, 48, 'p2o.DynamicDimension.1'] },
    { name: 'video', shape: ['N', 3, 'T', 112, 112] },
    { name: 'wav', shape: ['batch_size', 'samples'] },
    { name: 'frames', shape: ['time', 'batch', 80] },
    { name: 'ids', shape: ['b', 's'] },
  ], given, 64);
  assert.deepEqual(shapes.get('x'), [1, 3, 48, 64]);
  assert.deepEqual(shapes.get('video'), [1, 3, 64, 112, 112]);
  assert.deepEqual(shapes.get('wav'), [1, 64]);
  // A rank-3 input may be sequence-first: only a batch name makes a dim 1 there.
  assert.deepEqual(shapes.get('frames'), [64, 1, 80]);
  assert.deepEqual(shapes.get('ids'), [2, 7]);
});

test('a model with activations sized at run time: the fixed-size part is marked int8, the run-time-sized tail float32 (Mixtral\'s expert rows)', async () => {
  const m = buildModel({
    inputs: [['x', 'float32', [1, width]]], outputs: ['y'], opset: 13,
    nodes: [
      node('MatMul', ['x', 'wp'], ['h0'], {}, 'pre'),
      node('Relu', ['h0'], ['h1'], {}, 'act'),
      node('MatMul', ['h1', 'wq'], ['h'], {}, 'mm'),
      node('Greater', ['h', 'half'], ['g'], {}, 'gt'),
      node('NonZero', ['g'], ['nz'], {}, 'nonzero'),
      node('Transpose', ['nz'], ['idx'], { perm: [1, 0] }, 'rows'),
      node('GatherND', ['h', 'idx'], ['sel'], {}, 'pick'),
      node('Relu', ['sel'], ['y'], {}, 'relu'),
    ],
    initializers: [tensor('half', 'float32', [], [0.5]), weights('wp', 2), weights('wq', 1)],
  });
  const r = analyzeCompatibility(m);
  assert.equal(r.nodes.find((n) => n.node === 'pre')!.int8, true, 'the layer before the selected scores runs int8');
  // The scores the run-time rows select stay float32 back to their layer (int8-run-time-tail.ts: selectionInputs).
  assert.match(r.nodes.find((n) => n.node === 'mm')!.int8Reason ?? '', /selectionInputs/);
  for (const name of ['pick', 'relu']) {
    const v = r.nodes.find((n) => n.node === name)!;
    assert.equal(v.int8, false, name);
    assert.match(v.int8Reason!, /runTimeTail/);
  }
  const rec = await auditBuilt(m, 'rows');
  assert.equal(rec.converted, true, rec.error);
  assert.equal(rec.int8, 'ok');
  assert.deepEqual(rec.disagreements, []);
});

test('the audit counts no disagreement where onnxruntime cannot run the model on the same inputs either (marian past its positions at --dynamic-size 64)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-marks-'));
  try {
    const rec = await auditModel('test/fixtures/paraformer/cif_torch113.onnx', { inputShapes: new Map([['hidden', [1, 12, 8]], ['alphas', [1, 12]]]),
      inputValues: new Map(), int8: false, int8MaxBytes: 0 }, dir);
    assert.equal(rec.converted, false);
    assert.match(rec.error!, /onnxruntime fails on the same inputs too/);
    assert.equal(rec.bothFail, true);
    assert.deepEqual(rec.disagreements, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a GRU run over a constant input (SegRNN\'s decoder: position embeddings from the encoder\'s state) is not marked int8: int8 keeps its input projection float32', async () => {
  const H = 4, I = 6, T = 3, Bt = 2;
  const w = (name: string, dims: number[], k: number) =>
    tensor(name, 'float32', dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * k) * 0.4));
  const m = buildModel({
    inputs: [['h0', 'float32', [1, Bt, H]]], outputs: ['y'], opset: 14,
    nodes: [
      node('Tanh', ['h0'], ['h'], {}, 'state'),
      node('GRU', ['emb', 'W', 'R', 'B', '', 'h'], ['', 'y'], { hidden_size: H }, 'decoder_gru'),
    ],
    initializers: [w('emb', [T, Bt, I], 0.7), w('W', [1, 3 * H, I], 0.31), w('R', [1, 3 * H, H], 0.53), w('B', [1, 6 * H], 0.19)],
  });
  const v = analyzeCompatibility(m).nodes.find((n) => n.node === 'decoder_gru')!;
  assert.equal(v.int8, false);
  assert.match(v.int8Reason!, /over a constant input/);
  const rec = await auditBuilt(m, 'gru');
  assert.equal(rec.converted, true, rec.error);
  assert.deepEqual(rec.disagreements, []);
});

// Moirai's / SchNet's `torch.eye(n, dtype=torch.bool)` is EyeLike of bool: convert folds it, but onnxruntime has no
// kernel for it and refuses the model, so --quantize int8 (which calibrates in onnxruntime) refuses it while the view
// marked its nodes int8 (the audit's int8-refused on the sixteenth sweep's moirai and schnet).
test('a model with EyeLike of bool (onnxruntime cannot load it, int8 calibration runs it there) is marked not int8', async () => {
  const m = buildModel({
    inputs: [['x', 'float32', [1, seq, width]]], outputs: ['y'], opset: 13,
    nodes: [
      node('ConstantOfShape', ['square'], ['ones'], { value: tensor('v', 'bool', [1], [1]) }),
      node('EyeLike', ['ones'], ['eye']), node('Not', ['eye'], ['off']),
      node('MatMul', ['x', 'w'], ['h']), node('MatMul', ['h', 'h_t_perm'], ['s0']), node('Where', ['off', 's0', 'zero'], ['y']),
    ],
    initializers: [tensor('square', 'int64', [2], [seq, width]), weights('w', 1), weights('h_t_perm', 2), tensor('zero', 'float32', [], [0])],
  });
  const rec = await auditBuilt(m, 'eyelike-bool');
  assert.ok(rec.converted, `converts: ${JSON.stringify(rec).slice(0, 300)}`);
  assert.match(rec.int8 ?? '', /refused: .*onnxruntime cannot load/);
  assert.deepEqual(rec.disagreements.filter((d) => d.kind === 'int8-refused'), []);
  const c = analyzeCompatibility(m);
  assert.ok(c.nodes.every((n) => !n.int8), 'no node marked int8');
  assert.match(c.nodes.find((n) => n.opType === 'MatMul')!.int8Reason ?? '', /EyeLike of bool/);
});

// XLNet subtracts its mask as a large positive fill, `score - 1e30 * mask` (Transformer-XL's form): the int8 pass keeps
// that SUB float32 (its output reaches -1e30) while the view marked it int8, since only negative fills (-10000,
// finfo.min) were read as a mask's range (the audit's int8-float on the seventeenth sweep's xlnet, 2 SUBs).
test('a mask subtracted as a large positive fill (XLNet: score - 1e30 * mask) is not marked int8, as int8 keeps it float32', async () => {
  const m = buildModel({
    inputs: [['x', 'float32', [1, seq, width]], ['m', 'float32', [1, seq, seq]]], outputs: ['y'], opset: 17,
    nodes: [
      node('MatMul', ['x', 'wq'], ['q'], {}, 'q'),
      node('MatMul', ['x', 'wk'], ['k'], {}, 'k'),
      node('MatMul', ['x', 'wv'], ['v'], {}, 'v'),
      node('Transpose', ['k'], ['kt'], { perm: [0, 2, 1] }, 'kt'),
      node('MatMul', ['q', 'kt'], ['scores'], {}, 'scores'),
      node('Mul', ['m', 'fill'], ['bias'], {}, 'bias'),
      node('Sub', ['scores', 'bias'], ['masked'], {}, 'masked'),
      node('Softmax', ['masked'], ['probs'], { axis: -1 }, 'softmax'),
      node('MatMul', ['probs', 'v'], ['y'], {}, 'context'),
    ],
    initializers: [tensor('fill', 'float32', [], [1e30]), weights('wq', 1), weights('wk', 2), weights('wv', 3)],
  });
  const mark = analyzeCompatibility(m).nodes.find((n) => n.node === 'masked')!;
  assert.equal(mark.int8, false);
  assert.match(mark.int8Reason!, /mask/);
  const rec = await auditBuilt(m, 'positive-fill');
  assert.equal(rec.converted, true, rec.error);
  assert.equal(rec.int8, 'ok');
  assert.deepEqual(rec.disagreements, []);
});
