// A big drawing's labels are drawn on its canvas (webview/canvas-labels.ts, far-canvas.ts) in the stylesheet's label
// colour: around a node a search reveals (drawn selected, in the stylesheet's focus colour) and, after a drag that
// uncovers more of the graph, on the canvas drawn again where the drag left the view, the strip it uncovered drawn too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openBigExpanded, useBrowser } from './harness';

const browser = useBrowser();

/** The colour (r, g, b) the stylesheet gives `prop` of an SVG element `tag` of class `cls` in a group of class `group`. */
const styleColour = (page: Page, group: string, tag: string, cls: string, prop: 'fill' | 'stroke'): Promise<number[]> => page.evaluate(([group, tag, cls, prop]) => {
  const ns = 'http://www.w3.org/2000/svg', g = document.createElementNS(ns, 'g'), el = document.createElementNS(ns, tag);
  g.setAttribute('class', group);
  el.setAttribute('class', cls);
  g.append(el);
  document.getElementById('graph')!.append(g);
  const m = /(\d+), (\d+), (\d+)/.exec(getComputedStyle(el)[prop as 'fill'])!;
  g.remove();
  return [1, 2, 3].map((i) => Number(m[i]));
}, [group, tag, cls, prop] as const);

/** Of the canvas's pixels in the page's rectangle (x, y, w, h), how many are painted and how many are the colour
 *  `rgb` (within 24 a channel). */
const pixels = (page: Page, x: number, y: number, w: number, h: number, rgb: number[]): Promise<{ painted: number; matching: number }> => page.evaluate(([x, y, w, h, rgb]) => {
  const c = document.querySelector<HTMLCanvasElement>('canvas.far-canvas')!;
  const b = c.getBoundingClientRect(), s = c.width / b.width;
  const d = c.getContext('2d')!.getImageData(Math.round((x - b.x) * s), Math.round((y - b.y) * s), Math.round(w * s), Math.round(h * s)).data;
  let painted = 0, matching = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3]) painted++;
    if (d[i + 3] > 200 && [0, 1, 2].every((j) => Math.abs(d[i + j] - rgb[j]) <= 24)) matching++;
  }
  return { painted, matching };
}, [x, y, w, h, rgb] as const);

const saved = (page: Page): Promise<{ k: number; x: number; y: number }> => page.evaluate(() =>
  (window as unknown as { __savedState: { transform: { k: number; x: number; y: number } } }).__savedState.transform);

test('a big drawing labels its boxes on the canvas: around a found node (drawn selected) and after a drag', async () => {
  const v = await openBigExpanded(browser());
  const { page } = v;
  const label = await styleColour(page, 'labels', 'text', 'label', 'fill');
  const focus = await styleColour(page, 'node selected', 'rect', '', 'stroke');
  // A search for a node at the graph's far end: revealed at the view's centre, selected.
  await page.locator('#search input').fill('stage1/block79/Add');
  await page.locator('#results .result').first().click();
  await page.waitForFunction(() => document.querySelector('#panel .node-name')?.textContent === '/stage1/block79/Add');
  await page.waitForTimeout(500);
  const view = (await page.locator('#canvas').boundingBox())!;
  const cx = view.x + view.width / 2, cy = view.y + view.height / 2;
  const k = (await saved(page)).k;
  const box = { x: cx - 60 * k, y: cy - 20 * k, w: 120 * k, h: 40 * k };
  const found = await pixels(page, box.x, box.y, box.w, box.h, label);
  assert.ok(found.matching > 10, `the found node's label is drawn (${found.matching} label-coloured pixels at zoom ${k.toFixed(2)})`);
  const outline = await pixels(page, box.x, box.y, box.w, box.h, focus);
  assert.ok(outline.matching > 10, `the found node is drawn selected (${outline.matching} focus-coloured pixels)`);
  assert.equal(await page.locator('svg#graph g.viewport g.node').count(), 0, 'no box elements in the page');
  // A drag down by 0.3 of the view (the graph's earlier blocks come in from the top): the canvas is drawn again where
  // the drag left the view, the layer back in place, the strip uncovered at the top drawn with its labels.
  const before = await saved(page);
  await page.mouse.move(cx, cy - 100);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(cx, cy - 100 + 0.03 * view.height * i);
  await page.mouse.up();
  // the drag's transform is saved 150 ms after it ends (debounced): wait for it (the test's timeout fails it)
  await page.waitForFunction(([y0, d]) => (window as unknown as { __savedState: { transform: { y: number } } }).__savedState.transform.y - y0 > d, [before.y, 0.25 * view.height] as const);
  await page.waitForTimeout(100);
  const after = await saved(page);
  assert.ok(after.y - before.y > 0.25 * view.height, `dragged down (${before.y} -> ${after.y})`);
  const drawnAt = /translate\(([-\d.e]+),([-\d.e]+)\)/.exec(await page.locator('svg#graph g.viewport').getAttribute('transform') ?? '');
  assert.ok(drawnAt && Math.abs(+drawnAt[1] - after.x) < 1 && Math.abs(+drawnAt[2] - after.y) < 1, 'drawn again at the drag\'s end');
  assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('layer')!).transform), 'none', 'the layer is back in place');
  const strip = await pixels(page, view.x, view.y, view.width, 0.25 * view.height, label);
  assert.ok(strip.painted > 1000 && strip.matching > 10, `the uncovered strip is drawn with labels (${strip.painted} pixels painted, ${strip.matching} label-coloured)`);
  assert.deepEqual(v.errors, []);
  await v.close();
});
