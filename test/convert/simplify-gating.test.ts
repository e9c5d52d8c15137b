// simplifyGraph skips a pattern pass when the graph has none of the op types its pattern needs (each pass walks the
// whole graph: on a 20,000-node graph they were most of the compatibility view's time). Skipping must change nothing:
// every model comes out of the clean-up the same as with every pass run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { inferShapes } from '../../src/ir/shapes/index';
import { shapeCopy } from '../../src/ir/shape-copy';
import type { Model, Tensor } from '../../src/ir/types';
import { simplifyGraph } from '../../src/convert/simplify';
import { flatModel } from '../webview/synthetic';
import { einsumHeadViews, fusedTransBatch, modelText } from '../helpers/attr-rewrites';

/** The graph after the clean-up, as text (nodes in order with their attributes, values, constants with their data). */
function simplified(source: Model, everyPass: boolean): { text: string; ran: string[] } {
  const model = shapeCopy(source);
  const { constants } = inferShapes(model);
  for (const [name, t] of model.graph.initializers) if (!constants.has(name)) constants.set(name, t);
  const g = { ...model.graph, nodes: model.graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })) };
  const ran: string[] = [];
  simplifyGraph(g, constants, { opset: model.opsets.get('') ?? 0, everyPass, ran });
  const plain = (_k: string, v: unknown): unknown => (v instanceof Map ? [...v] : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>, String) : v);
  const text = JSON.stringify({
    nodes: g.nodes, values: [...g.values].sort(([a], [b]) => (a < b ? -1 : 1)),
    constants: [...constants].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, t]: [string, Tensor]) => [k, t.dtype, t.dims, t.data]),
  }, plain);
  return { text, ran };
}

const SHARED = ['squeezenet1_1', 'mnasnet0_5', 'mobilenet_v2', 'mobilenet_v3_small', 'shufflenet_v2_x1_0',
  'lraspp_mobilenet_v3_large', 'lstm_small', 'gru_small', 'transformer_encoder_layer'];

test('the clean-up gives the same graph with and without the op-type gate (shared models, a flat graph)', () => {
  const models: [string, Model][] = [...SHARED.map((n): [string, Model] => [n, readModelFile(`../shared/models/${n}.onnx`)]), ['flat', flatModel(40)]];
  let skippedSomewhere = 0;
  for (const [name, m] of models) {
    const all = simplified(m, true), gated = simplified(m, false);
    assert.equal(gated.text, all.text, `${name}: the gated clean-up differs from the one running every pass`);
    assert.ok(gated.ran.every((p) => all.ran.includes(p)), name);
    skippedSomewhere += all.ran.length - gated.ran.length;
  }
  assert.ok(skippedSomewhere > 0);
});

test('a graph of Conv / Relu / Add runs none of the gated passes; a transformer still runs its head passes', () => {
  const flat = simplified(flatModel(40), false);
  const every = simplified(flatModel(40), true);
  assert.ok(every.ran.length >= 20, `every pass walks the graph when asked (${every.ran.length})`);
  assert.deepEqual(flat.ran, [], 'no pattern pass walks a graph without its ops');
  const tr = simplified(readModelFile('../shared/models/transformer_encoder_layer.onnx'), false);
  assert.ok(tr.ran.includes('unflattenGemmRows'), tr.ran.join());
  assert.ok(!tr.ran.includes('sliceAssignAsConcat'), tr.ran.join());
});

// The comparison above simplifies the same model twice: a pass that wrote into the model it was copied from (an
// Einsum's equation, FusedMatMul's trans flags: attribute maps are shared) made the second run differ (crossformer:
// 1159 nodes, then 1164).
test('simplifying a model twice gives the same graph and leaves the model as it was read', () => {
  const models: [string, Model][] = [['einsum head views', einsumHeadViews()], ['FusedMatMul transBatchB', fusedTransBatch()],
    ['transformer_encoder_layer', readModelFile('../shared/models/transformer_encoder_layer.onnx')]];
  for (const [name, m] of models) {
    const before = modelText(m);
    const first = simplified(m, true);
    assert.equal(modelText(m), before, `${name}: the clean-up changed the model it was copied from`);
    assert.equal(simplified(m, true).text, first.text, `${name}: a second clean-up of the same model differs`);
  }
});
