// Greedy decoding as torch.jit.script exports it (test/fixtures/control-flow/make_greedy_decoder.py): Embedding + GRU
// encoder, a GRU cell with dot-product attention (MatMul with 1-D operands), argmax, tokens grown by one per step and
// `break` at the end token — an ONNX Loop whose condition is computed in its body. Converted to TFLite WHILE (the cond
// subgraph reads the carried condition and the trip count) and run on LiteRT beside onnxruntime-node: the tokens are
// identical, the float outputs within 1e-4 of max|ref|, for a source that stops at the end token and one that runs
// every step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Tensor } from '../../src/ir/types';
import { readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';
import { toFloat32 } from '../../src/ir/tensor';

const FILE = 'test/fixtures/control-flow/greedy_decoder.onnx';
const MAX_LEN = 12;
// The sources make_greedy_decoder.py picked its seed with: A stops at the end token, B runs MAX_LEN steps.
const SOURCES: [string, number[]][] = [['A', [3, 5, 7, 9, 11, 13]], ['B', [2, 4, 6, 8, 10, 12]]];

test('torch.jit.script greedy decoder (break at EOS): TFLite WHILE, same tokens and float outputs as onnxruntime', async () => {
  const r = convertModel(readModelFile(FILE));
  assert.equal(r.opHistogram.WHILE, 1, JSON.stringify(r.opHistogram));
  assert.equal(r.opHistogram.TRANSPOSE ?? 0, 0, JSON.stringify(r.opHistogram));
  const lite = await openConverted(serializeTflite(r.model));
  const steps: number[] = [];
  try {
    for (const [label, src] of SOURCES) {
      const feed: Tensor = { name: 'src', dtype: 'int64', dims: [1, src.length], data: BigInt64Array.from(src.map(BigInt)) };
      const ref = await runOnnx(fs.readFileSync(FILE), [feed]);
      const got = await lite.run([feed]);
      const tokens = ref.get('tokens')!;
      steps.push(tokens.dims[1]);
      assert.deepEqual(got.get('tokens')!.dims, tokens.dims, `${label}: token count`);
      assert.deepEqual([...(got.get('tokens')!.data as BigInt64Array)].map(Number), [...(tokens.data as BigInt64Array)].map(Number), `${label}: tokens`);
      for (const name of ['h', 'logits']) {
        const a = toFloat32(ref.get(name)!);
        const b = toFloat32(got.get(name)!);
        assert.equal(b.length, a.length, `${label} ${name}`);
        let maxRef = 0;
        let maxDiff = 0;
        for (let i = 0; i < a.length; i++) { maxRef = Math.max(maxRef, Math.abs(a[i])); maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i])); }
        assert.ok(maxDiff <= 1e-4 * maxRef, `${label} ${name}: max|diff| ${maxDiff}, max|ref| ${maxRef}`);
      }
    }
  } finally {
    lite.close();
  }
  // The fixture's point: one source leaves the loop by its break, the other by the trip count.
  assert.ok(steps[0] < MAX_LEN && steps[0] >= 2, `A: ${steps[0]} steps`);
  assert.equal(steps[1], MAX_LEN);
});
