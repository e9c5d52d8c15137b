// LSTM, GRU and RNN lowered to builtin TFLite math (src/convert/ops/_recurrent.ts), run on the real LiteRT runtime
// and compared with onnxruntime-node (or the ONNX node tests' own outputs): max|diff| ≤ 1e-4 × max|reference|.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model, Tensor } from '../../src/ir/types';
import { buildModel, node, tensor, type AttrInput } from '../../src/onnx/builder';
import { readModelFile, readTensorFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toFloat32 } from '../../src/ir/tensor';
import { transposeData } from '../../src/convert/constdata';

const SHARED = '../shared/models';
const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

function ratio(ref: Tensor, got: Tensor): number {
  const r = toFloat32(ref);
  const g = toFloat32(got);
  assert.equal(g.length, r.length);
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < r.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(r[i]));
    maxDiff = Math.max(maxDiff, Math.abs(r[i] - g[i]));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/** Converts, runs on LiteRT, and checks every output against `ref` (by ONNX name). */
async function checkOnLiteRt(model: Model, feeds: Tensor[], ref: Map<string, Tensor>): Promise<void> {
  const bytes = serializeTflite(convertModel(model).model);
  const lite = await openConverted(bytes);
  try {
    const outs = await lite.run(feeds);
    assert.ok(ref.size > 0);
    for (const [name, r] of ref) {
      const got = outs.get(name);
      assert.ok(got, `output ${name} missing`);
      assert.deepEqual(got.dims, [...r.dims], `${name} dims`);
      const q = ratio(r, got);
      assert.ok(q <= 1e-4, `${name}: max|diff| / max|ref| = ${q}`);
    }
  } finally {
    lite.close();
  }
}

const GATES = { RNN: 1, GRU: 3, LSTM: 4 } as const;

interface Case {
  kind: 'RNN' | 'GRU' | 'LSTM';
  direction?: 'forward' | 'reverse' | 'bidirectional';
  seq?: number;
  batch?: number;
  input?: number;
  hidden?: number;
  attrs?: Record<string, AttrInput>;
  bias?: boolean;
  peepholes?: boolean;
  /** Initial states: constants, or model inputs (computed). */
  initial?: 'const' | 'input';
  /** sequence_lens (int32 [batch]), a constant unless `seqLensInput`. */
  seqLens?: number[];
  seqLensInput?: boolean;
  /** W, R and B as model inputs instead of initializers. */
  weightsAsInputs?: boolean;
}

/** One recurrent node with random weights: the model and its feeds. */
function recurrentModel(c: Case): { model: Model; feeds: Tensor[] } {
  const { kind, direction = 'forward', seq = 5, batch = 2, input = 3, hidden = 4 } = c;
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const g = GATES[kind];
  const consts: Tensor[] = [
    tensor('W', 'float32', [dirs, g * hidden, input], values(dirs * g * hidden * input, 11, 0.6)),
    tensor('R', 'float32', [dirs, g * hidden, hidden], values(dirs * g * hidden * hidden, 12, 0.6)),
  ];
  if (c.bias) consts.push(tensor('B', 'float32', [dirs, 2 * g * hidden], values(dirs * 2 * g * hidden, 13, 0.5)));
  const ins = ['X', 'W', 'R', c.bias ? 'B' : '', c.seqLens ? 'seq_lens' : ''];
  const states = kind === 'LSTM' ? ['initial_h', 'initial_c'] : ['initial_h'];
  const feeds: Tensor[] = [tensor('X', 'float32', [seq, batch, input], values(seq * batch * input, 1, 2))];
  if (c.seqLens) (c.seqLensInput ? feeds : consts).push(tensor('seq_lens', 'int32', [batch], c.seqLens));
  const stateTensors = states.map((s, k) => tensor(s, 'float32', [dirs, batch, hidden], values(dirs * batch * hidden, 20 + k, 0.8)));
  if (c.initial) ins.push(...states);
  if (c.initial === 'const') consts.push(...stateTensors);
  if (c.initial === 'input') feeds.push(...stateTensors);
  if (c.peepholes) {
    while (ins.length < 7) ins.push('');
    ins.push('P');
    consts.push(tensor('P', 'float32', [dirs, 3 * hidden], values(dirs * 3 * hidden, 14, 0.5)));
  }
  while (ins.length && ins[ins.length - 1] === '') ins.pop();
  const outs = kind === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h'];
  let initializers = consts;
  if (c.weightsAsInputs) {
    const moved = consts.filter((t) => ['W', 'R', 'B'].includes(t.name));
    feeds.push(...moved);
    initializers = consts.filter((t) => !moved.includes(t));
  }
  const model = buildModel({
    nodes: [node(kind, ins, outs, { hidden_size: hidden, direction, ...c.attrs }, 'rec')],
    inputs: feeds.map((t) => [t.name, t.dtype, t.dims] as [string, 'float32' | 'int32', number[]]),
    outputs: outs,
    initializers,
    opset: 14,
  });
  return { model, feeds };
}

