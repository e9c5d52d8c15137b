// A graph without name scopes (conv0, relu0, side0, add0, … — older exports, other exporters, generated graphs) in
// headless Chromium: its first frame is drawn from ranges of the graph's order (webview/scope-ranges.ts), a range
// expands on demand, search and the Problems panel's reveal reach a node inside a collapsed range, and the accuracy
// overlay of a real comparison colours a partly drawn graph and reveals its layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { drawn, modelBackend, openView, screenshotPath, useBrowser } from './harness';
import { flatModel } from './synthetic';
import { encodeModel } from '../../src/onnx/writer';
import { decodeGraph } from '../../src/shared/graph-wire';
import { onnxWireGraph } from '../../src/worker/view-graph';
import { buildScopes } from '../../webview/scopes';
import { runCompare, runConvert } from '../../src/worker/jobs';

const browser = useBrowser();

/** View ids of block b's nodes (the graph's nodes in order: conv, relu, side, add of each block). */
const ids = (b: number) => ({ conv: 4 * b, relu: 4 * b + 1, side: 4 * b + 2, add: 4 * b + 3 });
const isDrawn = (page: Page, id: number): Promise<boolean> => page.evaluate((k) => !!document.querySelector(`g.node[data-key="${k}"]`), `n:${id}`);
/** The last block whose Add is inside a collapsed range. */
const hiddenBlock = (page: Page, blocks: number): Promise<number> => page.evaluate((n) => {
  for (let b = n - 1; b >= 0; b--) if (!document.querySelector(`g.node[data-key="n:${4 * b + 3}"]`)) return b;
  return -1;
}, blocks);

