// ONNX 1.12's operator conformance tests (libonnx-testdata): the shapes shape inference gives each model's
// outputs equal the shapes of its expected outputs (test_data_set_0/output_N.pb).
// Two passes: "given" feeds the test's shape-determining inputs (Reshape's shape, Resize's scales, ...) as
// constants, as real models have them; "strict" knows only the declared input shapes. In both, a dim that is
// inferred as a number must be right; unknown dims are allowed only where the size depends on data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inferShapes } from '../../src/ir/shapes/index';
import { Model, Shape } from '../../src/ir/types';
import { readModelFile, readTensorFile } from '../../src/onnx/reader';
import { allValues, runAllValues } from '../helpers/ort';

const DIR = '/usr/share/libonnx-testdata/data/node';
const tests = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((t) => t.startsWith('test_')).sort() : [];

/** (op, input index) pairs whose value decides an output shape. */
const SHAPE_INPUTS: Record<string, number[]> = {
  Reshape: [1], Expand: [1], Tile: [1], Slice: [1, 2, 3, 4], Pad: [1, 3], Resize: [1, 2, 3], Upsample: [1],
  OneHot: [1], Range: [0, 1, 2], ConstantOfShape: [0], TopK: [1], Split: [1], Squeeze: [1], Unsqueeze: [1],
  ReduceSum: [1], ReduceMean: [1], ReduceMax: [1], ReduceMin: [1], ReduceProd: [1], ReduceL1: [1], ReduceL2: [1],
  ReduceLogSum: [1], ReduceLogSumExp: [1], ReduceSumSquare: [1], Compress: [1], Loop: [0, 1], If: [0],
  CenterCropPad: [1], HannWindow: [0], HammingWindow: [0], BlackmanWindow: [0], DFT: [1], STFT: [1, 3],
  MelWeightMatrix: [0, 1], MaxUnpool: [2], Col2Im: [1, 2],
};
/** Ops whose output sizes depend on input data, not only on shapes and shape inputs. */
const DATA_DEPENDENT = new Set(['NonMaxSuppression', 'Unique', 'StringNormalizer', 'NonZero', 'Compress']);

/** Each model's original input names, in file order (input_N.pb follows it). */
const originalInputs = new WeakMap<Model, string[]>();

function givenShapeInputs(model: Model, dir: string): void {
  const g = model.graph;
  const wanted = new Set<string>();
  for (const n of g.nodes) for (const i of SHAPE_INPUTS[n.opType] ?? []) if (n.inputs[i]) wanted.add(n.inputs[i]);
  // ... and whatever those values are computed from.
  for (const n of [...g.nodes].reverse()) if (n.outputs.some((o) => wanted.has(o))) for (const i of n.inputs) if (i) wanted.add(i);
  g.inputs.forEach((v, i) => {
    const file = path.join(dir, 'test_data_set_0', `input_${i}.pb`);
    if (wanted.has(v.name) && fs.existsSync(file)) g.initializers.set(v.name, { ...readTensorFile(file), name: v.name });
  });
  g.inputs = g.inputs.filter((v) => !g.initializers.has(v.name));
}

/** Reads a node test with only its input shapes kept (optionally with its shape inputs given). */
function load(name: string, given: boolean): Model | string {
  const dir = path.join(DIR, name);
  const model = readModelFile(path.join(dir, 'model.onnx'));
  const g = model.graph;
  if ([...g.inputs, ...g.outputs].some((v) => !v.dtype)) return 'sequence or optional values';
  originalInputs.set(model, g.inputs.map((v) => v.name));
  if (given) givenShapeInputs(model, dir);
  // Forget every shape the file declares beyond its inputs, so that only inference speaks.
  const inputs = new Set(g.inputs.map((v) => v.name));
  for (const k of [...g.values.keys()]) if (!inputs.has(k) && !g.initializers.has(k)) g.values.delete(k);
  for (const o of g.outputs) o.shape = undefined;
  return model;
}

