// The extension's convert job (dist/worker.js, as the progress notification runs it): int8's phases and search steps
// reach the notification as progress lines, and its Cancel ends the job mid-search with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runJob } from '../../src/extension/worker-client';
import { shiftedModel } from '../quantize/helpers';

const SCRIPT = path.resolve(__dirname, '../../dist/worker.js');


test('VS Code convert job: int8 progress lines reach the notification; Cancel mid-search writes nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-int8-cancel-'));
  try {
    const file = path.join(dir, 'shifted.onnx');
    fs.writeFileSync(file, shiftedModel());
    const job = { file, out: path.join(dir, 'shifted_int8.tflite'), quantization: 'int8' as const };
    // Run to the end first: the lines name the phases.
    const lines: string[] = [];
    const done = await runJob(SCRIPT, 'convert', job, (m) => lines.push(m), () => {});
    assert.ok(fs.existsSync(done.out));
    assert.ok(lines.some((l) => /int8: calibrating \d+ tensors on onnxruntime/.test(l)), lines.join(' | '));
    assert.ok(lines.some((l) => /int8 search: step \d+/.test(l)), lines.join(' | '));
    fs.rmSync(done.out);
    // Then cancelled at the search's first line.
    let cancel = () => {};
    const seen: string[] = [];
    const run = runJob(SCRIPT, 'convert', job, (m) => { seen.push(m); if (/int8 search: /.test(m)) cancel(); }, (c) => { cancel = c; });
    await assert.rejects(run, /cancelled/);
    assert.ok(seen.some((m) => /int8 search: /.test(m)), seen.join(' | '));
    assert.deepEqual(fs.readdirSync(dir), ['shifted.onnx'], 'no output, no temporary');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
