// compare on every float32 conversion of the shared models, with their test_data_set_0 inputs, on the real
// onnxruntime-node and LiteRT: coverage of the mapped ONNX nodes and per-layer error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareModels } from '../../src/compare/compare';
import { convertShared, inputsDir, onnxPath, sharedModels } from './helpers';

const models = sharedModels();
test('there are shared models to compare', () => assert.ok(models.length >= 9));

for (const name of models) {
  test(`${name}: float32 conversion covers ≥ 90% of surviving nodes, every layer within 1e-4`, async (t) => {
    const tfl = convertShared(name);
    const r = await compareModels(onnxPath(name), tfl, { inputsDir: inputsDir(name) });
    const worst = r.layers.reduce((a, l) => (l.rel > a.rel ? l : a), r.layers[0]!);
    t.diagnostic(`${name}: coverage ${r.coverage.covered}/${r.coverage.nodes} (${r.coverage.percent}%), max rel ${worst.rel.toExponential(2)} at ${worst.node}`);
    assert.equal(r.perLayer, true);
    assert.equal(r.quantized, false);
    assert.equal(r.stages, undefined);
    assert.equal(r.inputs.source, 'files');
    assert.ok(r.coverage.nodes > 0);
    assert.ok(r.coverage.percent >= 90, `coverage ${r.coverage.percent}%; not compared: ${JSON.stringify(r.uncovered.slice(0, 5))}`);
    for (const l of r.layers) assert.ok(l.rel <= 1e-4, `${l.node} (${l.tensor}): rel ${l.rel}`);
    assert.ok(r.outputs.length >= 1);
    for (const o of r.outputs) assert.ok(o.rel <= 1e-4 && o.cosine > 0.9999, `output ${o.tensor}: rel ${o.rel}`);
    assert.equal(r.firstDivergence, null);
  });
}
