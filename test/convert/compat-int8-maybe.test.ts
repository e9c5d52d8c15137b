// A join near the outputs is marked "int8, may stay float32" (NodeVerdict.int8Maybe): whether full int8 keeps it
// float32 depends on its inputs' calibrated ranges (int8-mixed-joins.ts), which the compatibility view does not have.
// The twenty-fifth sequence sweep's spiking keyword spotter (lif_kws: a stack of 20 readout membranes of very
// different ranges and their time mean) was marked plain int8 and written float32: 2 audit disagreements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { analyzeCompatibility } from '../../src/convert/compat';
import { auditModel } from '../../scripts/compat-audit';

const width = 8;

/** Two scalings of x, 1000x apart, stacked and averaged into `y` (lif_kws's readout); `z`: the same stack read by a
 *  MatMul with weights and a Tanh (a network's feature map: the rule leaves it int8 whatever the ranges). */
function joinsModel() {
  return buildModel({
    inputs: [['x', 'float32', [1, width]]], outputs: ['y', 'z'], opset: 13,
    nodes: [
      node('Mul', ['x', 'small'], ['a'], {}, 'narrow'),
      node('Mul', ['x', 'big'], ['b'], {}, 'wide'),
      node('Unsqueeze', ['a', 'ax'], ['a1'], {}, 'ua'),
      node('Unsqueeze', ['b', 'ax'], ['b1'], {}, 'ub'),
      node('Concat', ['a1', 'b1'], ['stack'], { axis: 1 }, 'stack'),
      node('ReduceMean', ['stack'], ['y'], { axes: [1], keepdims: 0 }, 'mean'),
      node('Add', ['a', 'b'], ['s'], {}, 'sum'),
      node('Concat', ['a', 's'], ['feat'], { axis: 1 }, 'feat'),
      node('MatMul', ['feat', 'w'], ['zp'], {}, 'proj'),
      // A Tanh after the projection: a layer whose scores go straight out is a classifier's head, which int8 keeps
      // float32 (int8-logit-outputs.ts), and the joins would then be float32 islands of their own.
      node('Tanh', ['zp'], ['z'], {}, 'squash'),
    ],
    initializers: [tensor('small', 'float32', [], [0.001]), tensor('big', 'float32', [], [1]), tensor('ax', 'int64', [1], [1]),
      tensor('w', 'float32', [2 * width, 4], Array.from({ length: 8 * width }, (_, i) => Math.sin(i * 0.7) * 0.5))],
  });
}

test('a join near the outputs and its tail are marked int8, may stay float32; a join into weights is plain int8', () => {
  const r = analyzeCompatibility(joinsModel());
  const mark = (name: string) => r.nodes.find((n) => n.node === name)!;
  for (const name of ['stack', 'mean']) {
    assert.equal(mark(name).int8, true, name);
    assert.match(mark(name).int8Maybe ?? '', /ranges are too far apart/, name);
  }
  for (const name of ['feat', 'proj', 'narrow']) assert.equal(mark(name).int8Maybe, undefined, name);
});

test('the audit counts no int8-float disagreement where int8 keeps that join float32 on its calibration', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-maybe-'));
  try {
    const file = path.join(dir, 'joins.onnx');
    fs.writeFileSync(file, encodeModel(joinsModel()));
    const rec = await auditModel(file, { inputShapes: new Map(), inputValues: new Map(), int8: true, int8MaxBytes: 2 ** 20 }, dir);
    assert.equal(rec.int8, 'ok');
    assert.deepEqual(rec.disagreements, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