const CASES: [string, Case][] = [
  ['RNN forward, bias, constant initial_h', { kind: 'RNN', bias: true, initial: 'const' }],
  ['RNN reverse, Relu', { kind: 'RNN', direction: 'reverse', attrs: { activations: ['Relu'] } }],
  ['RNN bidirectional, computed initial_h, W/R/B as inputs', { kind: 'RNN', direction: 'bidirectional', bias: true, initial: 'input', weightsAsInputs: true }],
  ['GRU forward, linear_before_reset 0, bias', { kind: 'GRU', bias: true }],
  ['GRU reverse, linear_before_reset 1, constant initial_h', { kind: 'GRU', direction: 'reverse', bias: true, initial: 'const', attrs: { linear_before_reset: 1 } }],
  ['GRU bidirectional, linear_before_reset 1, zero state, bias', { kind: 'GRU', direction: 'bidirectional', bias: true, attrs: { linear_before_reset: 1 } }],
  ['GRU bidirectional, computed initial_h, W/R/B as inputs', { kind: 'GRU', direction: 'bidirectional', bias: true, initial: 'input', weightsAsInputs: true }],
  ['GRU with clip and Relu/Sigmoid activations', { kind: 'GRU', bias: true, attrs: { clip: { type: 'float', value: 0.7 }, activations: ['Sigmoid', 'Relu'] } }],
  ['LSTM forward, bias, constant full sequence_lens', { kind: 'LSTM', bias: true, seqLens: [5, 5] }],
  ['LSTM bidirectional, constant shorter sequence_lens', { kind: 'LSTM', direction: 'bidirectional', bias: true, initial: 'const', seqLens: [5, 3] }],
  ['GRU reverse, computed sequence_lens', { kind: 'GRU', direction: 'reverse', bias: true, initial: 'input', seqLens: [2, 5], seqLensInput: true }],
  ['RNN bidirectional, computed sequence_lens', { kind: 'RNN', direction: 'bidirectional', bias: true, seqLens: [4, 1], seqLensInput: true }],
  ['LSTM reverse, constant initial states, peepholes', { kind: 'LSTM', direction: 'reverse', bias: true, initial: 'const', peepholes: true }],
  ['LSTM bidirectional, computed initial states, W/R/B as inputs', { kind: 'LSTM', direction: 'bidirectional', bias: true, initial: 'input', weightsAsInputs: true }],
  ['LSTM bidirectional with clip, peepholes and per-direction activations', {
    kind: 'LSTM', direction: 'bidirectional', bias: true, initial: 'const', peepholes: true,
    attrs: { clip: { type: 'float', value: 0.5 }, activations: ['Sigmoid', 'Tanh', 'Tanh', 'Sigmoid', 'Relu', 'Tanh'] },
  }],
  ['LSTM with one time step and batch 1', { kind: 'LSTM', seq: 1, batch: 1, bias: true }],
];

for (const [title, c] of CASES) {
  test(`${title}: LiteRT matches onnxruntime`, async () => {
    const { model, feeds } = recurrentModel(c);
    const ref = await runOnnx(encodeModel(model), feeds);
    await checkOnLiteRt(model, feeds, ref);
  });
}

/**
 * layout 1 ([batch, seq, ...]): onnxruntime refuses it, so the reference is the layout-0 node between Transposes.
 * Returns the layout-1 model and its feeds, and the reference outputs.
 */
