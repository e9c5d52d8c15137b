// Model-local functions (what torch.onnx.export(dynamo=True) / onnxscript write): the reader inlines every call, so
// the graph holds ONNX ops only, with names `<call>/<node>`; the inlined model converts and matches onnxruntime, which
// runs the file with its functions as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGraph, buildModel, node, tensor } from '../../src/onnx/builder';
import { makeTensor } from '../../src/ir/tensor';
import type { OnnxFunction, FunctionNode } from '../../src/onnx/functions';
import { decodeModel } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { ModelError, type Graph, type Model, type Node } from '../../src/ir/types';
import { convertAndMatch, seededInputs, waveValues } from '../helpers/match';
import { leanOnnxWireGraph } from '../../src/onnx/lean-reader';
import { openModel } from '../../src/worker/model-service';
import { decodeGraph } from '../../src/shared/graph-wire';

const TORCH = 'pkg.torch.2.5.0';
const LIB = 'pkg.onnxscript.torch_lib';

function fn(domain: string, name: string, inputs: string[], outputs: string[], nodes: FunctionNode[],
  defaults: Record<string, string | number> = {}, opset = 18): OnnxFunction {
  const d = new Map(Object.entries(defaults).map(([k, v]) => [k, typeof v === 'string' ? { type: 'string' as const, value: v } : { type: 'int' as const, value: v }]));
  return { domain, name, inputs, outputs, attributes: [], defaults: d, nodes, opsets: new Map([['', opset], [LIB, 1], [TORCH, 1]]) };
}

function call(domain: string, op: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, string | number> = {}): Node {
  return { ...node(op, inputs, outputs, attrs, name), domain };
}

function withRef(n: Node, attr: string, ref: string, type: 'string' | 'int'): FunctionNode {
  return { ...n, refs: new Map([[attr, { ref, type }]]) };
}

/** aten_gelu with `approximate` by reference (default 'none'); Block: Conv, gelu, ReduceMean with axes as an input
 *  (opset 18), and a second output (the conv's) the main graph does not read. */
function functions(): OnnxFunction[] {
  const gelu = fn(LIB, 'aten_gelu', ['self'], ['out'], [
    withRef(node('Gelu', ['self'], ['out'], {}, 'n0'), 'approximate', 'approximate', 'string'),
  ], { approximate: 'none' }, 20);
  const block = fn(TORCH, 'Block', ['x', 'w', 'b'], ['y', 'conv_out'], [
    withRef(node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }, 'conv'), 'group', 'group', 'int'),
    call(LIB, 'aten_gelu', ['c'], ['g'], 'gelu'),
    node('Constant', [], ['axes'], { value: tensor('axes', 'int64', [1], [1]) }, 'axes'),
    node('ReduceMean', ['g', 'axes'], ['m'], { keepdims: 1 }, 'mean'),
    node('Mul', ['g', 'm'], ['y'], {}, 'scale'),
    node('Identity', ['c'], ['conv_out'], {}, 'spare'),
  ], { group: 1 }, 20);
  return [gelu, block];
}

function mainModel(): Model {
  const w = tensor('w', 'float32', [4, 4, 3, 3], waveValues(144, 1));
  const b = tensor('b', 'float32', [4], waveValues(4, 2));
  return buildModel({
    inputs: [['x', 'float32', [1, 4, 6, 6]]], outputs: ['z'], opset: 20, infer: false,
    initializers: [w, b],
    nodes: [
      call(TORCH, 'Block', ['x', 'w', 'b'], ['h', 'h_conv'], 'block1'),
      call(TORCH, 'Block', ['h', 'w', 'b'], ['z', 'z_conv'], 'block2', { group: 1 }),
    ],
  });
}

function written(model: Model, fns: OnnxFunction[]): Uint8Array {
  model.opsets.set(LIB, 1);
  model.opsets.set(TORCH, 1);
  model.irVersion = 10;
  return encodeModel(model, { functions: fns });
}

