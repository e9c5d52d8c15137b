// The graph view in headless Chromium, fed by the host's own code: drawing, side panel, search, collapse,
// keyboard, state, bad files, and node names holding HTML that must stay text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { ROOT, drawn, modelBackend, openView, screenshotPath, useBrowser } from './harness';
import { syntheticModel } from './synthetic';
import { readModelFile } from '../../src/onnx/reader';

const MODEL = path.resolve(ROOT, '../shared/models/squeezenet1_1.onnx');
const browser = useBrowser();

/** Distinct colours in a PNG: a blank or single-colour screenshot has very few. */
function colourCount(file: string): number {
  const png = PNG.sync.read(fs.readFileSync(file));
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4 * 7) seen.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
  return seen.size;
}

test('draws a shared model, shows a node in the side panel, searches, and saves a screenshot', async () => {
  const v = await openView(browser(), MODEL);
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  const model = readModelFile(MODEL);
  const expected = model.graph.nodes.length + model.graph.inputs.length + model.graph.outputs.length;
  assert.equal(await page.locator('g.node').count(), expected, 'every node, input and output is drawn');
  assert.ok(await page.locator('path.edge').count() >= model.graph.nodes.length, 'edges are drawn');

  // inferred shapes follow the graph
  await page.waitForFunction(() => document.body.dataset.shapes === 'inferred');
  const conv = model.graph.nodes.find((n) => n.opType === 'Conv')!;
  const convKey = `n:${model.graph.nodes.indexOf(conv)}`;
  await page.locator(`g.node[data-key="${convKey}"]`).click();
  const panel = page.locator('#panel');
  assert.equal(await panel.locator('h2').textContent(), 'Conv');
  assert.equal(await panel.locator('.node-name').textContent(), conv.name);
  const text = (await panel.textContent()) ?? '';
  assert.match(text, /kernel_shape/);
  assert.match(text, /float32 \[1, 3, 224, 224\]|float32 \[1, \d+, \d+, \d+\]/, 'input shape and dtype shown');
  await page.locator('#panel .stats-table').first().waitFor();
  const stats = (await panel.locator('.stats-table').first().textContent()) ?? '';
  for (const k of ['min', 'max', 'mean', 'std', 'sparsity']) assert.match(stats, new RegExp(k));
  assert.equal(await page.locator(`g.node[data-key="${convKey}"]`).getAttribute('aria-selected'), 'true');

  // search by tensor name: the last Concat's output
  const concat = [...model.graph.nodes].reverse().find((n) => n.opType === 'Concat')!;
  await page.locator('#search input').fill(concat.outputs[0]);
  await page.locator('#results .result').first().waitFor();
  await page.locator('#search input').press('Enter');
  await page.waitForFunction((name) => document.querySelector('#panel .node-name')?.textContent === name, concat.name);
  assert.ok(await page.locator('g.node.match').count() >= 1, 'matches are highlighted');

  await page.locator('#search input').fill('');
  await page.locator('#results').evaluate((e) => { (e as HTMLElement).hidden = true; });
  await page.locator('#fit').click();
  await page.locator(`g.node[data-key="${convKey}"]`).click();
  await page.keyboard.press('Enter'); // centres the selected node
  await page.locator('#panel .stats-table').first().waitFor();
  const shot = screenshotPath('graph-view.png');
  await page.screenshot({ path: shot });
  assert.ok(colourCount(shot) > 20, 'the screenshot is not blank');
  await page.locator('#fit').click();
  await page.screenshot({ path: screenshotPath('graph-view-fit.png') });
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []), [], 'no CSP violation');
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('node names holding HTML or script are shown as text and never run', async () => {
  const model = readModelFile(MODEL);
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  model.graph.nodes[2].name = hostile;
  model.graph.nodes[5].name = '/evil<b onmouseover=window.__pwned=3>/Relu';
  const v = await openView(browser(), path.join(os.tmpdir(), '<b>hostile</b>.onnx'), { backend: modelBackend(model, false) });
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  await page.locator('#search input').fill('onerror');
  await page.locator('#results .result').first().waitFor();
  assert.match((await page.locator('#results .result').first().textContent()) ?? '', /<img src=x onerror=/);
  await page.locator('#results .result').first().click();
  await page.waitForFunction((name) => document.querySelector('#panel .node-name')?.textContent === name, hostile);
  await page.locator('g.node.selected').hover();
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await page.locator('#panel b, #panel script, #results script').count(), 0);
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('a bad file shows one clear error in the view', async () => {
  const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-')), 'random.onnx');
  fs.writeFileSync(bad, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 255)));
  const v = await openView(browser(), bad);
  assert.equal(await drawn(v.page), 'error');
  const msg = (await v.page.locator('#status.error').textContent()) ?? '';
  assert.match(msg, /^Cannot open random\.onnx: /);
  assert.ok(!msg.includes('\n    at '), 'no stack trace');
  await v.close();
});

test('a 20,000-node graph starts collapsed to scopes; expanding, keyboard and restored state work', async () => {
  const model = syntheticModel(20, 200);
  assert.equal(model.graph.nodes.length, 20000);
  const v = await openView(browser(), '/tmp/synthetic.onnx', { backend: modelBackend(model, false) });
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  const groups = await page.locator('g.node.kind-group').count();
  const items = await page.locator('g.node').count();
  assert.ok(groups > 0 && items <= 250, `collapsed first: ${items} items, ${groups} groups`);
  await page.screenshot({ path: screenshotPath('graph-20000-collapsed.png') });
  await page.locator('#fit').click();
  const group = page.locator('g.node.kind-group').first();
  const key = (await group.getAttribute('data-key'))!;
  await group.dblclick();
  await page.waitForFunction((k) => !document.querySelector(`g.node[data-key="${k}"]`), key);
  assert.ok(await page.locator('g.node').count() > items, 'expanding a scope draws its contents');

  // keyboard: focus the canvas, walk down to a consumer, expand with Enter
  await page.locator('#canvas').focus();
  await page.keyboard.press('Escape');
  await page.keyboard.press('ArrowDown');
  const first = await page.evaluate(() => document.querySelector('g.node.selected')?.getAttribute('data-key'));
  assert.ok(first, 'arrow key selects a node');
  await page.keyboard.press('ArrowDown');
  const second = await page.evaluate(() => document.querySelector('g.node.selected')?.getAttribute('data-key'));
  assert.ok(second && second !== first, 'arrow down walks to a consumer');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-key')), second, 'focus follows selection');

  // the saved state brings back the scopes, selection and zoom in a new view
  await page.keyboard.press('+');
  await page.waitForFunction(() => (window as unknown as { __savedState?: { transform?: unknown } }).__savedState?.transform);
  await page.waitForTimeout(300);
  const state = await page.evaluate(() => (window as unknown as { __savedState: unknown }).__savedState) as { selected: string; expanded: string[]; transform: { k: number } };
  const v2 = await openView(browser(), '/tmp/synthetic.onnx', { backend: modelBackend(model, false), state });
  assert.equal(await drawn(v2.page), 'drawn');
  assert.equal(await v2.page.evaluate(() => document.querySelector('g.node.selected')?.getAttribute('data-key')), state.selected);
  const k = await v2.page.evaluate(() => document.querySelector('g.viewport')?.getAttribute('transform') ?? '');
  assert.match(k, new RegExp(`scale\\(${state.transform.k.toFixed(3).slice(0, 4)}`));
  assert.deepEqual([...v.errors, ...v2.errors], []);
  await v.close();
  await v2.close();
});
