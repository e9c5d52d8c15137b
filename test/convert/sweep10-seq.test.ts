// Tenth sweep, speech / language / sequence models (docs/model-sweep.md): each test holds a fix the sweep needed.
// Fixtures: test/fixtures/sweep10-seq/make_sweep10_seq.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertModel } from '../../src/convert/convert';
import { verifyOnLiteRt } from '../../src/core/verify';
import { tokenSeeds } from '../../src/core/verify-seeds';
import { modelIo } from '../../src/deploy/tensors';
import { readModelFile } from '../../src/onnx/reader';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { convertAndMatch, seededInputs } from '../helpers/match';
import { buildModel, node, tensor } from '../../src/onnx/builder';
import { encodeModel } from '../../src/onnx/writer';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIX = 'test/fixtures/sweep10-seq';

test('SincNet (pyannote segmentation): band-pass filters computed from learned cut-offs fold into the conv\'s weights', async () => {
  // The filters are MatMul (cut-offs × sample times), Sin / Cos, Clip of the band edges, Flip and Concat of
  // parameters only; MatMul and Clip had no folding kernel, so the conv read computed weights and was refused
  // ("Conv with computed weights is supported only for 2-D convolutions ...").
  const file = `${FIX}/sincnet_front.onnx`;
  const model = readModelFile(file);
  const m = await convertAndMatch(file, model, seededInputs(model, 3, -1, 1));
  assert.ok(m.worst <= 1e-5, `rel ${m.worst}`);
  assert.equal(m.result.opHistogram.CONV_2D, 1);
  for (const op of ['SIN', 'COS', 'BATCH_MATMUL', 'FULLY_CONNECTED']) assert.equal(m.result.opHistogram[op], undefined, op);
  assert.equal(m.result.transposeCount, 0);
});

test('the self-check seeds ids in range when the model makes its padding mask from them (DeepPhonemizer: text == 0)', async () => {
  // Its only input is the ids; seeded 0 they are all padding: a softmax over no key, NaN in onnxruntime, and convert
  // refused a model that matches on real text ("max rel error Infinity ... nothing written").
  const file = `${FIX}/g2p_forward.onnx`;
  const res = convertModel(readModelFile(file), { inputShapes: new Map([['text', [2, 12]]]) });
  const bytes = serializeTflite(res.model);
  const model = parseTflite(bytes);
  const ids = tokenSeeds(model, modelIo(model).inputs, 1).get('text')!;
  assert.equal(ids.length, 24);
  assert.ok(ids.every((v) => v >= 1 && v < 30) && new Set(ids).size > 5, `ids ${ids}`);
  const v = await verifyOnLiteRt(file, bytes);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
});

test('the self-check seeds a length input its mask\'s full length (NeMo TitaNet: arange(T) < length)', async () => {
  // Seeded 0, every frame was masked out: the squeeze-excite's masked mean 0 / 0 and the attentive pooling's softmax
  // over -inf only, NaN in onnxruntime, and convert refused a model matching on real lengths (TitaNet-small: 1.4e-6).
  const file = `${FIX}/titanet_tiny.onnx`;
  const res = convertModel(readModelFile(file), { inputShapes: new Map([['audio_signal', [2, 16, 40]], ['length', [2]]]) });
  const bytes = serializeTflite(res.model);
  const model = parseTflite(bytes);
  assert.deepEqual(tokenSeeds(model, modelIo(model).inputs, 1).get('length'), [40, 40]);
  const v = await verifyOnLiteRt(file, bytes);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
});

test('the self-check seeds a point count its mask\'s full length (PointPillars\' voxel_num_points: counts > arange(N))', async () => {
  // Seeded 0, every pillar's points mean was 0 / 0: NaN everywhere in onnxruntime, Inf in LiteRT, and convert refused
  // OpenPCDet's PointPillars (rel Infinity) though it matches on real counts (1.5e-6).
  const P = 6;
  const N = 5;
  const model = buildModel({
    inputs: [['voxels', 'float32', [P, N, 4]], ['voxel_num_points', 'int32', [P]]],
    outputs: ['features'],
    initializers: [tensor('ar', 'int32', [1, N], [0, 1, 2, 3, 4]), tensor('ax', 'int64', [1], [1]), tensor('ax2', 'int64', [1], [2])],
    nodes: [
      node('Unsqueeze', ['voxel_num_points', 'ax'], ['n1']), node('Greater', ['n1', 'ar'], ['mask']),
      node('Cast', ['mask'], ['maskf'], { to: 1 }), node('Unsqueeze', ['maskf', 'ax2'], ['mask3']), node('Mul', ['voxels', 'mask3'], ['masked']),
      node('ReduceSum', ['masked', 'ax'], ['sum'], { keepdims: 0 }), node('Cast', ['n1'], ['nf'], { to: 1 }), node('Div', ['sum', 'nf'], ['features']),
    ],
  });
  const file = join(mkdtempSync(join(tmpdir(), 'o2l-pillar-')), 'pillar_mean.onnx');
  writeFileSync(file, encodeModel(model));
  const bytes = serializeTflite(convertModel(model, {}).model);
  const tfl = parseTflite(bytes);
  assert.deepEqual(tokenSeeds(tfl, modelIo(tfl).inputs, 1).get('voxel_num_points'), new Array<number>(P).fill(N));
  const v = await verifyOnLiteRt(file, bytes);
  assert.ok(v.maxRel <= 1e-6 && v.cosine > 0.9999, `rel ${v.maxRel} cosine ${v.cosine}`);
});
