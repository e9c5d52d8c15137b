// The self-check and the weight-only guard judge an angle output (made by ATAN2) by its wrapped difference
// (src/core/verify-angles.ts): MP-SENet's phase (s29-seq27) read max rel 2.0 with dynamic-range weights where its
// imaginary part is near 0 and its real part negative, and dynamic was refused for values the same angle. Real LiteRT
// against onnxruntime-node through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertCli, rng } from '../quantize/helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-verify-angles-'));
const C = 64;

/** phase = atan2(a, b) in torch's form below opset 20 (Where(b < 0, Atan(a / b) ± π, Atan(a / b))), over 64 bins:
 *  a = x·Wa − x·Wb with Wb within 1e-4 of Wa (near 0: dynamic's int8 weights round the two alike and leave their
 *  scales' difference, which flips a's sign on many bins), b = −Σx − 1 (negative, exact in int8). Where a flips the
 *  phase crosses ±π: 2π in the raw values, ~|Δa| / |b| as an angle. The output is the first half of the bins, a
 *  Gather of the phase viewed [1, 2, 32] (MP-SENet's phase is a GATHER of its map's one channel). */
function phaseModel(): Uint8Array {
  const r = rng(5);
  const wa = Array.from({ length: C * C }, () => r() * 2 - 1);
  const wb = wa.map((v) => v + (r() - 0.5) * 2e-4);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, C]]], outputs: [['phase', 'float32', [1, C / 2]]],
    initializers: [tensor('wa', 'float32', [C, C], wa), tensor('wb', 'float32', [C, C], wb), tensor('wc', 'float32', [C, C], new Array(C * C).fill(-1)),
      tensor('one', 'float32', [], [1]), tensor('halves', 'int64', [3], [1, 2, C / 2]), tensor('first', 'int64', [], [0]), tensor('zero', 'float32', [], [0]), tensor('pi', 'float32', [], [Math.PI]), tensor('mpi', 'float32', [], [-Math.PI])],
    nodes: [node('MatMul', ['x', 'wa'], ['ya']), node('MatMul', ['x', 'wb'], ['yb']), node('Sub', ['ya', 'yb'], ['a']),
      node('MatMul', ['x', 'wc'], ['b0']), node('Sub', ['b0', 'one'], ['b']),
      node('Div', ['a', 'b'], ['q']), node('Atan', ['q'], ['t']), node('Less', ['b', 'zero'], ['neg']),
      node('GreaterOrEqual', ['a', 'zero'], ['up']), node('Where', ['up', 'pi', 'mpi'], ['turn']), node('Add', ['t', 'turn'], ['t2']),
      node('Where', ['neg', 't2', 't'], ['phase2']), node('Reshape', ['phase2', 'halves'], ['pair']), node('Gather', ['pair', 'first'], ['phase'], { axis: 1 })],
  }));
}

const model = path.join(tmp, 'phase.onnx');
fs.writeFileSync(model, phaseModel());

test('dynamic weights moving an atan2 phase across ±π: judged by the wrapped difference, written (main: refused)', () => {
  const out = path.join(tmp, 'phase_dynamic.tflite');
  const r = convertCli(model, '--quantize', 'dynamic', '--json', '-o', out);
  assert.equal(r.code, 0, r.out + r.err);
  const m = JSON.parse(r.out).models[0];
  assert.equal(m.quantization.guard.met, true);
  assert.ok(m.quantization.guard.cosine >= 0.999, String(m.quantization.guard.cosine));
  assert.ok(m.verification.maxRel < 1e-2, String(m.verification.maxRel));
  // The phase did cross the cut on some bins (else this test proves nothing), and the user is told.
  assert.ok(m.warnings.some((w: string) => /output 'phase' is an angle \(made by ATAN2\): compared by its wrapped difference \([1-9]\d* of 32 values/.test(w)), m.warnings.join('\n'));
  assert.ok(fs.existsSync(out));
});
