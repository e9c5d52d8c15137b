// `inspect --json` on every shared model reports the node count, op histogram and parameter count the file
// really has, counted independently: protobufjs reflection over onnx.proto (not the generated static code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import protobuf from 'protobufjs';

const DIR = '../shared/models';
const root = protobuf.loadSync('src/generated/onnx/onnx.proto');
const ModelProto = root.lookupType('onnx.ModelProto');

interface Counted { nodeCount: number; opHistogram: Record<string, number>; parameterCount: number; inputs: string[]; outputs: string[] }

function countIndependently(file: string): Counted {
  const m = ModelProto.toObject(ModelProto.decode(fs.readFileSync(file)), { longs: Number, defaults: true }) as {
    graph: { node: { opType: string; domain: string }[]; initializer: { dims: number[] }[]; input: { name: string }[]; output: { name: string }[] };
  };
  const opHistogram: Record<string, number> = {};
  for (const n of m.graph.node) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
    opHistogram[key] = (opHistogram[key] ?? 0) + 1;
  }
  const inits = new Set(m.graph.initializer.map((t) => (t as unknown as { name: string }).name));
  return {
    nodeCount: m.graph.node.length,
    opHistogram,
    parameterCount: m.graph.initializer.reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1), 0),
    inputs: m.graph.input.map((v) => v.name).filter((n) => !inits.has(n)),
    outputs: m.graph.output.map((v) => v.name),
  };
}

const models = fs.readdirSync(DIR).filter((f) => f.endsWith('.onnx')).sort();
const summary = new Map(fs.readFileSync(path.join(DIR, 'summary.tsv'), 'utf8').trim().split('\n').slice(1)
  .map((l) => l.split('\t')).map((c) => [c[0], { nodes: Number(c[4]), ops: c[5].split(',').sort() }]));

for (const file of models) {
  test(`inspect --json ${file}: node count and op histogram match an independent count`, () => {
    const full = path.join(DIR, file);
    const r = spawnSync(process.execPath, ['bin/onnx2lite.js', 'inspect', full, '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const want = countIndependently(full);
    assert.equal(s.nodeCount, want.nodeCount);
    assert.deepEqual(s.opHistogram, want.opHistogram);
    assert.equal(s.parameterCount, want.parameterCount);
    assert.deepEqual(s.inputs.map((v: { name: string }) => v.name), want.inputs);
    assert.deepEqual(s.outputs.map((v: { name: string }) => v.name), want.outputs);
    // The shared folder's own summary agrees too.
    const tsv = summary.get(file.replace('.onnx', ''));
    assert.equal(s.nodeCount, tsv?.nodes);
    assert.deepEqual(Object.keys(s.opHistogram).sort(), tsv?.ops);
    // The stable fields, with inferred shapes.
    for (const k of ['producer', 'opsets', 'inputs', 'outputs', 'nodeCount', 'opHistogram', 'parameterCount']) assert.ok(k in s, k);
    for (const v of [...s.inputs, ...s.outputs]) {
      assert.equal(v.dtype, 'float32');
      assert.ok(Array.isArray(v.shape) && v.shape.every((d: unknown) => typeof d === 'number'), JSON.stringify(v));
    }
    assert.deepEqual(s.warnings, []);
  });
}

test('inspect --input-shape with a name that is not an input: one line, exit 1', () => {
  const r = spawnSync(process.execPath, ['bin/onnx2lite.js', 'inspect', path.join(DIR, 'gru_small.onnx'), '--input-shape', 'nope=1,2'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'onnx2lite: --input-shape names "nope", which is not an input of the model (inputs: input_0)\n');
});

test('inspect --input-shape with malformed dims: usage error, exit 2', () => {
  const r = spawnSync(process.execPath, ['bin/onnx2lite.js', 'inspect', path.join(DIR, 'gru_small.onnx'), '--input-shape', 'input_0=1,x'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^onnx2lite: --input-shape "input_0=1,x": dims must be non-negative integers/);
});

test('inspect --input-shape with no dims after "=" is a usage error (it read as [0])', () => {
  const r = spawnSync(process.execPath, ['bin/onnx2lite.js', 'inspect', path.join(DIR, 'gru_small.onnx'), '--input-shape', 'input_0='], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'onnx2lite: --input-shape "input_0=" gives no dims (e.g. input_0=1,3,224,224)\n');
});
