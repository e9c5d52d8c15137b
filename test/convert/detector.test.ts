// A detector-shaped fixture (test/fixtures/make_tiny_detector.py: NonZero, GatherND, TopK with a computed K,
// batched NMS behind an empty-guard If, Slice, Gather) converts with outputs sized at run time and gives on LiteRT
// the same boxes, scores and labels as onnxruntime-node, image after image (the counts differ between images).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toNumbers } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';

const FIXTURE = 'test/fixtures/tiny_detector.onnx';

/** Seeded uniform [0, 1) image. */
function image(seed: number): Tensor {
  let s = seed;
  const data = new Float32Array(3 * 32 * 32).map(() => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648));
  return { name: 'image', dtype: 'float32', dims: [1, 3, 32, 32], data };
}

test('tiny detector: outputs sized at run time, marked -1 in shape_signature', () => {
  const r = convertModel(readModelFile(FIXTURE));
  const sg = parseTflite(serializeTflite(r.model)).subgraphs[0];
  for (const o of sg.outputs) assert.ok(sg.tensors[o].shapeSignature?.includes(-1), `${sg.tensors[o].name} is not marked dynamic`);
  for (const op of ['WHERE', 'TOPK_V2', 'NON_MAX_SUPPRESSION_V4', 'GATHER_ND']) assert.ok(r.opHistogram[op], `no ${op}`);
  assert.ok(!r.opHistogram.IF, 'the empty-guard If is inlined');
});

test('tiny detector: same boxes, scores and labels on LiteRT as on onnxruntime', async () => {
  const bytes = serializeTflite(convertModel(readModelFile(FIXTURE)).model);
  const lite = await openConverted(bytes);
  const counts = new Set<number>();
  try {
    for (const seed of [1, 2, 3, 4, 5]) {
      const x = image(seed);
      const ref = await runOnnx(FIXTURE, [x]);
      const got = await lite.run([x]);
      for (const name of ['boxes', 'scores', 'labels']) {
        const r = ref.get(name)!;
        const g = got.get(name)!;
        assert.deepEqual(g.dims, r.dims, `${name} (image ${seed})`);
        const a = toNumbers(r);
        const b = toNumbers(g);
        const maxRef = Math.max(1e-12, ...a.map(Math.abs));
        a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-4 * maxRef, `${name}[${i}] (image ${seed}): ${b[i]} vs ${v}`));
      }
      counts.add(ref.get('scores')!.dims[0]);
    }
  } finally {
    lite.close();
  }
  assert.ok(counts.size > 1, `every image kept the same number of boxes (${[...counts]}): the test would not see sizes change`);
});

test('tiny detector: compare taps tensors sized at run time, layer by layer', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { compareModels } = await import('../../src/compare/compare');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h3-detector-'));
  try {
    const tfl = path.join(dir, 'tiny_detector.tflite');
    fs.writeFileSync(tfl, serializeTflite(convertModel(readModelFile(FIXTURE)).model));
    const r = await compareModels(FIXTURE, tfl);
    assert.ok(r.coverage.percent >= 70, `coverage ${r.coverage.percent}%`);
    assert.equal(r.outputs.length, 3);
    for (const o of r.outputs) assert.ok(o.rel <= 1e-4, `output ${o.tensor}: rel ${o.rel}`);
    assert.equal(r.firstDivergence, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tiny detector: the compatibility view agrees with convert (the empty-guard If is builtin)', async () => {
  const { analyzeCompatibility } = await import('../../src/convert/compat');
  const report = analyzeCompatibility(readModelFile(FIXTURE));
  assert.deepEqual(report.nodes.filter((n) => n.status !== 'builtin').map((n) => `${n.node}: ${n.reason}`), []);
  assert.ok(report.nodes.some((n) => n.opType === 'If' && n.status === 'builtin'));
});
