// `onnx2lite micro` on real models: the shared CNNs converted to int8 in the test (nearest rounding, no 16x8, to keep
// it fast) and a float32 one. The resolver must register exactly the model's builtin ops, and the generated
// _model_data.cc, compiled with the system C++ compiler next to a small main that writes the array out, must give
// back the .tflite byte for byte.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { quantizeModelBytes } from '../../src/quantize/file';
import { convertModel } from '../../src/convert/convert';
import { readModelFile } from '../../src/onnx/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { exportMicro } from '../../src/micro/export';
import { MICRO_OPS } from '../../src/micro/ops';
import { integerOnlyHardSwish } from '../../src/micro/integer-only';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-micro-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const METHOD_TO_OP = new Map(Object.entries(MICRO_OPS).map(([op, m]) => [m, op]));
const CNNS = ['squeezenet1_1', 'mnasnet0_5', 'mobilenet_v2', 'mobilenet_v3_small'];

async function int8(name: string, int16: 'off' | 'all' = 'off'): Promise<string> {
  const src = `../shared/models/${name}.onnx`;
  // Random calibration samples (the resolver, not accuracy, is tested here): the accuracy guard may refuse.
  const { result } = await quantizeModelBytes(fs.readFileSync(src), src, {}, { mode: 'int8', weightRounding: 'nearest', int16, allowDegraded: true });
  const out = path.join(tmp, `${name}_${int16 === 'off' ? 'int8' : '16x8'}.tflite`);
  fs.writeFileSync(out, serializeTflite(result.model));
  return out;
}

/** The builtin ops the resolver header registers, and its template size. */
function resolverOps(file: string): { ops: string[]; k: number } {
  const text = fs.readFileSync(file, 'utf8');
  const methods = [...text.matchAll(/r\.(Add[A-Za-z0-9]+)\(\)/g)].map((m) => m[1]);
  const k = Number(/constexpr unsigned int k\w+OpCount = (\d+);/.exec(text)?.[1]);
  assert.match(text, /tflite::MicroMutableOpResolver<k\w+OpCount>/);
  assert.match(text, /inline TfLiteStatus Register\w+Ops\(\w+OpResolver& r\)/);
  return { ops: methods.map((m) => METHOD_TO_OP.get(m) ?? `?${m}`), k };
}

/** The builtin ops of the model micro embeds: the file's, with an int8 HARD_SWISH's float form written back as
 *  integer ops (src/micro/integer-only.ts). */
function modelOps(file: string): string[] {
  const m = parseTflite(fs.readFileSync(file));
  integerOnlyHardSwish(m);
  return [...new Set(m.subgraphs.flatMap((g) => g.operators.map((o) => o.opcode)))].sort();
}

function checkExport(tflite: string): ReturnType<typeof exportMicro> {
  const outDir = fs.mkdtempSync(path.join(tmp, 'out-'));
  const r = exportMicro(tflite, { outDir });
  const name = path.basename(tflite, '.tflite');
  assert.deepEqual(r.result.files.map((f) => path.basename(f)), [`${name}_model_data.h`, `${name}_model_data.cc`, `${name}_op_resolver.h`]);
  assert.deepEqual(fs.readdirSync(outDir).sort(), r.result.files.map((f) => path.basename(f)).sort(), 'no temporaries left');
  const { ops, k } = resolverOps(r.result.files[2]);
  assert.deepEqual([...ops].sort(), modelOps(tflite), 'exactly the model\'s ops');
  assert.equal(new Set(ops).size, ops.length, 'each op once');
  assert.equal(k, ops.length);
  assert.deepEqual(r.result.opResolver, { ops: modelOps(tflite), count: k });
  const header = fs.readFileSync(r.result.files[0], 'utf8');
  assert.match(header, new RegExp(`from ${name}\\.tflite \\(${r.result.bytes} bytes\\)`));
  assert.match(header, /ESTIMATE/);
  assert.equal(Number(/TensorArenaSize = (\d+);/.exec(header)?.[1]), r.result.arenaEstimateBytes);
  assert.ok(r.result.arenaEstimateBytes > r.analysis.arena.activationBytes && r.analysis.arena.activationBytes > 0);
  return r;
}

for (const name of CNNS) {
  test(`${name} int8: the resolver registers exactly the model's ops`, async () => {
    const r = checkExport(await int8(name));
    assert.equal(r.analysis.floatOps, 0);
    assert.deepEqual(r.analysis.notes, []);
    assert.ok(r.result.opResolver.ops.includes('QUANTIZE') && r.result.opResolver.ops.includes('CONV_2D'));
  });
}

