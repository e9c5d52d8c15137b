// The first frame the extension host draws into the graph view's page (webview/first-frame.ts): the page shows it
// before its bundle has loaded, with the boxes in view, the bundle's own first draw puts every box where the host's
// frame had it, names stay text, and a restored view (saved state) is drawn by the bundle alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, drawn, openView, useBrowser } from './harness';
import { readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';
import { leanOpen } from '../../src/worker/lean-open';
import { firstFrame, frameMarkup } from '../../webview/first-frame';
import { ITEM_LIMIT } from '../../webview/draw-info';

const MODEL = path.resolve(ROOT, '../shared/models/squeezenet1_1.onnx');
const browser = useBrowser();

interface Seen { viewport: string | null; boxes: [string, string][]; bundleRan: boolean; controls: boolean; sizes: string[]; arrows: number; markers: number }
/** What the page held when the host's frame was shown, at its first zoom (before the bundle, loaded after that
 *  frame, can run). A frame whose zoom depends on the view's size is out of the SVG until the page's first layout;
 *  a tall graph's frame (FirstFrame.near) is plain SVG in the page's HTML (svg.prerender, centred at half the view's
 *  width): what the first frame shows of it is read as that frame starts (rendering waits until it is all parsed). */
const SEEN = `(() => {
  const capture = (vp, transform) => {
    window.__seen = { viewport: transform, bundleRan: !!window.onnx2liteTimings, controls: !!document.getElementById('search'),
      boxes: [...vp.querySelectorAll('g.node rect')].map((r) => [r.parentNode.dataset.key, r.getAttribute('x') + ',' + r.getAttribute('y')]),
      sizes: [...new Set([...vp.querySelectorAll('text')].map((t) => getComputedStyle(t).fontSize))],
      arrows: [...vp.querySelectorAll('path.arrowheads')].reduce((n, p) => n + (p.getAttribute('d').match(/Z/g) || []).length, 0),
      markers: vp.querySelectorAll('[marker-end]').length };
  };
  new MutationObserver((ms, o) => {
    const el = document.querySelector('svg#graph .prerender');
    if (!el || el.hasAttribute('display')) return;
    o.disconnect();
    if (el.tagName === 'g') { capture(el, el.getAttribute('transform')); return; }
    requestAnimationFrame(() => {
      if (getComputedStyle(el).display === 'none') return;
      const vp = el.querySelector('g.viewport'), m = vp.getScreenCTM(), r = document.getElementById('graph').getBoundingClientRect();
      capture(vp, 'translate(' + (m.e - r.left) + ',' + (m.f - r.top) + ') scale(' + m.a + ')');
    });
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['display'] });
})();`;

/** The numbers of a transform `translate(x,y) scale(k)`. */
const xyk = (t: string): number[] => /translate\(([-\d.e]+),\s*([-\d.e]+)\) scale\(([-\d.e]+)\)/.exec(t)!.slice(1).map(Number);

async function seen(page: Page): Promise<Seen> {
  return page.evaluate('window.__seen') as Promise<Seen>;
}

async function boxes(page: Page): Promise<[string, string][]> {
  return page.evaluate(() => [...document.querySelectorAll<SVGRectElement>('svg#graph g.viewport g.node rect')]
    .map((r) => [(r.parentNode as SVGGElement).dataset.key!, `${r.getAttribute('x')},${r.getAttribute('y')}`] as [string, string]));
}

test('the host\'s frame is in the page before the bundle runs; the bundle\'s first draw moves nothing', async () => {
  const v = await openView(browser(), MODEL, { initScript: SEEN });
  const { page } = v;
  assert.equal(await drawn(page), 'drawn');
  const before = await seen(page);
  assert.ok(before, 'the page recorded what it held when parsed');
  assert.equal(before.bundleRan, false, 'the bundle had not run when the page was parsed');
  assert.ok(before.viewport, 'the host\'s frame has its first zoom');
  assert.equal(before.controls, false, 'the toolbar\'s controls wait for the bundle (the frame does without them)');
  // One size of text (each size is a font look-up of the renderer's in the browser process as it lays the frame out):
  // the input box's shape line, smaller, comes with the bundle's drawing.
  assert.deepEqual(before.sizes, ['12px'], 'the host\'s frame holds text of one size');
  // Its edges' arrowheads are one path (no marker each: each marker is a paint of its own).
  assert.equal(before.markers, 0, 'no markers in the host\'s frame');
  assert.ok(before.arrows >= 20, `${before.arrows} arrowheads drawn as one path`);
  const expected = firstFrame(leanOpen(MODEL)!.graph)!;
  assert.ok(expected.items > 10 && expected.items <= ITEM_LIMIT);
  // The bundle drew: the host's frame is gone, and the same boxes are where they were, at the same zoom.
  assert.equal(await page.locator('.prerender').count(), 0);
  const now = xyk((await page.locator('svg#graph g.viewport').getAttribute('transform'))!);
  xyk(before.viewport!).forEach((v, i) => assert.ok(Math.abs(v - now[i]) < 0.01, `the same zoom (${before.viewport} vs ${now})`));
  const after = await boxes(page);
  assert.equal(after.length, expected.items, 'the bundle draws every box');
  const where = new Map(after);
  for (const [key, at] of before.boxes) assert.equal(where.get(key), at, `${key} stays where the host's frame had it`);
  assert.match((await page.locator('svg#graph g.node.kind-input text.sub').first().textContent()) ?? '', /224/, 'the bundle puts the input\'s shape line in');
  // squeezenet1_1 is too tall to fit readably: it starts readable at its top, and the host's frame put only the boxes
  // in view (or touching it) into the page; every box in view was there.
  const [x, y, k] = xyk(before.viewport!);
  const size = await page.evaluate(() => { const r = document.getElementById('graph')!.getBoundingClientRect(); return { w: r.width, h: r.height }; });
  const inView = await page.evaluate(({ k, x, y, w, h }) => [...document.querySelectorAll<SVGRectElement>('svg#graph g.viewport g.node rect')]
    .filter((r) => { const rx = Number(r.getAttribute('x')) * k + x, ry = Number(r.getAttribute('y')) * k + y; return rx < w && ry < h && rx + r.width.baseVal.value * k > 0 && ry + r.height.baseVal.value * k > 0; })
    .map((r) => (r.parentNode as SVGGElement).dataset.key!), { k, x, y, ...size });
  assert.ok(inView.length > 5 && before.boxes.length < expected.items, `${before.boxes.length} of ${expected.items} boxes in the host's frame`);
  const seenKeys = new Set(before.boxes.map(([key]) => key));
  for (const key of inView) assert.ok(seenKeys.has(key), `${key}, in view, was in the host's frame`);
  const marks = await page.evaluate(() => ['onnx2lite-first-frame', 'onnx2lite-drawn'].map((n) => performance.getEntriesByName(n)[0]?.startTime ?? -1));
  assert.ok(marks[0] >= 0 && marks[1] >= marks[0], `the host's frame came first (${marks.join(', ')})`);
  // The stylesheet's late rules (waiting as text until after the frame) are in effect.
  assert.ok(await page.evaluate(() => !document.getElementById('late-css')
    && [...document.styleSheets].some((sh) => [...sh.cssRules].some((r) => (r as CSSStyleRule).selectorText === '#panel h2'))), 'late rules added');
  // The page works: search and the side panel.
  await page.locator('#search input').fill('Concat');
  await page.locator('#results .result').first().waitFor();
  await page.locator('#results .result').first().click();
  await page.waitForFunction(() => document.querySelector('#panel h2')?.textContent === 'Concat');
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('a bigger page puts in the tiers of the tall graph\'s frame that it shows: every box in view is in the first frame', async () => {
  const v = await openView(browser(), MODEL, { initScript: SEEN, width: 1900, height: 1180 });
  assert.equal(await drawn(v.page), 'drawn');
  const before = await seen(v.page);
  assert.ok(before?.viewport, 'the host\'s frame was shown');
  const [x, y, k] = xyk(before.viewport!);
  const h = await v.page.evaluate(() => document.getElementById('graph')!.getBoundingClientRect().height);
  const top = firstFrame(leanOpen(MODEL)!.graph)!;
  // The boxes of the frame (graph coordinates from their bounds) that reach into this view: each was drawn.
  const seenKeys = new Set(before.boxes.map(([key]) => key));
  const keys = top.boxes.map((b) => /data-key="([^"]*)"/.exec(b)![1]);
  const inView = keys.filter((_, i) => top.bounds[4 * (top.edges.length + i) + 1] * k + y < h);
  assert.ok(inView.length > 24, `${inView.length} boxes in a 1180-pixel page (24 in an 800-pixel one)`);
  for (const key of inView) assert.ok(seenKeys.has(key), `${key}, in view, was in the host's frame`);
  assert.equal(await v.page.locator('#frame-tiers').count(), 0);
  assert.ok(x > 0);
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('names holding HTML in the host\'s frame are text', async () => {
  const model = readModelFile(MODEL);
  model.graph.nodes[0].opType = 'Evil<img src=x onerror="window.__pwned=1">';
  model.graph.nodes[0].domain = 'com.example';
  model.graph.inputs[0].name = model.graph.nodes[0].inputs[0] = 'in"put<script>window.__pwned=2</script>';
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-frame-')), 'hostile.onnx');
  fs.writeFileSync(file, encodeModel(model));
  const f = firstFrame(leanOpen(file)!.graph, { w: 1e6, h: 1e6 })!; // every box (a view that fits the graph)
  assert.equal(f.near, undefined);
  assert.doesNotMatch(frameMarkup(f), /<img|<script/);
  assert.match(frameMarkup(f), /com\.example\.Evil&lt;img src=x/, 'the op type (its box\'s label) is text');
  const v = await openView(browser(), file, { initScript: SEEN });
  assert.equal(await drawn(v.page), 'drawn');
  assert.ok((await seen(v.page)).boxes.length > 0, 'the host drew the frame');
  assert.equal(await v.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await v.page.locator('img, svg script').count(), 0);
  await v.close();
});

test('a tall graph\'s frame holds only its top; a view that shows more of it is drawn by the bundle', async () => {
  const g = leanOpen(MODEL)!.graph;
  const top = firstFrame(g)!, all = firstFrame(g, { w: 1e6, h: 1e6 })!;
  assert.ok(top.near, 'squeezenet1_1 does not fit readably in a view up to NEAR_VIEW');
  assert.equal(all.near, undefined);
  assert.equal(all.edges.length + all.boxes.length, all.bounds.length / 4);
  assert.equal(top.edges.length + top.boxes.length, top.bounds.length / 4);
  assert.ok(top.boxes.length < all.boxes.length && top.boxes.length > 10, `${top.boxes.length} of ${all.boxes.length} boxes near the top`);
  assert.ok(frameMarkup(all).includes(frameMarkup(top).slice(0, 200)), 'the same markup, in the same order');
  // A view taller than NEAR_VIEW.h fits the whole graph: the host's frame (its top) is dropped, the bundle draws.
  const v = await openView(browser(), MODEL, { initScript: SEEN, width: 1400, height: 1900 });
  assert.equal(await drawn(v.page), 'drawn');
  assert.equal((await seen(v.page))?.viewport ?? null, null, 'the host\'s frame is not shown');
  assert.equal((await boxes(v.page)).length, all.items);
  const k = Number(/scale\(([-\d.e]+)\)/.exec((await v.page.locator('svg#graph g.viewport').getAttribute('transform'))!)![1]);
  assert.ok(k >= 0.5, `fitted (zoom ${k})`);
  assert.deepEqual(v.errors, []);
  await v.close();
});

test('a restored view (saved state of this file) is drawn by the bundle alone', async () => {
  const name = path.basename(MODEL);
  const v = await openView(browser(), MODEL, { initScript: SEEN, state: { file: name, expanded: [''], transform: { k: 1, x: 5, y: 7 } } });
  assert.equal(await drawn(v.page), 'drawn');
  const s = await seen(v.page);
  assert.equal(s?.viewport ?? null, null, 'no host frame in a restored view');
  assert.equal(await v.page.locator('svg#graph g.viewport').getAttribute('transform'), 'translate(5,7) scale(1)');
  assert.deepEqual(v.errors, []);
  await v.close();
});
