// Graphs as exporters other than torch.onnx write them (test/helpers/exporter-patterns.ts): tf2onnx / keras2onnx
// NHWC CNNs, the Model Zoo's opset 7-8 exports, onnxruntime's fused com.microsoft ops convert and match onnxruntime
// on LiteRT, CNNs with 0 TRANSPOSE (tf2onnx's input and output Transposes cancel into NHWC storage, also when a
// one-channel input is moved by a Reshape, as in openWakeWord's embedding model), onnxruntime's Attention with 2
// (one head split, one merge), EmbedLayerNormalization with none; skl2onnx's tree ensemble is refused with one line
// and a code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertModel } from '../../src/convert/convert';
import { ConvertError } from '../../src/convert/types';
import { encodeModel } from '../../src/onnx/writer';
import { exporterPatterns } from '../helpers/exporter-patterns';
import { convertAndMatch, seededInputs } from '../helpers/match';

const REFUSED: Record<string, RegExp> = {
  skl2onnx_trees: /^node \S+: ai\.onnx\.ml\.TreeEnsembleClassifier is a classical machine-learning op .*onnx2lite converts neural networks only$/,
};

const dir = mkdtempSync(join(tmpdir(), 'exporter-patterns-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const p of exporterPatterns()) {
  if (REFUSED[p.name]) {
    test(`${p.name} (${p.note}) is refused with one line and the custom-domain code`, () => {
      assert.throws(() => convertModel(p.model), (e: unknown) => {
        assert.ok(e instanceof ConvertError);
        assert.equal(e.code, 'custom-domain');
        assert.match(e.message, REFUSED[p.name]);
        return true;
      });
    });
    continue;
  }
  test(`${p.name} (${p.note}) matches onnxruntime on LiteRT with ${p.transposes ?? 0} TRANSPOSE`, async () => {
    const file = join(dir, `${p.name}.onnx`);
    writeFileSync(file, encodeModel(p.model));
    const image = p.model.graph.inputs[0].shape?.length === 4;
    const m = await convertAndMatch(file, p.model, seededInputs(p.model, 1, image ? 0 : -1, 1));
    assert.ok(m.worst <= 1e-5, `max rel ${m.worst}`);
    assert.equal(m.result.transposeCount, p.transposes ?? 0);
  });
}

test('tf2onnx\'s one-channel NHWC input moved to NCHW by a Reshape stays NHWC: the model input is not transposed', () => {
  const p = exporterPatterns().find((q) => q.name === 'tf2onnx_unit_channel')!;
  const r = convertModel(p.model);
  const input = r.model.subgraphs[0].tensors[r.model.subgraphs[0].inputs[0]];
  assert.deepEqual(input.shape, [1, 20, 16, 1]);
  assert.equal(r.opHistogram.RESHAPE ?? 0, 1);
});

test('BatchNormalization statistics neither per channel nor per activation are refused with one line', async () => {
  const { buildModel, node, tensor } = await import('../../src/onnx/builder');
  const stat = (n: string) => tensor(n, 'float32', [5], [1, 1, 1, 1, 1]);
  const model = buildModel({ opset: 13, inputs: [['x', 'float32', [1, 4, 3, 3]]], outputs: ['y'], infer: false,
    nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'])], initializers: ['s', 'b', 'm', 'v'].map(stat) });
  assert.throws(() => convertModel(model), (e: unknown) => e instanceof ConvertError && e.code === 'unsupported'
    && /BatchNormalization parameter "s" of dims \[5\] is neither per channel \[4\] nor a constant per activation \[4, 3, 3\]/.test(e.message));
});

test('onnxruntime\'s NCHWc layout ops (its highest optimization level) are refused as onnxruntime\'s, with one line', async () => {
  const { buildModel, node } = await import('../../src/onnx/builder');
  const model = buildModel({ opset: 13, inputs: [['x', 'float32', [1, 8, 4, 4]]], outputs: [['y', 'float32', [1, 8, 4, 4]]], infer: false,
    nodes: [{ ...node('ReorderInput', ['x'], ['y']), domain: 'com.microsoft.nchwc' }] });
  model.opsets.set('com.microsoft.nchwc', 1);
  assert.throws(() => convertModel(model), (e: unknown) => e instanceof ConvertError && e.code === 'custom-domain'
    && /com\.microsoft\.nchwc\.ReorderInput is an onnxruntime fused op .*before onnxruntime's optimizations$/.test(e.message) && !e.message.includes('\n'));
});

test('the compatibility view agrees with convert on every exporter pattern', async () => {
  const { analyzeCompatibility } = await import('../../src/convert/compat');
  for (const p of exporterPatterns()) {
    const r = analyzeCompatibility(p.model);
    if (REFUSED[p.name]) {
      assert.ok(r.summary.unsupported > 0, `${p.name}: marked convertible`);
      const bad = r.nodes.find((n) => n.status === 'unsupported')!;
      assert.match(`node ${bad.node}: ${bad.reason}`, REFUSED[p.name], p.name);
    } else {
      assert.equal(r.summary.unsupported, 0, `${p.name}: ${r.nodes.filter((n) => n.status !== 'builtin').map((n) => `${n.opType} ${n.reason}`).join('; ')}`);
    }
  }
});
