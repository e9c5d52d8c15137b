// Paraformer's CIF (FunASR / sherpa-onnx): a token fires each time the alphas summed over the frames cross an integer
// (NonZero over data), so the acoustic embeddings' count, and the decoder's token axis after them, are known only at
// run time: ScatterND into a run-time row count (the rolled frames' first row zeroed) wraps its indices by the
// measured row count, and every later op runs on that count. Fixture: test/fixtures/paraformer/make_paraformer.py.
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

const FILE = 'test/fixtures/paraformer/paraformer_tiny.onnx';
const FRAMES = 30;

function shapes(batch: number): Map<string, number[]> {
  return new Map([['speech', [batch, FRAMES, 40]], ['speech_lengths', [batch]]]);
}

function feeds(lengths: number[], seed: number): Tensor[] {
  const n = lengths.length * FRAMES * 40;
  return [makeTensor('speech', 'float32', [lengths.length, FRAMES, 40], waveValues(n, seed)),
    makeTensor('speech_lengths', 'int64', [lengths.length], lengths)];
}

function relDiff(ref: Tensor, got: Tensor): number {
  const [r, g] = [toFloat32(ref), toFloat32(got)];
  let maxRef = 0, maxDiff = 0;
  r.forEach((v, i) => { maxRef = Math.max(maxRef, Math.abs(v)); maxDiff = Math.max(maxDiff, Math.abs(v - g[i]!)); });
  return maxDiff / maxRef;
}

async function matches(bytes: Uint8Array, cases: number[][]): Promise<number[][]> {
  const lite = await openConverted(bytes);
  const counts: number[][] = [];
  try {
    for (const [k, lengths] of cases.entries()) {
      const ins = feeds(lengths, k + 1);
      const ref = await runOnnx(FILE, ins);
      const got = await lite.run(ins);
      assert.deepEqual(got.get('logits')!.dims, ref.get('logits')!.dims, `lengths ${lengths}`);
      assert.deepEqual(Array.from(toFloat32(got.get('token_num')!)), Array.from(toFloat32(ref.get('token_num')!)));
      const rel = relDiff(ref.get('logits')!, got.get('logits')!);
      assert.ok(rel <= 1e-5, `lengths ${lengths}: rel ${rel}`);
      counts.push(Array.from(toFloat32(ref.get('token_num')!)));
    }
  } finally {
    lite.close();
  }
  return counts;
}

test('Paraformer (encoder, CIF, decoder) converts with only --input-shape: the token count is the data\'s at run time', async () => {
  // Was refused: `"shift_frames" has dynamic dims [unk_5, 16]; ... ScatterND needs them known when converting`.
  const res = convertModel(readModelFile(FILE), { inputShapes: shapes(1) });
  const sg = res.model.subgraphs[0]!;
  assert.deepEqual(sg.tensors[sg.outputs[0]!]!.shapeSignature, [1, -1, 20], 'the token axis is known only at run time');
  // One converted model, three utterance lengths: three token counts, each matching onnxruntime.
  const counts = (await matches(serializeTflite(res.model), [[30], [17], [6]])).map((c) => c[0]!);
  assert.equal(new Set(counts).size, 3, `token counts ${counts}`);
  assert.ok(counts.every((n) => n >= 1), `token counts ${counts}`);
});

test('a batch of two utterances: ragged token counts padded to the longer', async () => {
  const res = convertModel(readModelFile(FILE), { inputShapes: shapes(2) });
  const [counts] = await matches(serializeTflite(res.model), [[30, 19]]);
  assert.ok(counts![0] !== counts![1], `token counts ${counts}`);
});

test('the self-check feeds speech lengths of the padded length, so tokens fire (length 0 fires none)', async () => {
  const res = convertModel(readModelFile(FILE), { inputShapes: shapes(1) });
  const bytes = serializeTflite(res.model);
  const model = parseTflite(bytes);
  assert.deepEqual(tokenSeeds(model, modelIo(model).inputs, 1).get('speech_lengths'), [FRAMES]);
  const v = await verifyOnLiteRt(FILE, bytes);
  assert.ok(v.maxRel <= 1e-5, `rel ${v.maxRel}`);
  // onnxruntime itself cannot run a CIF that fires no token (ScatterND into zero rows): neither is it LiteRT's case.
  await assert.rejects(runOnnx(FILE, feeds([0], 1)), /ScatterND/);
  assert.ok(readFileSync(FILE).length < 300_000);
});

test('torch 1.13\'s export of the CIF (a [1, L] mask expanded to [1, L, D]) fails on both runtimes: the refusal says so', async () => {
  const file = 'test/fixtures/paraformer/cif_torch113.onnx';
  const res = convertModel(readModelFile(file), { inputShapes: new Map([['hidden', [1, 12, 8]], ['alphas', [1, 12]]]) });
  await assert.rejects(verifyOnLiteRt(file, serializeTflite(res.model)),
    /fails on LiteRT, nothing written: .*; onnxruntime fails on the same inputs too \(.*Expand.*\): the ONNX model itself does not run/);
});