interface Outcome { agree: boolean; contradiction?: string; dataDependent: boolean }

function check(name: string, given: boolean): Outcome | string {
  const dir = path.join(DIR, name);
  const model = load(name, given);
  if (typeof model === 'string') return model;
  const g = model.graph;
  inferShapes(model);
  const dataDependent = g.nodes.some((n) => DATA_DEPENDENT.has(n.opType));
  let agree = true;
  let contradiction: string | undefined;
  g.outputs.forEach((o, i) => {
    const want = readTensorFile(path.join(dir, 'test_data_set_0', `output_${i}.pb`));
    const v = g.values.get(o.name);
    // ONNX 1.12's test data stores bfloat16 results as uint16.
    const dtypeOk = v?.dtype === want.dtype || (v?.dtype === 'bfloat16' && want.dtype === 'uint16');
    const shape: Shape | undefined = v?.shape;
    if (dtypeOk && JSON.stringify(shape) === JSON.stringify(want.dims)) return;
    agree = false;
    const wrongNumber = shape && (shape.length !== want.dims.length || shape.some((d, k) => typeof d === 'number' && d !== want.dims[k]));
    if (!dtypeOk || wrongNumber) contradiction = `${o.name}: inferred ${v?.dtype} ${JSON.stringify(shape)}, expected ${want.dtype} ${JSON.stringify(want.dims)}`;
  });
  return { agree, contradiction, dataDependent };
}

for (const given of [true, false]) {
  test(`ONNX node tests: output shapes (${given ? 'shape inputs given' : 'strict'})`, { skip: tests.length === 0 && 'libonnx-testdata is not installed' }, (t) => {
    let agree = 0;
    const skipped: string[] = [];
    const unknown: string[] = [];
    const contradictions: string[] = [];
    for (const name of tests) {
      const r = check(name, given);
      if (typeof r === 'string') { skipped.push(`${name} (${r})`); continue; }
      if (r.agree) agree++;
      else if (r.contradiction) contradictions.push(`${name}: ${r.contradiction}`);
      else unknown.push(name);
      if (given && !r.agree && !r.dataDependent) contradictions.push(`${name}: unknown dims although its shape inputs are given`);
    }
    t.diagnostic(`${agree} of ${tests.length - skipped.length} agree exactly; ${unknown.length} have unknown dims; ${skipped.length} skipped (sequence/optional types)`);
    assert.deepEqual(contradictions, []);
    assert.ok(agree >= (given ? 885 : 778), `only ${agree} agree`);
  });
}

test('ONNX node tests with several nodes: every intermediate value agrees with onnxruntime (shape inputs given)', { skip: tests.length === 0 && 'libonnx-testdata is not installed' }, async (t) => {
  let models = 0;
  let values = 0;
  let agree = 0;
  const contradictions: string[] = [];
  for (const name of tests) {
    const model = load(name, true);
    if (typeof model === 'string' || model.graph.nodes.length < 2) continue;
    inferShapes(model);
    const list = allValues(model);
    const order = originalInputs.get(model)!;
    const feeds = Object.fromEntries(model.graph.inputs.map((v) => [v.name, readTensorFile(path.join(DIR, name, 'test_data_set_0', `input_${order.indexOf(v.name)}.pb`))]));
    const actual = await runAllValues(model, feeds, list);
    models++;
    for (const v of list) {
      values++;
      const a = actual.get(v.name)!;
      if (JSON.stringify(a.dims) === JSON.stringify(v.shape)) { agree++; continue; }
      if (!v.shape || v.shape.length !== a.dims.length || v.shape.some((d, k) => typeof d === 'number' && d !== a.dims[k])) {
        contradictions.push(`${name} ${v.name}: inferred ${JSON.stringify(v.shape)}, onnxruntime ${JSON.stringify(a.dims)}`);
      }
    }
  }
  t.diagnostic(`${agree} of ${values} values in ${models} models agree exactly with onnxruntime`);
  assert.deepEqual(contradictions, []);
  assert.equal(agree, values);
});