test('a dynamo-style model: calls inlined, names <call>/<node>, unread outputs dropped, opsets of ONNX only', () => {
  const m = decodeModel(written(mainModel(), functions()));
  const names = m.graph.nodes.map((n) => n.name);
  assert.deepEqual([...names].sort(), ['block1/conv', 'block1/gelu/n0', 'block1/axes', 'block1/mean', 'block1/scale',
    'block2/conv', 'block2/gelu/n0', 'block2/axes', 'block2/mean', 'block2/scale'].sort());
  const byName = new Map(m.graph.nodes.map((n) => [n.name, n]));
  assert.ok(m.graph.nodes.every((n) => n.domain === ''), 'only ONNX ops');
  assert.equal(byName.get('block1/gelu/n0')!.attrs.get('approximate')?.value, 'none', 'the default of a referenced attribute');
  assert.equal(byName.get('block1/conv')!.attrs.get('group')?.value, 1);
  assert.deepEqual([...m.opsets.keys()], ['']);
  // values: the call's inputs and outputs keep their names, the body's are the call's own
  assert.deepEqual(byName.get('block1/scale')!.outputs, ['h']);
  assert.deepEqual(byName.get('block1/gelu/n0')!.inputs, ['block1/c']);
  // the same names on every read (compare joins on them)
  assert.deepEqual(decodeModel(written(mainModel(), functions())).graph.nodes.map((n) => n.name), names);
});

