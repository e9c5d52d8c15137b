// Panning and zooming the graph view (webview/canvas.ts): during a drag the drawing's layer is moved as a picture (the
// drawn SVG keeps its transform), after a drag that did not zoom it stays moved; what is under the pointer is still
// what a click selects; a wheel zoom and a change of view from the code draw the graph again at the new transform,
// except zoomed far out (no labels), where a zoom within 1.6x of the drawn one keeps the picture, scaled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, drawn, openView, useBrowser } from './harness';
import { ARROWS } from '../../webview/svg-markup';

const MODEL = path.resolve(ROOT, '../shared/models/squeezenet1_1.onnx');
const browser = useBrowser();

interface Seen { drawnAt: string; layer: string; animations: number; saved?: { k: number; x: number; y: number } }
const seen = (page: Page): Promise<Seen> => page.evaluate(() => ({
  drawnAt: document.querySelector('svg#graph g.viewport')?.getAttribute('transform') ?? '',
  // Where the layer is (its computed transform: the animation holds it) and how many animations run on it.
  layer: getComputedStyle(document.getElementById('layer')!).transform,
  animations: document.getElementById('layer')!.getAnimations().filter((a) => a.playState === 'running').length,
  saved: (window as unknown as { __savedState?: { transform?: { k: number; x: number; y: number } } }).__savedState?.transform,
}));

