// The worker thread as the extension runs it (dist/worker.js, built by `npm test`): `open` of an .onnx file is
// answered by the small entry bundle, and the rest (dist/worker-heavy.js: full read, shapes, statistics,
// compatibility, .tflite files, jobs) is loaded on first use. Its answers and errors are those of the same code run
// in-process (LocalBackend, from the sources).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClient, runJob } from '../../src/extension/worker-client';
import { LocalBackend } from '../../src/worker/handlers';
import type { Backend } from '../../src/worker/handlers';
import { readModelFile } from '../../src/onnx/reader';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'dist/worker.js');
const TINY = path.join(ROOT, 'samples/tinycnn.onnx');

test('dist/worker.js holds the lean read; the full reader, converter and runtimes are in dist/worker-heavy.js', () => {
  const sources: string[] = JSON.parse(fs.readFileSync(`${SCRIPT}.map`, 'utf8')).sources;
  assert.ok(sources.some((s) => s.endsWith('src/onnx/lean-reader.ts')));
  const heavy = /src\/(onnx\/reader|generated|convert|ir\/shapes|tflite|quantize|calibration|compare|deploy|runtime|micro)\/|src\/worker\/(heavy|jobs|features|model-service)\.ts|node_modules\/(flatbuffers|long)\/|protobufjs\/src\/(root|type|namespace)\.js/;
  assert.deepEqual(sources.filter((s) => heavy.test(s)), []);
  assert.ok(fs.existsSync(path.join(ROOT, 'dist/worker-heavy.js')));
});

/** The same requests to both backends: the same answers, or the same error line. */
async function same<T>(local: Backend, worker: Backend, ask: (b: Backend) => Promise<T>): Promise<T> {
  const settle = (p: Promise<T>) => p.then((v) => ({ v }), (e: Error) => ({ e: e.message }));
  const [a, b] = [await settle(ask(local)), await settle(ask(worker))];
  assert.deepEqual(b, a);
  if ('e' in b) throw new Error(b.e);
  return b.v;
}

test('the worker thread answers as the in-process handlers do: graph, shapes, statistics, verdicts, .tflite, errors', async () => {
  const local = new LocalBackend();
  const worker = new WorkerClient(SCRIPT);
  try {
    const graph = await same(local, worker, (b) => b.request('open', { file: TINY, inputShapes: {} }));
    assert.equal(graph.format, 'onnx');
    assert.ok((await same(local, worker, (b) => b.request('shapes', { file: TINY })))?.shapes);
    const weight = [...readModelFile(TINY).graph.initializers.keys()][0];
    assert.ok((await same(local, worker, (b) => b.request('stats', { file: TINY, tensor: weight }))));
    await assert.rejects(same(local, worker, (b) => b.request('stats', { file: TINY, tensor: 'nowhere' })), /not a constant/);
    assert.ok((await same(local, worker, (b) => b.request('compat', { file: TINY }))).report);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-worker-'));
    const out = path.join(dir, 'tinycnn.tflite');
    const job = { file: TINY, out, quantization: 'float32' as const };
    const converted = await runJob(SCRIPT, 'convert', job, () => {}, () => {});
    assert.equal(converted.out, out);
    const tfl = await same(local, worker, (b) => b.request('open', { file: out }));
    assert.equal(tfl.format, 'tflite');
    assert.equal(await same(local, worker, (b) => b.request('shapes', { file: out })), null);

    const bad = path.join(dir, 'random.onnx');
    fs.writeFileSync(bad, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 255)));
    await assert.rejects(same(local, worker, (b) => b.request('open', { file: bad })), /not a valid ONNX model/);
    await assert.rejects(same(local, worker, (b) => b.request('open', { file: path.join(dir, 'missing.onnx') })), /no such file/);
    fs.writeFileSync(path.join(dir, 'empty.tflite'), '');
    await assert.rejects(same(local, worker, (b) => b.request('open', { file: path.join(dir, 'empty.tflite') })), /is empty/);
    await same(local, worker, (b) => b.request('close', { file: TINY }));
    await assert.rejects(same(local, worker, (b) => b.request('shapes', { file: TINY })), /is not open/);
  } finally {
    await worker.dispose();
  }
});