test('mobilenet_v3_small int8: the .tflite has the float HARD_SWISH form (for XNNPack), micro embeds the integer one', async () => {
  const file = path.join(tmp, 'mobilenet_v3_small_int8.tflite');
  if (!fs.existsSync(file)) await int8('mobilenet_v3_small');
  const sg = parseTflite(fs.readFileSync(file)).subgraphs[0];
  const hs = sg.operators.filter((o) => o.opcode === 'HARD_SWISH');
  assert.ok(hs.length > 0 && hs.every((o) => sg.tensors[o.inputs[0]].type === 'FLOAT32'), 'float HARD_SWISH between DEQUANTIZE and QUANTIZE');
  const r = checkExport(file);
  assert.ok(!r.result.opResolver.ops.includes('HARD_SWISH'), r.result.opResolver.ops.join(' '));
  assert.equal(r.analysis.floatOps, 0);
  const embedded = parseTflite(fs.readFileSync(file));
  assert.equal(integerOnlyHardSwish(embedded), hs.length);
  const esg = embedded.subgraphs[0];
  const count = (ops: { opcode: string }[], op: string) => ops.filter((o) => o.opcode === op).length;
  assert.equal(count(esg.operators, 'DEQUANTIZE'), count(sg.operators, 'DEQUANTIZE') - hs.length);
  assert.equal(count(esg.operators, 'QUANTIZE'), count(sg.operators, 'QUANTIZE') - hs.length);
  const edge = new Set([...esg.inputs, ...esg.outputs]);
  assert.ok(esg.tensors.every((t, i) => t.type !== 'FLOAT32' || t.data || edge.has(i)), 'no float32 activation inside');
  assert.equal(r.result.bytes, serializeTflite(embedded).byteLength);
});

test('16x8 (--int16 all): conv/depthwise/FC/ADD in int16 export with a note; an int16 GATHER is refused', async () => {
  const r = checkExport(await int8('mobilenet_v3_small', 'all'));
  assert.ok(r.analysis.int16Ops > 0);
  assert.match(r.analysis.notes.join('\n'), /16x8/);
  const shuffle = await int8('shufflenet_v2_x1_0', 'all');
  const outDir = fs.mkdtempSync(path.join(tmp, 'out-'));
  assert.throws(() => exportMicro(shuffle, { outDir }), /^ModelError: GATHER with int16 activations: TFLite Micro has no 16x8 kernel for it; reconvert with --quantize int8 --int16 off$/);
  assert.deepEqual(fs.readdirSync(outDir), []);
});

test('a float32 model exports, with a note about --quantize int8', () => {
  const model = readModelFile('../shared/models/mobilenet_v3_small.onnx');
  const out = path.join(tmp, 'mobilenet_v3_small.tflite');
  fs.writeFileSync(out, serializeTflite(convertModel(model, { source: 'mobilenet_v3_small.onnx' }).model));
  const r = checkExport(out);
  assert.ok(r.analysis.floatOps > 0);
  assert.match(r.analysis.notes.join('\n'), /--quantize int8/);
  assert.ok(!r.result.opResolver.ops.includes('QUANTIZE'));
});

test('the generated _model_data.cc compiles with g++ and holds the .tflite byte for byte', async () => {
  const gxx = spawnSync('g++', ['--version'], { encoding: 'utf8' });
  assert.equal(gxx.status, 0, 'g++ is needed (apt-get install g++; .ci/run installs it)');
  const tflite = path.join(tmp, 'squeezenet1_1_int8.tflite');
  if (!fs.existsSync(tflite)) await int8('squeezenet1_1');
  const outDir = fs.mkdtempSync(path.join(tmp, 'cc-'));
  const { result } = exportMicro(tflite, { outDir, name: 'sq' });
  const main = path.join(outDir, 'main.cc');
  fs.writeFileSync(main, [
    '#include <cstdint>', '#include <cstdio>', '#include "sq_model_data.h"',
    'int main(int argc, char** argv) {',
    '  if (reinterpret_cast<std::uintptr_t>(g_sq_model_data) % 16 != 0) return 3;',
    '  std::FILE* f = std::fopen(argv[1], "wb");',
    '  if (!f) return 2;',
    '  std::size_t n = std::fwrite(g_sq_model_data, 1, g_sq_model_data_len, f);',
    '  std::fclose(f);',
    '  std::printf("%u\\n", kSqTensorArenaSize);',
    '  return n == g_sq_model_data_len ? 0 : 1;',
    '}', '',
  ].join('\n'));
  const exe = path.join(outDir, 'dump');
  const cc = spawnSync('g++', ['-std=c++17', '-O0', '-Wall', '-Werror', '-o', exe, main, result.files[1]], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(cc.status, 0, cc.stderr);
  const dumped = path.join(outDir, 'dumped.tflite');
  const run = spawnSync(exe, [dumped], { encoding: 'utf8' });
  assert.equal(run.status, 0, `exit ${run.status}`);
  assert.equal(Number(run.stdout.trim()), result.arenaEstimateBytes);
  assert.ok(fs.readFileSync(dumped).equals(fs.readFileSync(tflite)), 'bytes differ');
});
