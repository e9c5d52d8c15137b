// Piper's whole VITS `infer`: after the length regulator the frame count sum(ceil(durations)) is known only at run
// time, so the flows' Conv1d / Split / Concat and the HiFi-GAN decoder's Conv1d and ConvTranspose1d run on a length
// with shape_signature -1, and the audio output's length follows it. Fixture: test/fixtures/vits-infer/make_vits_infer.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { convertModel } from '../../src/convert/convert';
import { verifyOnLiteRt } from '../../src/core/verify';
import { tokenSeeds } from '../../src/core/verify-seeds';
import { modelIo } from '../../src/deploy/tensors';
import { makeTensor, toFloat32 } from '../../src/ir/tensor';
import type { Tensor } from '../../src/ir/types';
import { readModelFile } from '../../src/onnx/reader';
import { runOnnx } from '../../src/runtime/ort';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { serializeTflite } from '../../src/tflite/writer';
import { parseTflite } from '../../src/tflite/reader';
import { waveValues } from '../helpers/match';

const FILE = 'test/fixtures/vits-infer/piper_tiny.onnx';
const SHAPES = new Map([['input', [1, 12]], ['input_lengths', [1]], ['noise_dp', [1, 2, 12]]]);
const HOP = 8; // the decoder's upsampling: 4 × 2

function feeds(lengthScale: number, seed: number): Tensor[] {
  const ids = Array.from({ length: 12 }, (_, i) => 1 + ((i * 7 + seed * 5) % 19));
  return [
    makeTensor('input', 'int64', [1, 12], ids), makeTensor('input_lengths', 'int64', [1], [12]),
    makeTensor('scales', 'float32', [3], [0.667, lengthScale, 0.8]),
    makeTensor('noise_dp', 'float32', [1, 2, 12], waveValues(24, seed)), makeTensor('noise', 'float32', [1, 8, 96], waveValues(768, seed + 1)),
  ];
}

function relDiff(ref: Tensor, got: Tensor): number {
  const [r, g] = [toFloat32(ref), toFloat32(got)];
  let maxRef = 0, maxDiff = 0;
  r.forEach((v, i) => { maxRef = Math.max(maxRef, Math.abs(v)); maxDiff = Math.max(maxDiff, Math.abs(v - g[i]!)); });
  return maxDiff / maxRef;
}

test('Piper (VITS) infer converts with only --input-shape: flows and HiFi-GAN on a run-time frame count match onnxruntime', async () => {
  // Was refused: `/flows.0/pre/Conv: ... has dynamic dims [1, 4, unk]`, Conv needing its length when converting.
  const res = convertModel(readModelFile(FILE), { inputShapes: SHAPES });
  const sg = res.model.subgraphs[0]!;
  assert.deepEqual(sg.tensors[sg.outputs[0]!]!.shapeSignature, [1, -1], 'the audio length is known only at run time');
  assert.equal(res.opHistogram.TRANSPOSE_CONV, 2);
  // The text encoder's head splits and merge (4), the noise input's slice to the frame count, made in ONNX order (2),
  // and the attention mask's (1): none in the flows or the decoder (11 before their zeros_like Adds and
  // exp(-zeros_like) Muls became identities).
  assert.ok(res.transposeCount <= 7, `TRANSPOSE ${res.transposeCount}`);
  const lite = await openConverted(serializeTflite(res.model));
  try {
    const lengths: number[] = [];
    // One converted model, three texts' durations: 1.0 / 2.5 / 0.5 length scales give different frame counts.
    for (const [scale, seed] of [[1.0, 1], [2.5, 2], [0.5, 3]] as const) {
      const ins = feeds(scale, seed);
      const ref = (await runOnnx(FILE, ins)).get('output')!;
      const got = (await lite.run(ins)).get('output')!;
      assert.deepEqual(got.dims, ref.dims);
      assert.ok(relDiff(ref, got) <= 1e-5, `length scale ${scale}: rel ${relDiff(ref, got)}`);
      lengths.push(ref.dims[1]! / HOP);
    }
    assert.equal(new Set(lengths).size, 3, `frame counts ${lengths}`);
    assert.ok(lengths.every((n) => n >= 12), `frame counts ${lengths}`); // each phoneme at least one frame
  } finally {
    lite.close();
  }
});

test('the self-check feeds a TTS model token ids in range and lengths of the padded length, not 0', async () => {
  const res = convertModel(readModelFile(FILE), { inputShapes: SHAPES });
  const bytes = serializeTflite(res.model);
  const model = parseTflite(bytes);
  const seeds = tokenSeeds(model, modelIo(model).inputs, 1);
  assert.deepEqual(seeds.get('input_lengths'), [12]);
  const ids = seeds.get('input')!;
  assert.equal(ids.length, 12);
  assert.ok(ids.every((v) => v >= 1 && v < 20) && new Set(ids).size > 3, `ids ${ids}`);
  assert.deepEqual(seeds.get('scales'), [1, 1, 1]);
  const v = await verifyOnLiteRt(FILE, bytes);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
  // A model without a length input beside its ids seeds no lengths: its offsets keep the generator's integers, and its
  // ids, which reach the embedding table through a slice (EmbeddingBag's Loop), are drawn within the table's 100 rows.
  const kws = convertModel(readModelFile('test/fixtures/sweep8-speech/fasttext_bag.onnx'));
  const km = parseTflite(serializeTflite(kws.model));
  const bag = tokenSeeds(km, modelIo(km).inputs, 1);
  assert.deepEqual([...bag.keys()], ['text']);
  assert.ok(bag.get('text')!.every((v) => Number.isInteger(v) && v >= 0 && v < 100), `ids ${bag.get('text')}`);
  assert.ok(readFileSync(FILE).length < 300_000);
});

test('Piper\'s own export (noises drawn inside: RandomNormalLike) converts; the self-check compares the draws at their mean', async () => {
  // Was refused: RandomNormal was marked Flex-only ("RandomStandardNormal"); LiteRT has RANDOM_STANDARD_NORMAL.
  const file = 'test/fixtures/vits-infer/piper_tiny_randn.onnx';
  const res = convertModel(readModelFile(file), { inputShapes: new Map([['input', [1, 12]], ['input_lengths', [1]]]) });
  assert.equal(res.opHistogram.RANDOM_STANDARD_NORMAL, 2);
  const bytes = serializeTflite(res.model);
  const notes: string[] = [];
  const v = await verifyOnLiteRt(file, bytes, notes);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
  assert.match(notes.join('\n'), /draws random numbers/);
  // The written model draws its own noise (LiteRT's, fixed seeds): with the noise scales 0 the audio is another one.
  // On LiteRT.js the capped copy that measures the output's length and a sized copy must draw alike (litert-dynamic.ts):
  // it failed ("XNNPack delegate failed to reshape runtime") when the duration noise changed the frame count.
  const lite = await openConverted(bytes);
  try {
    const ins = feeds(1.0, 1).slice(0, 3);
    const quiet = [ins[0]!, ins[1]!, makeTensor('scales', 'float32', [3], [0, 1, 0])];
    const [a, b, c] = [(await lite.run(ins)).get('output')!, (await lite.run(ins)).get('output')!, (await lite.run(quiet)).get('output')!];
    assert.ok(a.dims[1]! >= 12 * HOP && c.dims[1]! >= 12 * HOP, `${a.dims} ${c.dims}`);
    assert.deepEqual(a.dims, b.dims);
    assert.ok(a.dims[1] !== c.dims[1] || relDiff(c, a) > 1e-3, 'the drawn noise changed nothing');
  } finally {
    lite.close();
  }
});
