// A big drawing (more boxes than CULL_ABOVE) is drawn on a canvas (webview/far-canvas.ts) instead of as SVG elements:
// no box elements in the page, the canvas shows the boxes in the stylesheet's colours, a click on a box selects it, a
// zoom past what the moved picture could show draws the canvas again, and zooming in until labels come back draws
// them on the canvas, in the stylesheet's label colour, in the frame that draws the boxes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { canvasBoxNearCentre, openBigExpanded, useBrowser } from './harness';

const browser = useBrowser();

/** The view's transform as the page saved it (the zoom's own: a picture held at a zoom near it keeps the drawn one). */
const transform = (page: Page): Promise<{ k: number; x: number; y: number }> => page.evaluate(() =>
  (window as unknown as { __savedState: { transform: { k: number; x: number; y: number } } }).__savedState.transform);

/** How many of the canvas's pixels are painted, and the colour at (x, y) of the page. */
const canvasAt = (page: Page, x: number, y: number): Promise<{ shown: boolean; painted: number; at: number[] }> => page.evaluate(([x, y]) => {
  const c = document.querySelector<HTMLCanvasElement>('canvas.far-canvas');
  if (!c || c.hidden) return { shown: false, painted: 0, at: [] };
  const r = c.getBoundingClientRect(), d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i]) painted++;
  const px = Math.round((x - r.x) * c.width / r.width), py = Math.round((y - r.y) * c.height / r.height), o = 4 * (py * c.width + px);
  return { shown: true, painted, at: [...d.slice(o, o + 4)] };
}, [x, y]);

/** Of the canvas's pixels within `r` CSS pixels of (x, y) of the page, how many are the label colour `rgb` (within
 *  24 a channel). */
const labelPixels = (page: Page, x: number, y: number, r: number, rgb: number[]): Promise<number> => page.evaluate(([x, y, r, rgb]) => {
  const c = document.querySelector<HTMLCanvasElement>('canvas.far-canvas')!;
  const b = c.getBoundingClientRect(), s = c.width / b.width;
  const d = c.getContext('2d')!.getImageData(Math.round((x - r - b.x) * s), Math.round((y - r - b.y) * s), Math.round(2 * r * s), Math.round(2 * r * s)).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && [0, 1, 2].every((j) => Math.abs(d[i + j] - rgb[j]) <= 24)) n++;
  return n;
}, [x, y, r, rgb] as const);