test('the inlined model converts and matches onnxruntime running the functions', async () => {
  const bytes = written(mainModel(), functions());
  const file = join(mkdtempSync(join(tmpdir(), 'functions-')), 'dynamo.onnx');
  writeFileSync(file, bytes);
  // the graph view: the lean first read leaves such a file to the full read, which shows the inlined ops
  assert.equal(leanOnnxWireGraph(Buffer.from(bytes), file), undefined);
  const view = decodeGraph(openModel(file).graph);
  assert.ok(view.nodes.some((n) => n.name === 'block2/gelu/n0' && n.op === 'Gelu'), view.nodes.map((n) => n.name).join());
  const model = decodeModel(bytes);
  const m = await convertAndMatch(file, model, seededInputs(model, 3, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
});

test('attributes by reference take the call\'s value over the default', () => {
  const fns = functions();
  const model = mainModel();
  model.graph.nodes = [call(LIB, 'aten_gelu', ['x'], ['z'], 'g', { approximate: 'tanh' })];
  const m = decodeModel(written(model, fns));
  assert.equal(m.graph.nodes.length, 1);
  assert.equal(m.graph.nodes[0].name, 'g/n0');
  assert.equal(m.graph.nodes[0].attrs.get('approximate')?.value, 'tanh');
});

test('a body value named like a main-graph value gets a name of its own', () => {
  const f = fn(TORCH, 'F', ['a'], ['o'], [node('Relu', ['a'], ['t'], {}, 'r'), node('Neg', ['t'], ['o'], {}, 'n')]);
  const model = buildModel({
    inputs: [['x', 'float32', [2]]], outputs: ['z'], opset: 18, infer: false,
    nodes: [node('Abs', ['x'], ['F/t'], {}, 'F'), call(TORCH, 'F', ['F/t'], ['z'], 'F__call')],
  });
  const names = new Set<string>();
  const m = decodeModel(written(model, [f]));
  for (const n of m.graph.nodes) for (const o of n.outputs) { assert.ok(!names.has(o), `${o} made twice`); names.add(o); }
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Abs', 'Relu', 'Neg']);
});

test('a body\'s If reads the body\'s values: its branches are renamed with them, and the model matches onnxruntime', async () => {
  const branch = (op: string) => buildGraph({ name: op, nodes: [node(op, ['t'], ['o'], {}, op)], inputs: [], outputs: ['o'] }, new Set(['t']));
  const f = fn(TORCH, 'Gate', ['a'], ['o'], [
    node('Abs', ['a'], ['t'], {}, 'abs'),
    node('ReduceSum', ['t'], ['s'], { keepdims: 0 }, 'sum'),
    node('Constant', [], ['lim'], { value: tensor('lim', 'float32', [], [3]) }, 'lim'),
    node('Greater', ['s', 'lim'], ['c'], {}, 'gt'),
    node('If', ['c'], ['o'], { then_branch: branch('Neg'), else_branch: branch('Sigmoid') }, 'if'),
  ]);
  const model = buildModel({ inputs: [['x', 'float32', [2, 3]]], outputs: ['z'], opset: 18, infer: false,
    nodes: [call(TORCH, 'Gate', ['x'], ['h'], 'g1'), call(TORCH, 'Gate', ['h'], ['z'], 'g2')] });
  const bytes = written(model, [f]);
  const m = decodeModel(bytes);
  const ifs = m.graph.nodes.filter((n) => n.opType === 'If');
  assert.deepEqual(ifs.map((n) => n.name).sort(), ['g1/if', 'g2/if']);
  const then = ifs.find((n) => n.name === 'g2/if')!.attrs.get('then_branch')!.value as Graph;
  assert.deepEqual(then.nodes[0].inputs, ['g2/t'], 'the branch reads the inlined value');
  const file = join(mkdtempSync(join(tmpdir(), 'functions-if-')), 'gate.onnx');
  writeFileSync(file, bytes);
  const r = await convertAndMatch(file, m, [makeTensor('x', 'float32', [2, 3], [0.5, -2, 1, 0.3, -0.1, 0.9])]);
  assert.ok(r.worst <= 1e-6, `rel ${r.worst}`);
});

test('a function that calls itself is refused in one line', () => {
  const a = fn(TORCH, 'A', ['x'], ['y'], [call(TORCH, 'B', ['x'], ['y'], 'b')]);
  const b = fn(TORCH, 'B', ['x'], ['y'], [call(TORCH, 'A', ['x'], ['y'], 'a')]);
  const model = buildModel({ inputs: [['x', 'float32', [2]]], outputs: ['z'], opset: 18, infer: false, nodes: [call(TORCH, 'A', ['x'], ['z'], 'top')] });
  assert.throws(() => decodeModel(written(model, [a, b])), (e: Error) => e instanceof ModelError && /calls itself/.test(e.message) && !e.message.includes('\n'));
});

test('a function importing another ONNX opset than the model is refused, not converted at the wrong version', () => {
  const f = fn(TORCH, 'F', ['a'], ['o'], [node('Relu', ['a'], ['o'], {}, 'r')], {}, 13);
  const model = buildModel({ inputs: [['x', 'float32', [2]]], outputs: ['z'], opset: 18, infer: false, nodes: [call(TORCH, 'F', ['x'], ['z'], 'f')] });
  assert.throws(() => decodeModel(written(model, [f])), /imports opset 13 of ai.onnx, the model opset 18/);
});

test('an If branch inside a body reads the function\'s attributes by reference (onnxscript\'s aten_convolution)', async () => {
  // PyTorch 2.1's dynamo exporter: _aten_convolution_onnx's If branches run Conv with strides / pads / dilations
  // referring to the function's attributes; was refused at read ("refers to a function's attribute ... inside a
  // subgraph"). Each call's branches take its own values: pads 1 for c1, pads 0 (the default) for c2.
  const conv = (name: string) => withRef(withRef(node('Conv', ['x', 'w'], ['o'], {}, name), 'pads', 'pads', 'int'), 'dilations', 'dilations', 'int');
  const branch = (name: string) => buildGraph({ name, nodes: [conv(name)], inputs: [], outputs: ['o'] }, new Set(['x', 'w']));
  const f = fn(LIB, 'aten_conv', ['x', 'w', 'flag'], ['o'], [
    node('If', ['flag'], ['o'], { then_branch: branch('then_conv'), else_branch: branch('else_conv') }, 'if'),
  ]);
  f.attributes = ['pads'];
  f.defaults.set('pads', { type: 'ints', value: [0, 0, 0, 0] });
  f.defaults.set('dilations', { type: 'ints', value: [1, 1] });
  for (const n of f.nodes) for (const b of ['then_branch', 'else_branch']) {
    for (const c of (n.attrs.get(b)?.value as Graph | undefined)?.nodes ?? []) (c as FunctionNode).refs!.set('pads', { ref: 'pads', type: 'ints' });
  }
  const w = tensor('w', 'float32', [2, 2, 3, 3], waveValues(36, 3));
  const model = buildModel({
    inputs: [['x', 'float32', [1, 2, 6, 6]]], outputs: ['z'], opset: 18, infer: false, initializers: [w],
    nodes: [
      // the exporter's condition (a rank test of the input) folds at conversion: a constant here
      node('Constant', [], ['flag'], { value: tensor('flag', 'bool', [], [1]) }, 'flag'),
      { ...call(LIB, 'aten_conv', ['x', 'w', 'flag'], ['h'], 'c1'), attrs: new Map([['pads', { type: 'ints' as const, value: [1, 1, 1, 1] }]]) },
      call(LIB, 'aten_conv', ['h', 'w', 'flag'], ['z'], 'c2'),
    ],
  });
  const bytes = written(model, [f]);
  const m = decodeModel(bytes);
  const pads = (call: string) => ((m.graph.nodes.find((n) => n.name === `${call}/if`)!.attrs.get('then_branch')!.value as Graph).nodes[0].attrs.get('pads')?.value);
  assert.deepEqual(pads('c1'), [1, 1, 1, 1]);
  assert.deepEqual(pads('c2'), [0, 0, 0, 0]);
  const file = join(mkdtempSync(join(tmpdir(), 'functions-ref-')), 'conv.onnx');
  writeFileSync(file, bytes);
  const r = await convertAndMatch(file, m, [makeTensor('x', 'float32', [1, 2, 6, 6], waveValues(72, 5))]);
  assert.ok(r.worst <= 1e-5, `rel ${r.worst}`);
});