/** The centre of a box on screen. */
async function centre(page: Page, key: string): Promise<{ x: number; y: number }> {
  const b = (await page.locator(`g.node[data-key="${key}"] rect`).boundingBox())!;
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

test('a drag moves the drawn picture without drawing it again; a click then selects the box under the pointer', async () => {
  const v = await openView(browser(), MODEL);
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  const before = await seen(page);
  assert.equal(before.layer, 'none', 'the layer is in place before any gesture');
  // The op box nearest the canvas's centre (on screen before and after the drag).
  const key = await page.evaluate(() => {
    const c = document.getElementById('canvas')!.getBoundingClientRect(), cx = c.x + c.width / 2, cy = c.y + c.height / 2;
    let best = '', dist = Infinity;
    for (const g of document.querySelectorAll<SVGGElement>('g.node.kind-node')) {
      const r = g.getBoundingClientRect(), d = Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy);
      if (d < dist) { dist = d; best = g.dataset.key!; }
    }
    return best;
  });
  const at = await centre(page, key);

  // Drag from an empty spot of the canvas (left of the boxes) by (+60, -40).
  const box = (await page.locator('#canvas').boundingBox())!;
  const from = { x: box.x + 8, y: box.y + box.height / 2 };
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(from.x + 6 * i, from.y - 4 * i);
  const during = await seen(page);
  assert.equal(during.drawnAt, before.drawnAt, 'the drawing keeps its transform during the drag');
  assert.equal(during.animations, 1, 'the layer is moved by an animation during the drag');
  await page.mouse.up();
  const after = await seen(page);
  assert.equal(after.drawnAt, before.drawnAt, 'a drag that did not zoom draws nothing again');
  assert.equal(after.animations, 0, 'no animation is left running (the layer\'s is paused where the drag left it)');
  assert.equal(after.layer, 'matrix(1, 0, 0, 1, 60, -40)', `the layer stays moved (${after.layer})`);
  assert.equal(await page.evaluate(() => document.getElementById('layer')!.getAnimations().length), 1, 'one animation for the view\'s life');
  const moved = await centre(page, key);
  assert.ok(Math.abs(moved.x - at.x - 60) < 1 && Math.abs(moved.y - at.y + 40) < 1, `the box moved with the drag (${JSON.stringify({ at, moved })})`);

  // What is under the pointer is what a click selects.
  await page.mouse.click(moved.x, moved.y);
  await page.waitForFunction((k) => document.querySelector('g.node.selected')?.getAttribute('data-key') === k, key);
  await page.waitForFunction(() => (window as unknown as { __savedState?: { transform?: unknown } }).__savedState?.transform);
  const saved = (await seen(page)).saved!;
  const k0 = /scale\(([\d.]+)\)/.exec(before.drawnAt)![1];
  assert.equal(saved.k, Number(k0), 'the saved zoom is the drawn one');
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('a wheel zoom and a change of view from the code draw the graph again at the new transform', async () => {
  const v = await openView(browser(), MODEL);
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  const before = await seen(page);
  const box = (await page.locator('#canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -200);
  // d3-zoom ends a wheel gesture 150 ms after its last event; the drawing is then at the new zoom.
  await page.waitForFunction((t) => document.querySelector('svg#graph g.viewport')?.getAttribute('transform') !== t, before.drawnAt);
  const zoomed = await seen(page);
  assert.notEqual(/scale\(([\d.]+)\)/.exec(zoomed.drawnAt)![1], /scale\(([\d.]+)\)/.exec(before.drawnAt)![1], 'drawn at the new zoom');
  assert.equal(zoomed.layer, 'none', 'the layer is back in place');
  assert.equal(zoomed.animations, 0);
  // Fit from the code: drawn at once, the layer in place.
  await page.locator('#fit').click();
  const fit = await seen(page);
  assert.equal(fit.layer, 'none');
  assert.equal(fit.animations, 0);
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('zoomed far out (no labels), a small wheel zoom keeps the drawn picture, scaled; one that brings the labels back draws again', async () => {
  const v = await openView(browser(), MODEL);
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  // squeezenet1_1 fitted to the view is below the zoom at which labels are drawn.
  await page.locator('#fit').click();
  await page.waitForFunction(() => document.getElementById('graph')!.classList.contains('far'));
  const fit = await seen(page);
  const box = (await page.locator('#canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const key = await page.evaluate(() => document.querySelector<SVGGElement>('g.node.kind-node')!.dataset.key!);
  const rectAt = (): Promise<{ x: number; y: number; w: number }> => page.evaluate((k) => {
    const r = document.querySelector(`g.node[data-key="${k}"] rect`)!.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width };
  }, key);
  const before = await rectAt();
  for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -60); // 1.28x
  // d3-zoom ends the gesture 150 ms after its last event; the view's zoom is saved then.
  await page.waitForFunction((k0) => {
    const t = (window as unknown as { __savedState?: { transform?: { k: number } } }).__savedState?.transform;
    return !!t && t.k > k0 * 1.2;
  }, Number(/scale\(([\d.e-]+)\)/.exec(fit.drawnAt)![1]));
  await page.waitForTimeout(300);
  const held = await seen(page);
  assert.equal(held.drawnAt, fit.drawnAt, 'the drawing keeps its transform');
  assert.match(held.layer, /^matrix\(/, 'the layer holds the new zoom');
  assert.equal(held.animations, 0, 'nothing left running');
  const after = await rectAt();
  const k = held.saved!.k / Number(/scale\(([\d.e-]+)\)/.exec(fit.drawnAt)![1]);
  assert.ok(Math.abs(after.w / before.w - k) < 0.02, `the boxes are shown at the new zoom (${after.w / before.w} vs ${k})`);
  // Zooming in until labels are drawn: drawn again at the new zoom, the layer back in place.
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -100);
  await page.waitForFunction(() => !document.getElementById('graph')!.classList.contains('far'));
  await page.waitForFunction((t) => document.querySelector('svg#graph g.viewport')?.getAttribute('transform') !== t, fit.drawnAt);
  await page.waitForTimeout(300);
  const near = await seen(page);
  assert.equal(near.layer, 'none', 'the layer is back in place');
  assert.ok(await page.locator('g.node text.label').first().isVisible(), 'labels are shown');
  // Arrowheads: left out below ARROWS (under 3 pixels), drawn from it on; the wheel takes the view across it.
  const arrows = (): Promise<{ k: number; marker: string }> => page.evaluate(() => ({
    k: Number(/scale\(([\d.e-]+)\)/.exec(document.querySelector('svg#graph g.viewport')!.getAttribute('transform')!)![1]),
    marker: getComputedStyle(document.querySelector('svg#graph g.edges path')!).markerEnd,
  }));
  const first = await arrows();
  assert.equal(first.marker === 'none', first.k < ARROWS, `arrowheads at zoom ${first.k}: ${first.marker}`);
  let a = first;
  for (let i = 0; i < 12 && (a.k < ARROWS) === (first.k < ARROWS); i++) {
    await page.mouse.wheel(0, first.k < ARROWS ? -60 : 60);
    await page.waitForTimeout(400);
    a = await arrows();
  }
  assert.notEqual(a.k < ARROWS, first.k < ARROWS, `the zoom crossed ${ARROWS} (${first.k} → ${a.k})`);
  assert.equal(a.marker === 'none', a.k < ARROWS, `arrowheads at zoom ${a.k}: ${a.marker}`);
  assert.deepEqual(v.errors, []);
  await v.close();
});