test('a big graph is drawn on the canvas: clicks select its boxes, zooms redraw it, labels come back on it', async () => {
  const v = await openBigExpanded(browser());
  const { page } = v;
  assert.equal(await page.locator('svg#graph g.viewport g.node').count(), 0, 'no box elements in the page');
  const svgAt = (await page.locator('svg#graph').boundingBox())!;
  // A box of the first zoom: a click on an opaque pixel of the canvas (a box; edges are translucent) near the view's
  // centre selects it.
  await page.waitForFunction(() => !!(window as unknown as { __savedState?: { transform?: unknown } }).__savedState?.transform);
  const first = await transform(page);
  const hit = await canvasBoxNearCentre(page);
  await page.mouse.click(hit.x, hit.y);
  await page.waitForFunction(() => !!(window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected);
  const key = await page.evaluate(() => (window as unknown as { __savedState: { selected: string } }).__savedState.selected);
  // A double click centres the view on it: its centre, in graph coordinates, is then the view's.
  await page.mouse.dblclick(hit.x, hit.y);
  await page.waitForFunction((t0) => {
    const t = (window as unknown as { __savedState: { transform: { x: number; y: number } } }).__savedState.transform;
    return t.x !== t0.x || t.y !== t0.y;
  }, first);
  await page.waitForTimeout(300);
  const centred = await transform(page);
  const box = { key, x: (svgAt.width / 2 - centred.x) / centred.k, y: (svgAt.height / 2 - centred.y) / centred.k };
  await page.locator('#fit').click();
  await page.waitForFunction(() => document.getElementById('graph')!.classList.contains('far'));
  await page.waitForFunction(() => !document.querySelector<HTMLCanvasElement>('canvas.far-canvas')?.hidden);
  // The fitted view's transform once the page has saved it (the first zoom's may still be the saved one for a moment).
  await page.waitForFunction((far) => {
    const k = (window as unknown as { __savedState?: { transform?: { k: number } } }).__savedState?.transform?.k;
    return k !== undefined && k < far;
  }, 0.35 /* webview/canvas.ts FAR */);
  assert.equal(await page.locator('svg#graph g.viewport g.node').count(), 0, 'far out, no box elements in the page');
  const screen = async (): Promise<{ x: number; y: number }> => { const t = await transform(page); return { x: svgAt.x + t.x + t.k * box.x, y: svgAt.y + t.y + t.k * box.y }; };
  const fit = await transform(page);
  let at = await screen();
  const drawnFit = await canvasAt(page, at.x, at.y);
  assert.ok(drawnFit.shown && drawnFit.painted > 1000, `the canvas shows the graph (${drawnFit.painted} pixels painted)`);
  assert.ok(drawnFit.at[3] > 0, 'a box is painted where the box is');
  // A change of VS Code's theme (its colour variables on <html>) paints the canvas in the new colours.
  await page.evaluate(() => {
    for (const v of ['--vscode-editorWidget-background', '--vscode-panel-border', '--vscode-editor-foreground', '--vscode-focusBorder',
      '--vscode-charts-blue', '--vscode-charts-green', '--vscode-charts-yellow', '--vscode-charts-orange', '--vscode-charts-purple', '--vscode-charts-red',
      '--vscode-descriptionForeground']) document.documentElement.style.setProperty(v, 'rgb(255, 0, 255)');
  });
  await page.waitForFunction(([x, y, before]) => {
    const c = document.querySelector<HTMLCanvasElement>('canvas.far-canvas')!;
    const r = c.getBoundingClientRect(), px = Math.round((x - r.x) * c.width / r.width), py = Math.round((y - r.y) * c.height / r.height);
    const d = c.getContext('2d')!.getImageData(px, py, 1, 1).data;
    return d[3] > 0 && [...d].join() !== before;
  }, [at.x, at.y, drawnFit.at.join()] as const);
  // A click on the box selects it (the panel shows its node).
  await page.mouse.click(at.x, at.y);
  await page.waitForFunction((k) => (window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected === k, box.key);
  // A wheel zoom past 1.6x of the drawn zoom, still far out: the canvas is drawn again (at 1.6x or more, the rest of
  // the way the picture may be held, scaled), the box still where it is shown; no SVG boxes.
  const drawnZoom = (): Promise<number> => page.evaluate(() => Number(/scale\(([-\d.e]+)\)/.exec(document.querySelector('svg#graph g.viewport')!.getAttribute('transform')!)![1]));
  await page.mouse.move(at.x, at.y);
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -120);
  await page.waitForFunction((k0) => {
    const t = (window as unknown as { __savedState?: { transform?: { k: number } } }).__savedState?.transform;
    return !!t && t.k > k0 * 1.7;
  }, fit.k);
  await page.waitForTimeout(400);
  const zoomed = await transform(page);
  assert.ok(zoomed.k > fit.k * 1.7, `zoomed in (${fit.k} -> ${zoomed.k})`);
  assert.ok(await drawnZoom() >= fit.k * 1.5, 'the canvas was drawn again at a new zoom');
  if (zoomed.k < 0.35) {
    at = await screen();
    const drawnIn = await canvasAt(page, at.x, at.y);
    assert.ok(drawnIn.shown && drawnIn.at[3] > 0, 'the canvas is drawn again at the new zoom, the box under the pointer');
    assert.equal(await page.locator('svg#graph g.viewport g.node').count(), 0);
    // A click on an empty spot selects nothing; one on the box (where the view shows it, the picture perhaps held at
    // the drawn zoom and scaled) selects it again.
    await page.mouse.click(svgAt.x + 3, svgAt.y + svgAt.height - 3);
    await page.waitForFunction(() => (window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected === undefined);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction((k) => (window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected === k, box.key);
  }
  // Zooming in until labels come back (and on, until they are readable): still the canvas, no box elements; the box
  // under the pointer shows its label, in the stylesheet's label colour.
  const fg = await page.evaluate(() => {
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    t.setAttribute('class', 'label');
    const g = document.createElementNS('http://www.w3.org/2000/svg', 'g');
    g.setAttribute('class', 'labels');
    g.append(t);
    document.getElementById('graph')!.append(g);
    const m = /(\d+), (\d+), (\d+)/.exec(getComputedStyle(t).fill)!;
    g.remove();
    return [1, 2, 3].map((i) => Number(m[i]));
  });
  at = await screen();
  for (let i = 0; i < 40 && (await transform(page)).k < 0.8; i++) {
    await page.mouse.move(at.x, at.y);
    await page.mouse.wheel(0, -120);
    await page.waitForTimeout(60);
    at = await screen();
  }
  await page.waitForFunction(() => !document.getElementById('graph')!.classList.contains('far'));
  await page.waitForTimeout(400);
  at = await screen();
  assert.equal((await canvasAt(page, at.x, at.y)).shown, true, 'the canvas is shown');
  assert.equal(await page.locator('svg#graph g.viewport g.node').count(), 0, 'no box elements in the page');
  const k = (await transform(page)).k;
  // The label is centred on its box.
  const near = await labelPixels(page, at.x, at.y, 30 * k, fg);
  assert.ok(near > 10, `the box's label is drawn at zoom ${k.toFixed(2)} (${near} label-coloured pixels)`);
  // A click on it still selects it (the canvas hit-tests at the drawn zoom).
  await page.mouse.click(svgAt.x + 3, svgAt.y + svgAt.height - 3);
  await page.waitForFunction(() => (window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected === undefined);
  await page.mouse.click(at.x, at.y);
  await page.waitForFunction((k) => (window as unknown as { __savedState?: { selected?: string } }).__savedState?.selected === k, box.key);
  assert.deepEqual(v.errors, []);
  await v.close();
});
