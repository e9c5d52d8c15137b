// The int8 accuracy guard (`--min-cosine`, default 0.99): a model whose int8 output collapses is refused with the
// layers to blame and nothing written; `--allow-degraded` writes it with a warning; a model that meets it is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTflite } from '../../src/tflite/reader';
import { quantizeModelBytes } from '../../src/quantize/file';
import { collapsingModel, convertCli as cli, smallCnn } from './helpers';
import { worstDrops } from '../../src/quantize/guard';
import { SNR_CAP } from '../../src/compare/metrics';
import type { LayerResult } from '../../src/compare/types';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-guard-test-'));
const collapsing = path.join(tmp, 'collapse.onnx');
fs.writeFileSync(collapsing, collapsingModel());

test('a collapsed int8 model is refused: exit 1, the layers to blame, nothing written, an existing file untouched', () => {
  const out = path.join(tmp, 'collapse_int8.tflite');
  // --int16 off: no search (with it, the ADD / SUB stay float32 within plain int8's size plus 10% and it is written).
  const r = cli(collapsing, '--quantize', 'int8', '--int16', 'off', '-o', out);
  assert.equal(r.code, 1, r.out + r.err);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /output cosine -?0\.\d+ .* below --min-cosine 0\.99/);
  assert.match(r.err, /layers to blame .*shift_down \(Sub\)/);
  assert.match(r.err, /nothing written/);
  assert.ok(!fs.existsSync(out));
  fs.writeFileSync(out, 'previous');
  assert.equal(cli(collapsing, '--quantize', 'int8', '--int16', 'off', '-o', out).code, 1);
  assert.equal(fs.readFileSync(out, 'utf8'), 'previous');
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), []);
  // --json: the error is reported per model and the exit code says it failed.
  const j = cli(collapsing, '--quantize', 'int8', '--int16', 'off', '--json', '-o', path.join(tmp, 'json.tflite'));
  assert.equal(j.code, 1);
  assert.match(JSON.parse(j.out).models[0].error, /below --min-cosine/);
  assert.ok(!fs.existsSync(path.join(tmp, 'json.tflite')));
});

test('a collapsed output the exporter casts to float64 is judged too: refused, nothing written', () => {
  const doubled = path.join(tmp, 'collapse-f64.onnx');
  fs.writeFileSync(doubled, collapsingModel(true));
  const out = path.join(tmp, 'collapse-f64_int8.tflite');
  const r = cli(doubled, '--quantize', 'int8', '--int16', 'off', '-o', out);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.err, /output cosine -?0\.\d+ .* below --min-cosine 0\.99/);
  assert.ok(!fs.existsSync(out));
});

test('--allow-degraded writes the collapsed model with a warning and the guard in --json', () => {
  const out = path.join(tmp, 'degraded.tflite');
  const r = cli(collapsing, '--quantize', 'int8', '--int16', 'off', '--allow-degraded', '--json', '-o', out);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(r.out).models[0];
  assert.ok(m.warnings.some((w: string) => /below --min-cosine 0\.99.*shift_down.*written anyway because of --allow-degraded/.test(w)), m.warnings.join('\n'));
  assert.equal(m.quantization.guard.met, false);
  assert.ok(m.quantization.guard.cosine < 0.5);
  assert.ok(m.quantization.guard.blame.some((b: { node: string }) => b.node === 'shift_down'));
  assert.ok(parseTflite(fs.readFileSync(out)).subgraphs[0].tensors.some((t) => t.type === 'INT8'));
});

test('the search keeps the collapsing ops float32 when plain int8 is over 35% already: written, the budget named', () => {
  const out = path.join(tmp, 'searched.tflite');
  const r = cli(collapsing, '--quantize', 'int8', '--json', '-o', out);
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(r.out).models[0];
  assert.equal(m.quantization.guard.met, true);
  assert.equal(m.quantization.searchBudget.basis, 'plain-int8');
  assert.ok(m.quantization.floatOps > 0);
  assert.ok(fs.existsSync(out));
});

test('--min-cosine: a model that meets it is written; a stricter one than int8 reaches is refused; bad values', async () => {
  const ok = await quantizeModelBytes(smallCnn(), 'small.onnx', {}, { mode: 'int8', int16: 'off' });
  assert.equal(ok.summary.guard?.met, true);
  assert.ok((ok.summary.guard?.cosine ?? 0) >= 0.99);
  await assert.rejects(quantizeModelBytes(smallCnn(), 'small.onnx', {}, { mode: 'int8', int16: 'off', minCosine: 1 }),
    (e: Error) => e.name === 'ModelError' && /below --min-cosine 1;.*nothing written/.test(e.message));
  const small = path.join(tmp, 'small.onnx');
  fs.writeFileSync(small, smallCnn());
  for (const [args, msg] of [
    [['--quantize', 'int8', '--min-cosine', 'high'], /--min-cosine takes a number from -1 to 1, not "high"/],
    [['--quantize', 'int8', '--min-cosine', '1.5'], /--min-cosine takes a number from -1 to 1/],
    // fp16 / dynamic take --min-cosine / --allow-degraded too (weight-only-guard.ts), with the same checks of the value.
    [['--quantize', 'dynamic', '--min-cosine', '1.5'], /--min-cosine takes a number from -1 to 1/],
    [['--quantize', 'dynamic', '--search-time', '5'], /--search-time applies to --quantize int8 only/],
    [['--min-cosine', '0.9'], /--min-cosine needs --quantize/],
  ] as [string[], RegExp][]) {
    const r = cli(small, ...args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, msg);
  }
});

test('the blame ranks layers whose float32 values are all zero after every measurable one', () => {
  // HITNet-style stereo (sweep14): x − floor(x) of a whole-pixel disparity is 0 in float32 and a few int8 steps in
  // int8, -200 dB whatever the size; the guard named three such SUBs first, and keeping their chains float32 bought
  // nothing (output cosine 0.18 either way). A layer of finite error on a real signal comes first.
  const layer = (node: string, snrDb: number, inputSnrDb: number, extra: Partial<LayerResult> = {}): LayerResult =>
    ({ node, op: 'Sub', tensor: node, tflite: 0, maxAbs: 0.06, meanAbs: 0.01, rel: 0.01, cosine: 0.9, snrDb, inputSnrDb, ...extra });
  const frac = layer('/Sub_21', -SNR_CAP, -3, { rel: 0.06, cosine: 0 });
  const conv = layer('/conv', 12, 35, { op: 'Conv' });
  const nan = layer('/nan', -SNR_CAP, 40, { maxAbs: Infinity, meanAbs: Infinity, rel: Infinity, cosine: 0 });
  const blamed = worstDrops([frac, conv, nan]);
  assert.deepEqual(blamed.map((b) => b.node), ['/nan', '/conv', '/Sub_21']);
  assert.deepEqual(worstDrops([frac]).map((b) => b.node), ['/Sub_21'], 'named when nothing else is');
});
