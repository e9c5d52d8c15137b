// The compatibility analysis reads the converter's registry and its real conversion: marks agree with convert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { analyzeCompatibility } from '../../src/convert/compat';
import { convertModel } from '../../src/convert/convert';

test('a shared CNN is all builtin, and each node lists the TFLite ops it really became', () => {
  const r = analyzeCompatibility(readModelFile('../shared/models/squeezenet1_1.onnx'));
  assert.equal(r.summary.unsupported, 0);
  assert.equal(r.summary.builtin, r.summary.total);
  const conv = r.nodes.find((n) => n.opType === 'Conv')!;
  assert.deepEqual(conv.emits, ['CONV_2D']);
  const relu = r.nodes.find((n) => n.opType === 'Relu')!;
  assert.equal(relu.folded, true, 'Relu is fused into the conv before it');
});

test('unsupported, Flex-only and dynamic-dim problems come with reasons and fixes', () => {
  const m = buildModel({
    inputs: [['x', 'float32', ['batch', 4]]], outputs: ['y', 'z'],
    nodes: [
      node('Relu', ['x'], ['r'], {}, 'relu'),
      node('RandomUniform', [], ['y'], { shape: [1, 4] }, 'random'),
      node('Reshape', ['r', 'shape3'], ['r3'], {}, 'to3d'),
      node('LSTM', ['r3', 'W', 'R'], ['z'], { hidden_size: 2, input_forget: 1 }, 'coupled_lstm'),
    ],
    initializers: [tensor('shape3', 'int64', [3], [1, 1, 4]), tensor('W', 'float32', [1, 8, 4], new Array(32).fill(0.1)),
      tensor('R', 'float32', [1, 8, 2], new Array(16).fill(0.1))],
  });
  const r = analyzeCompatibility(m, { fixStyle: 'vscode' });
  assert.equal(r.modelIssues.length, 1);
  assert.match(r.modelIssues[0].message, /`batch`.*x/);
  assert.match(r.modelIssues[0].fix!, /onnx2lite\.inputShapes/);
  const random = r.nodes.find((n) => n.node === 'random')!;
  assert.equal(random.status, 'flex');
  assert.match(random.reason!, /Flex/);
  const lstm = r.nodes.find((n) => n.node === 'coupled_lstm')!;
  assert.equal(lstm.status, 'unsupported');
  assert.match(lstm.reason!, /input_forget/);
  assert.equal(r.summary.flex, 1);
});

test('the marks agree with what convert does: builtin converts, unsupported throws naming the node', () => {
  const m = buildModel({
    inputs: [['x', 'float32', [1, 4]]], outputs: ['y'],
    nodes: [node('Relu', ['x'], ['y'], {}, 'relu')],
  });
  const r = analyzeCompatibility(m);
  assert.equal(r.summary.unsupported, 0);
  assert.doesNotThrow(() => convertModel(m));
  const bad = buildModel({
    inputs: [['x', 'float32', [2, 1, 3]]], outputs: ['y'],
    nodes: [node('LSTM', ['x', 'W', 'R'], ['y'], { hidden_size: 2, input_forget: 1 }, 'coupled_lstm')],
    initializers: [tensor('W', 'float32', [1, 8, 3], new Array(24).fill(0.1)), tensor('R', 'float32', [1, 8, 2], new Array(16).fill(0.1))],
  });
  const rb = analyzeCompatibility(bad);
  assert.equal(rb.nodes[0].status, 'unsupported');
  assert.throws(() => convertModel(bad), /coupled_lstm/);
});

test('onnx2lite inspect --compat lists non-builtin nodes; --json gains a compatibility field', async () => {
  const { spawnSync } = await import('node:child_process');
  // StringNormalizer (TF's StringLower): Det, the example before, converts since s28 (ops/Det.ts).
  const file = '/usr/share/libonnx-testdata/data/node/test_strnormalizer_export_monday_casesensintive_lower/model.onnx';
  const { existsSync } = await import('node:fs');
  if (!existsSync(file)) return;
  const r = spawnSync(process.execPath, ['bin/onnx2lite.js', 'inspect', file, '--compat'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Compatibility: 1 nodes: 0 builtin, 1 need Flex/);
  const j = spawnSync(process.execPath, ['bin/onnx2lite.js', 'inspect', file, '--compat', '--json'], { encoding: 'utf8' });
  const parsed = JSON.parse(j.stdout);
  assert.equal(parsed.nodeCount, 1);
  assert.equal(parsed.compatibility.nodes[0].status, 'flex');
  const t = spawnSync(process.execPath, ['bin/onnx2lite.js', 'inspect', file, '--compat', '--input-shape', 'x=1,2'], { encoding: 'utf8' });
  assert.notEqual(t.status, 0);
});

test('nodes after an unsupported custom op are judged by their own converter, not marked unsupported', () => {
  const custom = node('MyOp', ['x'], ['c'], {}, 'custom');
  custom.domain = 'com.example';
  const m = buildModel({
    inputs: [['x', 'float32', [1, 4]]], outputs: ['y'],
    nodes: [custom, node('Relu', ['c'], ['y'], {}, 'after')],
  });
  const r = analyzeCompatibility(m);
  assert.equal(r.nodes.find((n) => n.node === 'custom')!.status, 'unsupported');
  assert.equal(r.nodes.find((n) => n.node === 'after')!.status, 'builtin');
});

test('a 3-D Conv is builtin (CONV_3D) with neither an int8 nor a TFLite Micro kernel, as convert and micro do', () => {
  const m = buildModel({
    inputs: [['x', 'float32', [1, 2, 4, 5, 5]]], outputs: ['y'],
    nodes: [node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1, 1, 1] }, 'conv3d'), node('Relu', ['c'], ['y'], {}, 'relu')],
    initializers: [tensor('w', 'float32', [3, 2, 3, 3, 3], new Array(162).fill(0.01))],
  });
  const r = analyzeCompatibility(m);
  const conv = r.nodes.find((n) => n.node === 'conv3d')!;
  assert.equal(conv.status, 'builtin');
  assert.deepEqual(conv.emits, ['CONV_3D']);
  assert.equal(conv.int8, false);
  assert.match(conv.int8Reason!, /CONV_3D/);
  assert.equal(conv.micro, false);
});

