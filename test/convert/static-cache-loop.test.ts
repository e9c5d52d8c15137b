// On-device generation as torch.jit.script exports it (test/fixtures/control-flow/make_static_cache_decoder.py): a
// Loop whose trip count is the prompt length plus an input, a static KV cache and token buffer written by index_put
// inside the body (the buffer under an If), the buffer returned as the Loop carries it. The body's IF branch
// broadcasts to a shape LiteRT sizes at run time, so LiteRT's WHILE gives its outputs run-time allocations, which
// LiteRT.js cannot bind as model outputs ("Failed to set custom allocation for output tensor tokens": the
// twenty-sixth sequence sweep's static_cache_decode_script refused by the self-check). A static WHILE output the
// model returns is copied to its shape (ops/Loop.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Tensor } from '../../src/ir/types';
import { readModelFile } from '../../src/onnx/reader';
import { convertModel } from '../../src/convert/convert';
import { serializeTflite } from '../../src/tflite/writer';
import { openConverted } from '../../src/runtime/tflite-onnx-io';
import { runOnnx } from '../../src/runtime/ort';

const FILE = 'test/fixtures/control-flow/static_cache_decoder.onnx';

test('a scripted static-cache generation loop returning its token buffer runs on LiteRT with onnxruntime\'s tokens', async () => {
  const r = convertModel(readModelFile(FILE));
  assert.equal(r.opHistogram.WHILE, 1, JSON.stringify(r.opHistogram));
  const lite = await openConverted(serializeTflite(r.model));
  const generated: number[] = [];
  try {
    for (const n of [0, 2, 9]) {
      const feeds: Tensor[] = [
        { name: 'prompt', dtype: 'int64', dims: [3], data: BigInt64Array.from([5n, 9n, 11n]) },
        { name: 'max_new', dtype: 'int64', dims: [1], data: BigInt64Array.from([BigInt(n)]) },
      ];
      const ref = await runOnnx(fs.readFileSync(FILE), feeds);
      const got = await lite.run(feeds);
      for (const name of ['tokens', 'count']) {
        const want = [...(ref.get(name)!.data as BigInt64Array)].map(Number);
        assert.deepEqual([...(got.get(name)!.data as BigInt64Array)].map(Number), want, `max_new ${n}: ${name}`);
      }
      generated.push(Number((ref.get('count')!.data as BigInt64Array)[0]));
    }
  } finally {
    lite.close();
  }
  // The three runs fill 4 (the prompt and the token after it), 6 and all 8 slots: the loop's count follows the input.
  assert.deepEqual(generated, [4, 6, 8]);
});
