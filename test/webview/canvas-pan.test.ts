// A drag on a big drawing's canvas (webview/far-canvas.ts) shifts the picture and draws only the strips it uncovered:
// after drags right, up, left and diagonally the canvas shows what drawing the whole view at the same transform
// shows (a change of theme class draws it whole), labels and all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openBigExpanded, useBrowser } from './harness';

const browser = useBrowser();

/** The canvas's pixels (RGBA). */
const pixels = (page: Page): Promise<number[]> => page.evaluate(() => {
  const c = document.querySelector<HTMLCanvasElement>('canvas.far-canvas')!;
  return [...c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data];
});

/** Waits for two animation frames (the canvas is drawn in the next one). */
const frames = (page: Page): Promise<void> => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

test('a drag draws the strips it uncovers: the canvas matches the whole view drawn again', async () => {
  const v = await openBigExpanded(browser());
  const { page } = v;
  await page.waitForFunction(() => !document.querySelector<HTMLCanvasElement>('canvas.far-canvas')?.hidden);
  await page.waitForTimeout(300);
  const labelsShown = await page.evaluate(() => !document.getElementById('graph')!.classList.contains('far'));
  assert.ok(labelsShown, 'the first zoom shows labels');
  const box = (await page.locator('svg#graph').boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const start = await pixels(page);
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  // Steps in every direction, each drawn before the next (a frame a step).
  for (const [dx, dy] of [[30, 0], [30, -40], [-90, -20], [-25, 70], [11, 13]]) {
    await page.mouse.move(cx + dx, cy + dy, { steps: 3 });
    await frames(page);
  }
  await page.mouse.up();
  await page.waitForTimeout(300);
  const panned = await pixels(page);
  assert.equal(panned.length, start.length);
  let moved = 0;
  for (let i = 3; i < start.length; i += 4) if (start[i] !== panned[i]) moved++;
  assert.ok(moved > 1000, `the picture moved (${moved} pixels changed)`);
  // The whole view drawn again at the same transform (the theme's class set again: colours are read again and the
  // canvas drawn whole).
  await page.evaluate(() => document.body.setAttribute('class', document.body.getAttribute('class') ?? ''));
  await frames(page);
  await page.waitForTimeout(200);
  const whole = await pixels(page);
  let painted = 0, differ = 0;
  for (let i = 0; i < whole.length; i += 4) {
    if (whole[i + 3]) painted++;
    if ([0, 1, 2, 3].some((j) => Math.abs(whole[i + j] - panned[i + j]) > 48)) differ++;
  }
  assert.ok(painted > 5000, `the view shows the graph (${painted} pixels painted)`);
  assert.ok(differ <= painted * 0.002, `the panned canvas is the whole drawing (${differ} of ${painted} painted pixels differ)`);
  assert.deepEqual(v.errors, []);
  await v.close();
});
