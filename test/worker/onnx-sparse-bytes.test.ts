// Reading an .onnx file without its weights (src/worker/onnx-sparse-bytes.ts): the graph view's lean read of those
// bytes is the same as of the whole file, the weights are left out, and a file it cannot walk gives undefined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnxBytesWithoutWeights } from '../../src/worker/onnx-sparse-bytes';
import { leanOnnxWireGraph } from '../../src/onnx/lean-reader';
import { leanOpen } from '../../src/worker/lean-open';

const SHARED = path.resolve(__dirname, '../../../shared/models');

test('the lean read of the bytes without weights is the lean read of the whole file, for every shared model', () => {
  const files = fs.readdirSync(SHARED).filter((f) => f.endsWith('.onnx'));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const file = path.join(SHARED, f);
    const sparse = onnxBytesWithoutWeights(file);
    assert.ok(sparse, f);
    const size = fs.statSync(file).size;
    if (size > 1 << 20) assert.ok(sparse.length < size / 10, `${f}: ${sparse.length} of ${size} bytes`);
    assert.deepEqual(leanOnnxWireGraph(sparse, file), leanOnnxWireGraph(fs.readFileSync(file), file), f);
  }
});

test('a file that is not a whole ModelProto gives undefined, and opening it still goes to the full read', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-sparse-'));
  const whole = fs.readFileSync(path.join(SHARED, 'squeezenet1_1.onnx'));
  const cut = path.join(dir, 'cut.onnx');
  fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
  assert.equal(onnxBytesWithoutWeights(cut), undefined);
  const junk = path.join(dir, 'junk.onnx');
  fs.writeFileSync(junk, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 255)));
  assert.equal(onnxBytesWithoutWeights(junk), undefined);
  assert.equal(onnxBytesWithoutWeights(path.join(dir, 'missing.onnx')), undefined);
  assert.equal(leanOpen(cut), null);
});