async function batchwise(c: Case): Promise<{ model: Model; feeds: Tensor[]; ref: Map<string, Tensor> }> {
  const base = recurrentModel(c);
  const g = base.model.graph;
  const rec = g.nodes[0];
  // Feeds and constants of the layout-1 model: X [batch, seq, input], states [batch, dirs, hidden].
  const swap = (t: Tensor): Tensor => (t.name !== 'X' && !t.name.startsWith('initial_') ? t
    : tensor(t.name, 'float32', [t.dims[1], t.dims[0], t.dims[2]], transposeData(toFloat32(t), t.dims, [1, 0, 2], (n) => new Float32Array(n))));
  const feeds = base.feeds.map(swap);
  const inits = [...g.initializers.values()].map(swap);
  const outs = rec.outputs;
  const model = buildModel({
    nodes: [node(rec.opType, rec.inputs, outs, { ...Object.fromEntries([...rec.attrs].map(([k, v]) => [k, v])), layout: 1 }, 'rec')],
    inputs: feeds.map((t) => [t.name, t.dtype, t.dims] as [string, 'float32' | 'int32', number[]]),
    outputs: outs, initializers: inits, opset: 14,
  });
  // The reference: layout-0 node between Transposes, fed the same tensors.
  const moved = rec.inputs.map((n) => (n === 'X' || n.startsWith('initial_') ? `${n}_t` : n));
  const refModel = buildModel({
    nodes: [
      ...rec.inputs.filter((n) => n === 'X' || n.startsWith('initial_')).map((n) => node('Transpose', [n], [`${n}_t`], { perm: [1, 0, 2] })),
      node(rec.opType, moved, outs.map((o) => `${o}_0`), Object.fromEntries([...rec.attrs].map(([k, v]) => [k, v])), 'rec'),
      node('Transpose', ['Y_0'], ['Y'], { perm: [2, 0, 1, 3] }),
      ...outs.slice(1).map((o) => node('Transpose', [`${o}_0`], [o], { perm: [1, 0, 2] })),
    ],
    inputs: feeds.map((t) => [t.name, t.dtype, t.dims] as [string, 'float32' | 'int32', number[]]),
    outputs: outs, initializers: inits, opset: 14,
  });
  return { model, feeds, ref: await runOnnx(encodeModel(refModel), feeds) };
}

const BATCHWISE: [string, Case][] = [
  ['LSTM bidirectional, computed states and sequence_lens', {
    kind: 'LSTM', direction: 'bidirectional', bias: true, peepholes: true, initial: 'input', seqLens: [3, 5], seqLensInput: true,
  }],
  ['GRU reverse, constant states, linear_before_reset 1', { kind: 'GRU', direction: 'reverse', bias: true, initial: 'const', attrs: { linear_before_reset: 1 } }],
  ['RNN bidirectional, W/R/B as inputs', { kind: 'RNN', direction: 'bidirectional', bias: true, weightsAsInputs: true }],
];

for (const [title, c] of BATCHWISE) {
  test(`layout 1: ${title}: LiteRT matches onnxruntime on the layout-0 equivalent`, async () => {
    const { model, feeds, ref } = await batchwise(c);
    await checkOnLiteRt(model, feeds, ref);
  });
}

for (const name of ['lstm_small', 'gru_small']) {
  test(`${name} (shared model): LiteRT matches onnxruntime`, { skip: !fs.existsSync(`${SHARED}/${name}.onnx`) && 'no shared models' }, async () => {
    const file = `${SHARED}/${name}.onnx`;
    const model = readModelFile(file);
    const input = { ...readTensorFile(`${SHARED}/${name}.test_data_set_0/input_0.pb`), name: model.graph.inputs[0].name };
    const result = convertModel(model);
    assert.equal(result.opHistogram.UNIDIRECTIONAL_SEQUENCE_LSTM ?? 0, 0);
    const ref = await runOnnx(fs.readFileSync(file), [input]);
    await checkOnLiteRt(readModelFile(file), [input], ref);
  });
}

// The ONNX backend node tests of these ops (W, R, B stay model inputs, as in the tests).
const nodeTests = fs.existsSync(NODE_TESTS)
  ? fs.readdirSync(NODE_TESTS).filter((n) => /^test_(lstm|gru|rnn|simple_rnn)_/.test(n)).sort() : [];
const REFUSED: Record<string, RegExp> = {};

for (const name of nodeTests) {
  test(`node test ${name}`, async () => {
    const dir = path.join(NODE_TESTS, name);
    const model = readModelFile(path.join(dir, 'model.onnx'));
    if (REFUSED[name]) {
      assert.throws(() => convertModel(model), REFUSED[name]);
      return;
    }
    const data = path.join(dir, 'test_data_set_0');
    const files = fs.readdirSync(data).sort();
    const feeds = files.filter((f) => f.startsWith('input_'))
      .map((f, k) => ({ ...readTensorFile(path.join(data, f)), name: model.graph.inputs[k].name }));
    const ref = new Map(files.filter((f) => f.startsWith('output_'))
      .map((f, k) => [model.graph.outputs[k].name, readTensorFile(path.join(data, f))] as [string, Tensor]));
    await checkOnLiteRt(model, feeds, ref);
  });
}

test('unsupported recurrent cases are refused with a reason', () => {
  const refuse = (c: Case, why: RegExp) => assert.throws(() => convertModel(recurrentModel(c).model), why);
  refuse({ kind: 'LSTM', attrs: { input_forget: 1 } }, /input_forget=1/);
  refuse({ kind: 'GRU', attrs: { activations: ['Sigmoid', 'Softsign'] } }, /activation Softsign is not supported/);
  refuse({ kind: 'RNN', attrs: { activations: ['Elu'] } }, /activation Elu is not supported/);
});
