// Compatibility colours, legend and summary from the converter's real verdicts, and the accuracy overlay from a
// real comparison (onnxruntime vs LiteRT) of a converted model whose one conv weight was corrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, drawn, modelBackend, openView, screenshotPath, useBrowser } from './harness';
import { readModelFile } from '../../src/onnx/reader';
import { parseTflite } from '../../src/tflite/reader';
import { serializeTflite } from '../../src/tflite/writer';
import { runCompare, runConvert } from '../../src/worker/jobs';

const MODEL = path.resolve(ROOT, '../shared/models/squeezenet1_1.onnx');
const browser = useBrowser();

test('nodes are coloured by the converter\'s verdicts, with a legend, a summary and the reason in the panel', async () => {
  const model = readModelFile(MODEL);
  const odd = model.graph.nodes.findIndex((n) => n.opType === 'MaxPool');
  model.graph.nodes[odd].opType = 'FancyPool';
  model.graph.nodes[odd].domain = 'com.example';
  const v = await openView(browser(), path.join(os.tmpdir(), 'squeezenet_custom.onnx'), { backend: modelBackend(model) });
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  await page.waitForFunction(() => /nodes: /.test(document.getElementById('summary')?.textContent ?? ''));
  const summary = (await page.locator('#summary').textContent()) ?? '';
  assert.match(summary, /^\d+ nodes: \d+ builtin, \d+ unsupported/);
  assert.equal(await page.locator('#color-by').inputValue(), 'compat');
  const fancy = page.locator(`g.node[data-key="n:${odd}"]`);
  assert.match((await fancy.getAttribute('class')) ?? '', /st-unsupported/);
  assert.ok(await page.locator('g.node.st-builtin').count() > 30);
  assert.match((await page.locator('#legend').textContent()) ?? '', /unsupported/);
  await page.locator('#fit').click();
  await fancy.click();
  await page.keyboard.press('Enter');
  const panel = (await page.locator('#panel').textContent()) ?? '';
  assert.match(panel, /com\.example\.FancyPool/);
  assert.match(panel, /statusunsupported/);
  assert.match(panel, /reason/);
  await page.screenshot({ path: screenshotPath('compat-view.png') });
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('the accuracy overlay: heat colours, a sortable table whose rows reveal nodes, and the error-by-depth plot', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-acc-'));
  const tfl = path.join(dir, 'squeezenet1_1.tflite');
  await runConvert({ file: MODEL, out: tfl, quantization: 'float32' }, () => {});
  // corrupt one conv's weights in the middle of the network
  const m = parseTflite(fs.readFileSync(tfl));
  const sg = m.subgraphs[0];
  const conv = sg.operators.filter((o) => o.opcode === 'CONV_2D')[12];
  const w = sg.tensors[conv.inputs[1]];
  const f = new Float32Array(w.data!.slice().buffer);
  for (let i = 0; i < f.length; i += 3) f[i] = -f[i] * 4;
  w.data = new Uint8Array(f.buffer);
  fs.writeFileSync(tfl, serializeTflite(m));
  const report = await runCompare({ onnx: MODEL, tflite: tfl }, () => {});
  assert.ok(report.firstDivergence, 'the corrupted conv is flagged');

  const v = await openView(browser(), MODEL);
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  v.session.accuracy = { report, title: 'Accuracy: squeezenet1_1.onnx → squeezenet1_1.tflite' };
  v.post('accuracy', v.session.accuracy);
  await page.locator('#accuracy table').waitFor();
  assert.equal(await page.locator('#accuracy tbody tr').count(), report.layers.length);
  assert.equal(await page.locator('#color-by').inputValue(), 'accuracy');
  assert.equal(await page.locator('#accuracy svg.error-plot circle').count(), report.layers.length);
  assert.ok(await page.locator('g.node.acc').count() >= report.layers.length / 2, 'compared nodes get a heat colour');
  await page.locator('#accuracy button.sort[data-key="rel"]').click();
  const rels = await page.locator('#accuracy tbody tr td:nth-child(6)').allTextContents();
  const nums = rels.map(Number);
  assert.ok(nums.every((x, i) => i === 0 || x <= nums[i - 1]), 'sorted by relative error, largest first');
  const firstRow = page.locator('#accuracy tbody tr').first();
  const node = (await firstRow.getAttribute('data-node'))!;
  await firstRow.click();
  await page.waitForFunction((n) => document.querySelector('#panel .node-name')?.textContent === n, node);
  assert.match((await page.locator('#panel').textContent()) ?? '', /Accuracy/);
  assert.equal(await page.locator('#accuracy tr.first-divergence').count(), 1);
  await page.locator('g.node.selected').click();
  await page.keyboard.press('Enter');
  await page.screenshot({ path: screenshotPath('accuracy-view.png') });
  assert.deepEqual(v.errors, []);
  await v.close();
});
