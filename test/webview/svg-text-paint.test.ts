// The drawing's labels (media/graph.css `.node text`: text-rendering: geometricPrecision) cost Blink's compositing
// little at each repaint: with the default text-rendering, each SVG label of the zoomed drawing is paint that Blink
// layerizes again whenever anything is repainted (the flat 20,000-node graph's 150 boxes: 11-14 ms of Layerize CPU a
// repaint at load 21, 2.3-2.5 ms with the rule; its expanded view's 176 boxes 19-23 -> 5-6 ms). Measured here as a
// ratio in one page, the stylesheet as shipped against the same page with that rule overridden, interleaved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { drawn, modelBackend, openView, useBrowser } from './harness';
import { flatModel } from './synthetic';

const browser = useBrowser();

/** Layerize CPU (ms, the trace's thread time) of two repaints of the whole drawing: the viewport group's transform
 *  moved by half a pixel and back, a frame each. */
async function layerizeMs(b: Browser, page: Page): Promise<number> {
  await b.startTracing(page, { categories: ['devtools.timeline', 'blink'] });
  await page.evaluate(() => new Promise<void>((resolve) => {
    const vp = document.querySelector('g.viewport')!, t = vp.getAttribute('transform') ?? '';
    requestAnimationFrame(() => {
      vp.setAttribute('transform', `${t} translate(0.5,0)`);
      requestAnimationFrame(() => { vp.setAttribute('transform', t); requestAnimationFrame(() => setTimeout(resolve, 50)); });
    });
  }));
  const events = JSON.parse((await b.stopTracing()).toString()).traceEvents as { name: string; ph: string; tdur?: number }[];
  return events.filter((e) => e.name === 'Layerize' && e.ph === 'X').reduce((s, e) => s + (e.tdur ?? 0), 0) / 1000;
}

/** Overrides the labels' text-rendering in the page (a style element with the page's nonce: its CSP allows no other). */
const override = (page: Page, rule: string): Promise<void> => page.evaluate((css) => {
  let s = document.getElementById('test-style') as HTMLStyleElement | null;
  if (!s) {
    s = document.createElement('style');
    s.nonce = (document.querySelector('style[nonce]') as HTMLStyleElement).nonce;
    s.id = 'test-style';
    document.head.append(s);
  }
  s.textContent = css;
}, rule);

test('the drawing\'s labels keep a repaint\'s compositing cheap (text-rendering: geometricPrecision)', async () => {
  const v = await openView(browser(), '/tmp/flat-20000.onnx', { backend: modelBackend(flatModel(5000), false) });
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('g.node text')!).textRendering), 'geometricprecision');
  assert.ok(await page.locator('g.node text').count() >= 200, 'the first frame\'s boxes and their labels are SVG');
  const shipped: number[] = [], plain: number[] = [];
  for (let i = 0; i < 3; i++) {
    await override(page, '');
    shipped.push(await layerizeMs(browser(), page));
    await override(page, 'svg#graph text { text-rendering: auto; }');
    plain.push(await layerizeMs(browser(), page));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1];
  assert.ok(median(shipped) * 2 < median(plain),
    `Layerize CPU of a repaint: as shipped ${shipped.map((x) => x.toFixed(1)).join(' / ')} ms, with text-rendering: auto ${plain.map((x) => x.toFixed(1)).join(' / ')} ms`);
  assert.deepEqual(v.errors, []);
  await v.close();
});
