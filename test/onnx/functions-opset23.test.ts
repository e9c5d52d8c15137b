// What torch 2.x's dynamo exporter writes at opset 23, in one model: model-local functions calling functions
// (a transformer block calling torch_lib's rms_norm and sdpa), attributes by reference passed down two levels, the
// same functions called with different attribute values (epsilon, is_causal), value_info with symbolic dims (`s0`),
// an initializer that is also a graph input, and the weights in a `model.onnx.data` file beside the model (4096-byte
// aligned, as onnx's save_model writes it). The reader inlines it; it converts with --input-shape and matches
// onnxruntime running the file as written; a missing data file is one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { tensorBytes } from '../../src/ir/tensor';
import type { FunctionNode, OnnxFunction } from '../../src/onnx/functions';
import { decodeModel, readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import type { AttrValue, Model, Node, Tensor } from '../../src/ir/types';
import { convertAndMatch, seededInputs, waveValues } from '../helpers/match';

const TORCH = 'pkg.torch.2.9.0';
const LIB = 'pkg.onnxscript.torch_lib';
const E = 16;

const ref = (n: Node, refs: Record<string, [string, AttrValue['type']]>): FunctionNode =>
  ({ ...n, refs: new Map(Object.entries(refs).map(([k, [r, type]]) => [k, { ref: r, type }])) });
const call = (domain: string, op: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, number> = {}): Node =>
  ({ ...node(op, inputs, outputs, attrs, name), domain });
function fn(domain: string, name: string, inputs: string[], outputs: string[], nodes: FunctionNode[], defaults: Record<string, AttrValue>): OnnxFunction {
  return { domain, name, inputs, outputs, attributes: [], defaults: new Map(Object.entries(defaults)), nodes, opsets: new Map([['', 23], [LIB, 1], [TORCH, 1]]) };
}

function functions(): OnnxFunction[] {
  const rms = fn(LIB, 'aten_rms_norm', ['x', 'w'], ['y'], [ref(node('RMSNormalization', ['x', 'w'], ['y'], {}, 'n0'), { epsilon: ['eps', 'float'] })],
    { eps: { type: 'float', value: 1e-5 } });
  const sdpa = fn(LIB, 'aten_sdpa', ['q', 'k', 'v'], ['o'], [ref(node('Attention', ['q', 'k', 'v'], ['o'], { q_num_heads: 2, kv_num_heads: 2 }, 'n0'), { is_causal: ['is_causal', 'int'] })],
    { is_causal: { type: 'int', value: 0 } });
  const block = fn(TORCH, 'Block', ['x', 'w1', 'w2', 'wq', 'wk'], ['y'], [
    ref(call(LIB, 'aten_rms_norm', ['x', 'w1'], ['n1'], 'norm1'), { eps: ['eps', 'float'] }),
    node('MatMul', ['n1', 'wq'], ['q'], {}, 'q_proj'),
    node('MatMul', ['n1', 'wk'], ['k'], {}, 'k_proj'),
    ref(call(LIB, 'aten_sdpa', ['q', 'k', 'n1'], ['a'], 'sdpa'), { is_causal: ['causal', 'int'] }),
    node('Add', ['x', 'a'], ['r'], {}, 'residual'),
    call(LIB, 'aten_rms_norm', ['r', 'w2'], ['y'], 'norm2'),
  ], { causal: { type: 'int', value: 0 }, eps: { type: 'float', value: 1e-5 } });
  return [rms, sdpa, block];
}

const weights = (): Tensor[] => [
  tensor('w1', 'float32', [E], waveValues(E, 1).map((v) => 1 + v)), tensor('w2', 'float32', [E], waveValues(E, 2).map((v) => 1 + v)),
  tensor('wq', 'float32', [E, E], waveValues(E * E, 3)), tensor('wk', 'float32', [E, E], waveValues(E * E, 4)),
];

/** Two calls of Block: causal with epsilon 1e-6, then not causal with the defaults. */
function mainModel(): Model {
  const m = buildModel({
    inputs: [['x', 'float32', [1, 's0', E]]], outputs: ['z'], opset: 23, infer: false, initializers: weights(),
    nodes: [call(TORCH, 'Block', ['x', 'w1', 'w2', 'wq', 'wk'], ['h'], 'layers.0', { causal: 1 }),
      { ...call(TORCH, 'Block', ['h', 'w1', 'w2', 'wq', 'wk'], ['z'], 'layers.1'), attrs: new Map() }],
  });
  m.graph.nodes[0].attrs.set('eps', { type: 'float', value: 1e-6 });
  m.graph.values.set('h', { name: 'h', dtype: 'float32', shape: [1, 's0', E] });
  m.graph.inputs.push({ name: 'w1', dtype: 'float32', shape: [E] }); // an initializer listed as an input too
  m.opsets.set(LIB, 1);
  m.opsets.set(TORCH, 1);
  m.irVersion = 10;
  return m;
}

/** The model and its weights in `model.onnx.data`, each tensor at a 4096-byte aligned offset. */
function writeExternal(dir: string): string {
  const parts: Uint8Array[] = [];
  const at = new Map<string, { location: string; offset: number; length: number }>();
  let offset = 0;
  for (const t of weights()) {
    const pad = (4096 - (offset % 4096)) % 4096;
    parts.push(new Uint8Array(pad));
    const bytes = tensorBytes(t);
    at.set(t.name, { location: 'model.onnx.data', offset: offset + pad, length: bytes.length });
    parts.push(bytes);
    offset += pad + bytes.length;
  }
  const file = join(dir, 'model.onnx');
  writeFileSync(file, encodeModel(mainModel(), { functions: functions(), external: at }));
  writeFileSync(join(dir, 'model.onnx.data'), Buffer.concat(parts));
  return file;
}

test('nested functions with attributes by reference: each call gets its own values', () => {
  const m = decodeModel(encodeModel(mainModel(), { functions: functions() }));
  const byName = new Map(m.graph.nodes.map((n) => [n.name, n]));
  assert.ok(m.graph.nodes.every((n) => n.domain === ''), m.graph.nodes.map((n) => `${n.domain}.${n.opType}`).join());
  assert.equal(byName.get('layers.0/sdpa/n0')?.attrs.get('is_causal')?.value, 1);
  assert.equal(byName.get('layers.1/sdpa/n0')?.attrs.get('is_causal')?.value, 0);
  assert.ok(Math.abs((byName.get('layers.0/norm1/n0')?.attrs.get('epsilon')?.value as number) - 1e-6) < 1e-12);
  assert.ok(Math.abs((byName.get('layers.1/norm1/n0')?.attrs.get('epsilon')?.value as number) - 1e-5) < 1e-11);
  assert.deepEqual(m.graph.inputs.map((i) => i.name), ['x'], 'the initializer listed as an input is a constant');
});

test('the opset-23 dynamo-style model with external data converts with --input-shape and matches onnxruntime', async () => {
  const file = writeExternal(mkdtempSync(join(tmpdir(), 'dynamo23-')));
  const model = readModelFile(file);
  const shapes = new Map([['x', [1, 5, E]]]);
  const m = await convertAndMatch(file, model, seededInputs(model, 5, -1, 1, shapes), { inputShapes: shapes });
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.ok(m.outputs[0].maxRef > 0.1);
  const hist = m.result.opHistogram ?? {};
  // q, k, v moved into heads and the context out of them: 4 a layer (the head split the math needs).
  assert.equal(hist.TRANSPOSE ?? 0, 2 * 4, `heads moved in and out only: ${JSON.stringify(hist)}`);
});

test('a missing model.onnx.data is one line naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dynamo23-missing-'));
  const file = writeExternal(dir);
  renameSync(join(dir, 'model.onnx.data'), join(dir, 'elsewhere.data'));
  assert.throws(() => readModelFile(file), (e: Error) => /external data file "model\.onnx\.data" does not exist/.test(e.message) && !e.message.includes('\n'));
});