test('sequence ops: builtin where convert lowers them (repeat_interleave at a fixed length), unsupported where it cannot', () => {
  const file = 'test/fixtures/sequences/repeat_interleave_op13.onnx';
  const shapes = new Map([['x', [1, 4, 7]]]);
  const ok = analyzeCompatibility(readModelFile(file), { inputShapes: shapes });
  assert.equal(ok.summary.unsupported, 0, JSON.stringify(ok.nodes.filter((n) => n.status !== 'builtin')));
  assert.ok(ok.nodes.some((n) => n.opType === 'SequenceEmpty' && n.status === 'builtin'));
  convertModel(readModelFile(file), { inputShapes: shapes });
  // A sequence that leaves the graph cannot be lowered: the analysis says so at its node, as convert refuses it.
  const out = buildModel({ inputs: [['a', 'float32', [2]]], outputs: ['s'], opset: 13, nodes: [node('SequenceConstruct', ['a', 'a'], ['s'], {}, 'seq')] });
  const bad = analyzeCompatibility(out);
  assert.equal(bad.nodes.find((n) => n.node === 'seq')?.status, 'unsupported');
  assert.throws(() => convertModel(out));
});

test('a node whose inputs do not broadcast is the one marked (convert refuses there), as the compatibility audit found on PatchTST', () => {
  // torch 1.13's export of a positional embedding sized for another patch count: [1, 7, 16] + [42, 16], then more ops.
  const m = buildModel({
    inputs: [['x', 'float32', [1, 7, 16]]], outputs: ['z'], opset: 13,
    nodes: [node('Add', ['x', 'pos'], ['y'], {}, 'add_pos'), node('Relu', ['y'], ['r'], {}, 'relu'),
      // A Slice of the unknown shape is marked unsupported by its own check: no trial conversion names the Add then.
      node('Slice', ['r', 'starts', 'ends', 'axes'], ['s'], {}, 'slice'), node('MatMul', ['s', 'w'], ['z'], {}, 'mm')],
    initializers: [tensor('pos', 'float32', [42, 16], new Array(42 * 16).fill(0.5)), tensor('w', 'float32', [16, 4], new Array(64).fill(0.25)),
      tensor('starts', 'int64', [1], [0]), tensor('ends', 'int64', [1], [8]), tensor('axes', 'int64', [1], [2])],
  });
  const mark = analyzeCompatibility(m).nodes.find((n) => n.node === 'add_pos')!;
  assert.equal(mark.status, 'unsupported');
  assert.match(mark.reason!, /cannot broadcast shapes \[1,7,16\] and \[42,16\].*onnxruntime cannot run it either/);
  assert.throws(() => convertModel(m), (e: Error & { node?: string }) => e.node === 'add_pos' && /cannot broadcast/.test(e.message));
});

test('a node whose converter check passes but whose conversion refuses is marked, even with another node already marked (pyannote\'s MaxPool)', () => {
  // A MaxPool on dims set at run time (its check reads rank and type only; its conversion needs the dims), then an
  // LSTM its own check already refuses: convert stops at the MaxPool, so the trial conversion runs and marks it.
  const m = buildModel({
    inputs: [['x', 'float32', [1, 4, 8]], ['n', 'int64', [1]]], outputs: ['y'], opset: 13,
    nodes: [
      node('Slice', ['x', 'zero', 'n', 'two'], ['s'], {}, 'slice_to_n'),
      node('MaxPool', ['s'], ['p'], { kernel_shape: [2], strides: [2] }, 'pool'),
      node('Transpose', ['p'], ['t'], { perm: [2, 0, 1] }, 'to_seq'),
      node('LSTM', ['t', 'W', 'R'], ['y'], { hidden_size: 2, input_forget: 1 }, 'coupled_lstm'),
    ],
    initializers: [tensor('zero', 'int64', [1], [0]), tensor('two', 'int64', [1], [2]),
      tensor('W', 'float32', [1, 8, 4], new Array(32).fill(0.1)), tensor('R', 'float32', [1, 8, 2], new Array(16).fill(0.1))],
  });
  const r = analyzeCompatibility(m);
  const pool = r.nodes.find((n) => n.node === 'pool')!;
  assert.equal(pool.status, 'unsupported');
  assert.match(pool.reason!, /dynamic dims.*--input-value n=V/);
  assert.equal(r.nodes.find((n) => n.node === 'coupled_lstm')!.status, 'unsupported');
  assert.equal(r.nodes.find((n) => n.node === 'slice_to_n')!.status, 'builtin');
  assert.throws(() => convertModel(m), (e: Error & { node?: string }) => e.node === 'pool');
});
