// The op contract (src/convert/types.ts, registry.ts): every converter has a shape function and an opset range
// within MAX_OPSET; int8 and TFLite Micro support are derived from the ops it emits; convertNode enforces the
// declared input count and element types before the converter's own check, and every refusal carries a code that
// the converter's error (a ModelError) and the compatibility view share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/ir/shapes/index';
import { shapeFn } from '../../src/ir/shapes/context';
import { ModelError } from '../../src/ir/types';
import { isUserFacing } from '../../src/ir/errors';
import { buildModel, node } from '../../src/onnx/builder';
import { allConverters, resolveContract } from '../../src/convert/registry';
import { convertModel } from '../../src/convert/convert';
import { analyzeCompatibility } from '../../src/convert/compat';
import { ConvertError, MAX_OPSET } from '../../src/convert/types';
import type { OpConverter, RefusalCode } from '../../src/convert/types';
import { INT8_OPS } from '../../src/quantize/int8-ops';
import { MICRO_OPS } from '../../src/micro/ops';

test('every converter has a shape function', () => {
  const missing = allConverters().filter((c) => !shapeFn(c.domain ?? '', c.op)).map((c) => `${c.domain ?? ''}::${c.op}`);
  assert.deepEqual(missing, []);
});

test('every converter\'s opset range lies within 1…MAX_OPSET', () => {
  const bad = allConverters().filter((c) => !(c.opset[0] >= 1 && c.opset[0] <= c.opset[1] && c.opset[1] <= MAX_OPSET));
  assert.deepEqual(bad.map((c) => `${c.op}: [${c.opset.join(', ')}]`), []);
});

test('int8 and micro are derived from the ops a converter emits, narrowed only by an explicit false', () => {
  const decl: OpConverter = { op: 'X', emits: ['CONV_2D', 'RESHAPE'], opset: [1, MAX_OPSET], dtypes: ['float32'], layout: 'any', convert() {} };
  assert.ok(INT8_OPS.CONV_2D && MICRO_OPS.CONV_2D);
  assert.deepEqual([resolveContract(decl).int8, resolveContract(decl).micro], [true, true]);
  assert.deepEqual([resolveContract({ ...decl, int8: false }).int8, resolveContract({ ...decl, micro: false }).micro], [false, false]);
  const withGelu = { ...decl, emits: [...decl.emits, 'GELU'] };
  assert.ok(!INT8_OPS.GELU);
  assert.equal(resolveContract(withGelu).int8, false, 'an emitted op without an int8 kernel');
  assert.equal(resolveContract({ ...withGelu, incidental: ['GELU'] }).int8, true, 'incidental ops are left out');
  for (const c of allConverters()) {
    const core = c.emits.filter((op) => !c.incidental?.includes(op));
    if (c.int8) assert.ok(core.every((op) => INT8_OPS[op] || op === 'QUANTIZE' || op === 'DEQUANTIZE'), c.op);
    if (c.micro) assert.ok(core.every((op) => MICRO_OPS[op]), c.op);
  }
});

function refusalOfModel(nodes: ReturnType<typeof node>[], inputs: [string, 'float32' | 'int32', number[]][]): ConvertError {
  const m = buildModel({ inputs, outputs: ['y'], nodes });
  try {
    convertModel(m);
  } catch (e) {
    assert.ok(e instanceof ConvertError, String(e));
    return e;
  }
  assert.fail('the conversion was not refused');
}

test('convertNode refuses a main input of an undeclared element type, with code dtype, as a ModelError', () => {
  const e = refusalOfModel([node('Sqrt', ['x'], ['y'], {}, 'root')], [['x', 'int32', [1, 4]]]);
  assert.equal(e.code, 'dtype' satisfies RefusalCode);
  assert.ok(e instanceof ModelError && isUserFacing(e));
  assert.equal(e.node, 'root');
  assert.match(e.message, /^node root: Sqrt on int32 is not supported \(float32, float16 only\)$/);
  assert.equal(e.detail, 'Sqrt on int32 is not supported (float32, float16 only)');
});

test('convertNode refuses a node with more inputs than its converter takes, with code arity', () => {
  const e = refusalOfModel([node('Relu', ['x', 'x'], ['y'], {}, 'relu2')], [['x', 'float32', [1, 4]]]);
  assert.equal(e.code, 'arity' satisfies RefusalCode);
  assert.equal(e.detail, 'Relu takes 1 input, this node has 2');
  assert.ok(allConverters().filter((c) => c.inputs).length > 40, 'the elementwise families declare their input counts');
});

test('refusals carry codes: attribute cases, dynamic dims, unsupported ops; compat reads the same codes', () => {
  const lstm = buildModel({
    inputs: [['x', 'float32', [1, 1, 4]]], outputs: ['y'],
    nodes: [node('RandomUniform', [], ['y'], { shape: [1, 1, 4] }, 'random')],
  });
  assert.throws(() => convertModel(lstm), (e: unknown) => e instanceof ConvertError && e.code === 'flex-only');
  const custom = buildModel({
    inputs: [['x', 'float32', [1, 4]]], outputs: ['y'], infer: false,
    nodes: [{ ...node('Thing', ['x'], ['y'], {}, 'thing'), domain: 'com.example' }],
  });
  assert.throws(() => convertModel(custom), (e: unknown) => e instanceof ConvertError && e.code === 'custom-domain');
  const dynamic = buildModel({ inputs: [['x', 'float32', ['n', 4]]], outputs: ['y'], nodes: [node('Relu', ['x'], ['y'], {}, 'relu')] });
  const r = analyzeCompatibility(dynamic, { trialConversion: false });
  assert.match(r.modelIssues[0].fix!, /--input-shape x=1,4/);
});

test('isUserFacing: model, usage and deploy errors and flagged ones; not plain errors', () => {
  const usage = Object.assign(new Error('bad flag'), { name: 'UsageError' });
  const flagged = Object.assign(new Error('out exists and is not a file'), { userFacing: true });
  assert.ok(isUserFacing(new ModelError('bad')) && isUserFacing(usage) && isUserFacing(flagged));
  assert.ok(!isUserFacing(new Error('x')) && !isUserFacing(new TypeError('y')) && !isUserFacing('text') && !isUserFacing(undefined));
});
