// A big drawing's labels (more boxes than CULL_ABOVE) are in one layer over its boxes (webview/label-layer.ts), only
// for the boxes near the view: every box on screen is labelled, after a drag (the picture held where the drag left
// it, nothing drawn again) and after a search reveals a box far away; boxes are bare rects; clicks still select.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openBigExpanded, useBrowser } from './harness';

const browser = useBrowser();

/** The boxes on screen (the view's element does not move; the drawing's layer may be held moved), and those of them without a label (its text, shown) in the label layer. */
const onScreen = (page: Page): Promise<{ boxes: number; unlabelled: string[]; labels: number; texts: number; wrong: string[] }> => page.evaluate(() => {
  const s = document.getElementById('canvas')!.getBoundingClientRect();
  const unlabelled: string[] = [], wrong: string[] = [];
  let boxes = 0;
  for (const g of document.querySelectorAll<SVGGElement>('svg#graph g.viewport g.node')) {
    const r = g.querySelector('rect')!.getBoundingClientRect();
    if (r.x < s.x || r.y < s.y || r.right > s.right || r.bottom > s.bottom) continue;
    boxes++;
    const t = document.querySelector<SVGTextElement>(`g.labels text.label[data-key="${CSS.escape(g.dataset.key!)}"]`);
    if (!t || !t.getBBox().width) { unlabelled.push(g.dataset.key!); continue; }
    // The label sits on its box.
    const b = t.getBoundingClientRect();
    if (Math.abs(b.x + b.width / 2 - (r.x + r.width / 2)) > 1 || b.y < r.y || b.bottom > r.bottom) wrong.push(g.dataset.key!);
  }
  return { boxes, unlabelled, wrong, labels: document.querySelectorAll('g.labels text.label').length, texts: document.querySelectorAll('g.node text').length };
});

test('a big drawing labels the boxes near the view in one layer, after drags and searches too', async () => {
  const v = await openBigExpanded(browser());
  const { page } = v;
  await page.waitForTimeout(500); // the boxes near the view come ENTER_BUDGET a frame
  const first = await onScreen(page);
  assert.ok(first.boxes > 5, `boxes on screen (${first.boxes})`);
  assert.deepEqual(first.unlabelled, [], 'every box on screen is labelled');
  assert.deepEqual(first.wrong, [], 'each label on its box');
  assert.equal(first.texts, 0, 'the boxes are bare rects');
  const inPage = await page.locator('svg#graph g.viewport g.node').count();
  assert.ok(first.labels < inPage, `labels only near the view (${first.labels} of ${inPage} boxes in the page)`);
  // A drag of 0.3 of a view (no zoom, within what is in the page: the picture is held where it is left, not drawn
  // again; farther than the labelled margin): the boxes it brings on screen are labelled once it ends.
  const before = await page.locator('svg#graph g.viewport').getAttribute('transform');
  await page.mouse.move(640, 700);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(640 - 5 * i, 700 - 24 * i);
  await page.mouse.up();
  await page.waitForTimeout(400);
  assert.equal(await page.locator('svg#graph g.viewport').getAttribute('transform'), before, 'the picture is held, not drawn again');
  const dragged = await onScreen(page);
  assert.ok(dragged.boxes > 5, `boxes on screen after the drag (${dragged.boxes})`);
  assert.deepEqual(dragged.unlabelled, [], 'every box on screen after the drag is labelled');
  assert.deepEqual(dragged.wrong, [], 'each label on its box after the drag');
  // A click on a box on screen selects it.
  const box = await page.evaluate(() => {
    const s = document.getElementById('canvas')!.getBoundingClientRect();
    for (const g of document.querySelectorAll<SVGGElement>('svg#graph g.viewport g.node.kind-node')) {
      const r = g.querySelector('rect')!.getBoundingClientRect();
      if (r.x > s.x + 50 && r.y > s.y + 50 && r.right < s.right - 50 && r.bottom < s.bottom - 50) return { key: g.dataset.key!, x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }
    return undefined;
  });
  assert.ok(box);
  const key = box.key;
  await page.mouse.click(box.x, box.y);
  await page.waitForFunction((k) => (window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected === k, key);
  // A search for a node at the graph's far end: revealed, drawn and labelled.
  await page.locator('#search input').fill('stage1/block79/Add');
  await page.locator('#results .result').first().click();
  await page.waitForFunction(() => document.querySelector('#panel .node-name')?.textContent === '/stage1/block79/Add');
  await page.waitForTimeout(500);
  const found = await onScreen(page);
  assert.ok(found.boxes > 5, `boxes on screen at the found node (${found.boxes})`);
  assert.deepEqual(found.unlabelled, [], 'every box on screen around the found node is labelled');
  assert.equal(await page.locator('g.node.selected').count(), 1, 'the found node is selected');
  assert.deepEqual(v.errors, []);
  await v.close();
});
