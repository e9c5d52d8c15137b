// The accuracy guard of `--quantize fp16 | dynamic` (src/quantize/weight-only-guard.ts): a self-check under
// --min-cosine (default 0.99) writes nothing and exits 1 unless --allow-degraded, as int8's guard does. Reversi's
// policy (s23-trained6) was written by dynamic with a warning at self-check cosine 0.2628 and played another move on
// 244 / 480 positions. Real LiteRT and onnxruntime-node through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { convertCli, rng, smallCnn } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-weight-guard-'));
const C = 64;

/** Two 1×1 convs over 64 channels whose weights differ by ~1e-4 (4,096 weights each: dynamic stores them int8), one
 *  subtracted from the other: float32 computes the small difference exactly, int8 weights (step ~1/127) round both
 *  alike and leave their scales' difference, float16 (step ~5e-4) much the same. */
function cancelling(): Uint8Array {
  const r = rng(3);
  const a = Array.from({ length: C * C }, () => r() * 2 - 1);
  const b = a.map((v) => v + (r() - 0.5) * 2e-4);
  return encodeModel(buildModel({
    inputs: [['x', 'float32', [1, C, 4, 4]]], outputs: [['y', 'float32', [1, C, 4, 4]]],
    initializers: [tensor('wa', 'float32', [C, C, 1, 1], a), tensor('wb', 'float32', [C, C, 1, 1], b)],
    nodes: [node('Conv', ['x', 'wa'], ['ya'], {}, 'conv_a'), node('Conv', ['x', 'wb'], ['yb'], {}, 'conv_b'), node('Sub', ['yb', 'ya'], ['y'], {}, 'difference')],
  }));
}

const [model, small] = [['cancel.onnx', cancelling()], ['small.onnx', smallCnn()]].map(([name, bytes]) => {
  const file = path.join(tmp, name as string);
  fs.writeFileSync(file, bytes);
  return file;
});
const cli = convertCli;

test('dynamic / fp16 under --min-cosine on the self-check: exit 1, nothing written; --allow-degraded writes it with a warning', () => {
  for (const mode of ['dynamic', 'fp16']) {
    const out = path.join(tmp, `cancel_${mode}.tflite`);
    const r = cli(model, '--quantize', mode, '-o', out);
    assert.equal(r.code, 1, `${mode}: ${r.out}${r.err}`);
    assert.match(r.err, new RegExp(`--quantize ${mode}: output cosine -?\\d\\.\\d+ against onnxruntime on the self-check's inputs is below --min-cosine 0\\.99.*nothing written`));
    assert.ok(!fs.existsSync(out), mode);
    const d = cli(model, '--quantize', mode, '--allow-degraded', '--json', '-o', out);
    assert.equal(d.code, 0, d.err);
    const m = JSON.parse(d.out).models[0];
    assert.equal(m.quantization.guard.met, false);
    assert.ok(m.quantization.guard.cosine < 0.99);
    assert.ok(m.warnings.some((w: string) => /below --min-cosine 0\.99.*written anyway because of --allow-degraded/.test(w)), m.warnings.join('\n'));
    assert.ok(fs.existsSync(out));
  }
});

test('dynamic that meets the bar is written with the guard in --json; a lower --min-cosine lets a worse one through; --no-verify has no guard', () => {
  const ok = cli(small, '--quantize', 'dynamic', '--json', '-o', path.join(tmp, 'small_dynamic.tflite'));
  assert.equal(ok.code, 0, ok.err);
  const g = JSON.parse(ok.out).models[0].quantization.guard;
  assert.equal(g.met, true);
  assert.equal(g.minCosine, 0.99);
  const low = cli(model, '--quantize', 'dynamic', '--min-cosine=-1', '--json', '-o', path.join(tmp, 'low.tflite'));
  assert.equal(low.code, 0, low.err);
  assert.equal(JSON.parse(low.out).models[0].quantization.guard.met, true);
  assert.equal(cli(model, '--quantize', 'dynamic', '--no-verify', '-o', path.join(tmp, 'unchecked.tflite')).code, 0);
});