test('a flat 20,000-node graph draws a first frame of ranges; a range expands; search and reveal open collapsed ranges', async () => {
  const model = flatModel(5000);
  assert.equal(model.graph.nodes.length, 20000);
  const v = await openView(browser(), '/tmp/flat-20000.onnx', { backend: modelBackend(model, false) });
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  const items = await page.locator('g.node').count();
  const groups = await page.locator('g.node.kind-group').count();
  assert.ok(items <= 150 && groups > 10, `collapsed first: ${items} items, ${groups} ranges`);
  // the view starts at the top: the first ranges are open down to the first block's nodes
  assert.ok(await isDrawn(page, ids(0).conv), 'conv0 is drawn');
  assert.equal(await page.locator(`g.node[data-key="n:${ids(0).conv}"]`).getAttribute('aria-label'), 'Conv node conv0');
  const label = (await page.locator('g.node.kind-group text.label').first().textContent()) ?? '';
  assert.match(label, /^(conv|relu|side|add)\d+ … (conv|relu|side|add)\d+$/, 'a range is named by its first and last node');
  await page.screenshot({ path: screenshotPath('flat-20000-collapsed.png') });

  // expand a range: double-click draws its members in place of it
  const group = page.locator('g.node.kind-group').last();
  const key = (await group.getAttribute('data-key'))!;
  const size = Number(/(\d+) nodes/.exec((await group.locator('text.sub').textContent()) ?? '')![1]);
  await group.dispatchEvent('dblclick');
  await page.waitForFunction((k) => !document.querySelector(`g.node[data-key="${k}"]`), key);
  assert.ok(await page.locator('g.node').count() > items, 'expanding a range draws its contents');
  assert.match((await page.locator('#panel').textContent()) ?? '', /conv|relu|side|add|nodes/);
  assert.ok(size > 1);
  await page.screenshot({ path: screenshotPath('flat-20000-expanded.png') });

  // search: a node deep inside a collapsed range is found, and Enter reveals it
  const b = await hiddenBlock(page, 5000);
  assert.ok(b > 0, 'some block is collapsed');
  await page.locator('#search input').fill(`add${b}`);
  await page.locator('#results .result').first().waitFor();
  await page.locator('#search input').press('Enter');
  await page.waitForFunction((k) => document.querySelector('g.node.selected')?.getAttribute('data-key') === k, `n:${ids(b).add}`);
  assert.equal(await page.locator('#panel .node-name').textContent(), `add${b}`);

  // the Problems panel's reveal, by node name, into another collapsed range
  const c = await page.evaluate(() => {
    for (let k = 0; k < 5000; k += 97) if (!document.querySelector(`g.node[data-key="n:${4 * k}"]`)) return k;
    return -1;
  });
  assert.ok(c >= 0);
  v.post('reveal', { node: `conv${c}` });
  await page.waitForFunction((k) => document.querySelector('g.node.selected')?.getAttribute('data-key') === k, `n:${ids(c).conv}`);
  assert.equal(await page.locator('#panel .node-name').textContent(), `conv${c}`);
  assert.ok(await page.locator('g.node').count() < 1000, 'revealing opens only the ranges that hold the node');
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('the accuracy overlay of a real comparison colours a partly drawn flat graph, ranges included, and reveals layers', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-flat-'));
  const onnx = path.join(dir, 'flat-400.onnx');
  fs.writeFileSync(onnx, encodeModel(flatModel(100)));
  const tfl = path.join(dir, 'flat-400.tflite');
  await runConvert({ file: onnx, out: tfl, quantization: 'float32' }, () => {});
  const report = await runCompare({ onnx, tflite: tfl }, () => {});
  assert.ok(report.layers.length >= 100, `${report.layers.length} layers compared`);

  const v = await openView(browser(), onnx);
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  assert.ok(await page.locator('g.node.kind-group').count() > 0, 'partly drawn: some ranges are collapsed');
  v.session.accuracy = { report, title: 'Accuracy: flat-400.onnx → flat-400.tflite' };
  v.post('accuracy', v.session.accuracy);
  await page.locator('#accuracy table').waitFor();
  assert.equal(await page.locator('#color-by').inputValue(), 'accuracy');
  assert.ok(await page.locator('g.node.kind-group.acc').count() > 0, 'collapsed ranges take their worst layer\'s colour');
  assert.ok(await page.locator('g.node.kind-node.acc').count() > 0, 'drawn nodes get a heat colour');
  // a row of a layer inside a collapsed range reveals it
  const b = await hiddenBlock(page, 100);
  assert.ok(b >= 0);
  const row = page.locator(`#accuracy tbody tr[data-node="add${b}"]`);
  assert.equal(await row.count(), 1, `add${b} was compared`);
  await row.click();
  await page.waitForFunction((n) => document.querySelector('#panel .node-name')?.textContent === n, `add${b}`);
  assert.ok(await isDrawn(page, ids(b).add));
  assert.match((await page.locator('#panel').textContent()) ?? '', /Accuracy/);
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('the flat 20,000-node graph with every range open is drawn on the canvas; search reveals its last node', async () => {
  const model = flatModel(5000);
  const g = decodeGraph(onnxWireGraph(model, 'flat-20000.onnx').graph);
  const state = { file: 'flat-20000.onnx', expanded: [...buildScopes(g).byPath.keys()] };
  const v = await openView(browser(), '/tmp/flat-20000.onnx', { backend: modelBackend(model, false), state });
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  assert.equal(await page.evaluate(() => (window as unknown as { onnx2liteTimings: { items: number } }).onnx2liteTimings.items), 20002, 'every node is laid out');
  assert.equal(await page.locator('g.node').count(), 0, 'no box elements in the page: a big graph is drawn on the canvas');
  const painted = (): Promise<number> => page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('canvas.far-canvas');
    if (!c || c.hidden) return 0;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n;
  });
  assert.ok(await painted() > 1000, 'the canvas shows the top of the graph');
  const saved = (): Promise<{ selected?: string; transform?: { y: number } }> => page.evaluate(() => (window as unknown as { __savedState: { selected?: string; transform?: { y: number } } }).__savedState);
  // the view's transform is saved 150 ms after the first zoom (debounced): wait for it
  await page.waitForFunction(() => !!(window as unknown as { __savedState?: { transform?: unknown } }).__savedState?.transform);
  const top = (await saved()).transform!.y;
  // the last node, far below: search reveals it (selected, the view moved down to it), drawn on the canvas
  await page.locator('#search input').fill('add4999');
  await page.locator('#results .result').first().waitFor();
  await page.locator('#search input').press('Enter');
  await page.waitForFunction((k) => (window as unknown as { __savedState: { selected?: string } }).__savedState.selected === k, `n:${ids(4999).add}`);
  // the move is animated and its transform saved 150 ms after it ends: wait for it (the test's timeout fails it)
  await page.waitForFunction((t) => ((window as unknown as { __savedState: { transform?: { y: number } } }).__savedState.transform?.y ?? t) < t - 10_000, top);
  assert.ok((await saved()).transform!.y < top - 10_000, 'the view moved to the graph\'s end');
  assert.ok(await painted() > 1000, 'the canvas shows the graph\'s end');
  assert.deepEqual(v.errors, []);
  await v.close();
});
