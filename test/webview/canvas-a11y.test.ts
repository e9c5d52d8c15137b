// A big graph drawn on the canvas (webview/far-canvas.ts) has no element per box: the boxes in view are listed for a
// screen reader in an offscreen listbox (#near-boxes, webview/canvas-a11y.ts) under their accessible names, and the
// canvas's aria-activedescendant names the selected box's option, as selection moves by click and by keyboard; the
// list follows the view, and goes when the drawing is SVG again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { canvasBoxNearCentre, openBigExpanded, useBrowser } from './harness';
import { NEAR_LIMIT } from '../../webview/canvas-a11y';

const browser = useBrowser();

interface Listed { keys: string[]; names: string[]; selected: string[]; active: string | null; activeKey: string | null }

const listed = (page: Page): Promise<Listed> => page.evaluate(() => {
  const os = [...document.querySelectorAll<HTMLElement>('#near-boxes [role=option]')];
  const active = document.getElementById('canvas')!.getAttribute('aria-activedescendant');
  return {
    keys: os.map((o) => o.dataset.key ?? ''), names: os.map((o) => o.textContent ?? ''),
    selected: os.filter((o) => o.getAttribute('aria-selected') === 'true').map((o) => o.dataset.key ?? ''),
    active, activeKey: active ? document.getElementById(active)?.dataset.key ?? null : null,
  };
});

const savedSelection = (page: Page): Promise<string | undefined> => page.evaluate(() =>
  (window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected);

test('a big graph on the canvas lists the boxes in view for a screen reader and names the selected one', async () => {
  const v = await openBigExpanded(browser());
  const { page } = v;
  try {
    assert.equal(await page.locator('svg#graph g.viewport g.node').count(), 0, 'the drawing is on the canvas');
    await page.waitForFunction(() => document.querySelectorAll('#near-boxes [role=option]').length > 0, undefined, { timeout: 20_000 });
    const first = await listed(page);
    assert.ok(first.keys.length <= NEAR_LIMIT && first.keys.length < v.nodes, `a few of the boxes: ${first.keys.length} of ${v.nodes}`);
    assert.equal(new Set(first.keys).size, first.keys.length, 'each box once');
    assert.ok(first.names.every((n) => /\b(node|range|scope|input|output)\b/.test(n)), `named as the SVG's boxes are: ${first.names.slice(0, 3).join(' | ')}`);
    assert.equal(first.active, null, 'nothing selected yet');
    assert.equal(await page.getAttribute('#near-boxes', 'role'), 'listbox');

    // A click on a box (an opaque pixel of the canvas near the view's centre) selects it: its option is the active one.
    const hit = await canvasBoxNearCentre(page);
    await page.mouse.click(hit.x, hit.y);
    await page.waitForFunction(() => !!(window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected);
    const key = (await savedSelection(page))!;
    await page.waitForFunction((k) => {
      const a = document.getElementById('canvas')!.getAttribute('aria-activedescendant');
      return !!a && document.getElementById(a)?.dataset.key === k;
    }, key, { timeout: 10_000 });
    const clicked = await listed(page);
    assert.deepEqual(clicked.selected, [key], 'one option selected: the clicked box');
    assert.equal(clicked.activeKey, key);

    // The keyboard moves the selection along an edge: the active option follows.
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((k) => (window as unknown as { __savedState: { selected?: string } }).__savedState.selected !== k, key);
    const next = (await savedSelection(page))!;
    await page.waitForFunction((k) => {
      const a = document.getElementById('canvas')!.getAttribute('aria-activedescendant');
      return !!a && document.getElementById(a)?.dataset.key === k;
    }, next, { timeout: 10_000 });
    assert.deepEqual((await listed(page)).selected, [next]);

    // Fitted, the view shows other boxes (the topmost of the whole graph): the list follows, the selection stays in it.
    const before = (await listed(page)).keys.join(' ');
    await page.locator('#fit').click();
    await page.waitForFunction((b) => [...document.querySelectorAll<HTMLElement>('#near-boxes [role=option]')].map((o) => o.dataset.key).join(' ') !== b, before, { timeout: 10_000 });
    const fitted = await listed(page);
    assert.ok(fitted.keys.length <= NEAR_LIMIT);
    assert.equal(fitted.activeKey, next, 'the selected box stays listed');

    // Back to the overview (a few boxes, drawn as SVG elements with their own names): nothing is listed.
    await page.locator('#reset').click();
    await page.waitForFunction(() => document.querySelectorAll('svg#graph g.viewport g.node').length > 0);
    await page.waitForFunction(() => document.querySelectorAll('#near-boxes [role=option]').length === 0
      && !document.getElementById('canvas')!.hasAttribute('aria-activedescendant'), undefined, { timeout: 10_000 });
  } finally {
    await v.close();
  }
});
