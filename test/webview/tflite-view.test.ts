// A .tflite file in the graph view: operators drawn, options in the side panel, statistics of its constant tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, drawn, openView, useBrowser } from './harness';
import { runConvert } from '../../src/worker/jobs';
import { parseTflite } from '../../src/tflite/reader';

const browser = useBrowser();

test('a converted .tflite is drawn with its operators, options and weight statistics', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-tfl-')), 'tinycnn_int8.tflite');
  await runConvert({ file: path.join(ROOT, 'samples/tinycnn.onnx'), out, quantization: 'int8' }, () => {});
  const m = parseTflite(fs.readFileSync(out));
  const sg = m.subgraphs[0];
  const v = await openView(browser(), out);
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  assert.equal(await page.locator('g.node').count(), sg.operators.length + sg.inputs.length + sg.outputs.length);
  assert.equal(await page.evaluate(() => document.body.dataset.format), 'tflite');
  const convAt = sg.operators.findIndex((o) => o.opcode === 'CONV_2D');
  await page.locator('#fit').click();
  await page.locator(`g.node[data-key="n:${convAt}"]`).click();
  assert.equal(await page.locator('#panel h2').textContent(), 'CONV_2D');
  const text = (await page.locator('#panel').textContent()) ?? '';
  assert.match(text, /padding/);
  assert.match(text, /int8 \[\d+, 3, 3, \d+\] · constant/, 'int8 weights with their NHWC shape');
  await page.locator('#panel .stats-table').first().waitFor();
  assert.match((await page.locator('#panel .stats-table').first().textContent()) ?? '', /mean/);
  assert.deepEqual(v.errors, []);
  await v.close();
});
