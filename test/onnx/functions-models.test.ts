// Models of earlier sweeps written again as the dynamo exporter writes them (test/helpers/dynamo-style.ts: opset 18,
// every module a local function, two levels of nesting, locally named values): the reader inlines them back into the
// same graph, which converts to the same TFLite ops and matches onnxruntime (running the functions) as the original.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelFile } from '../../src/onnx/reader';
import { dynamoStyle } from '../helpers/dynamo-style';
import { convertAndMatch, seededInputs } from '../helpers/match';

const CASES: [file: string, functions: number, reduces: number][] = [
  ['../shared/models/transformer_encoder_layer.onnx', 6, 4],
  ['../shared/models/squeezenet1_1.onnx', 18, 0],
];

for (const [file, functions, reduces] of CASES) {
  test(`${file.split('/').pop()} as the dynamo exporter writes it converts as the original does`, async () => {
    const original = readModelFile(file);
    const dyn = dynamoStyle(original);
    assert.equal(dyn.functions.length, functions);
    assert.equal(dyn.reduces, reduces, 'Reduce* with axes as an input (opset 18)');
    const target = join(mkdtempSync(join(tmpdir(), 'dynamo-')), 'model.onnx');
    writeFileSync(target, dyn.bytes);
    const inlined = readModelFile(target);
    assert.equal(inlined.graph.nodes.length, original.graph.nodes.length);
    assert.ok(inlined.graph.nodes.every((n) => n.domain === ''), 'only ONNX ops once inlined');
    assert.equal(inlined.opsets.get(''), 18);
    const inputs = seededInputs(original, 1, 0, 1);
    const a = await convertAndMatch(file, readModelFile(file), inputs);
    const b = await convertAndMatch(target, inlined, inputs);
    assert.deepEqual(b.result.opHistogram, a.result.opHistogram);
    assert.ok(b.worst <= 1e-4, `dynamo-style rel ${b.worst}`);
    assert.ok(Math.abs(b.worst - a.worst) <= 1e-6, `original ${a.worst}, dynamo-style ${b.worst}`);
  });
}
