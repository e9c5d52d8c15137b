// Frame times of the graph view while the user works in it (headless Chromium): expanding a collapsed group
// (double-click: relayout in the worker, redraw), panning (a mouse drag) and zooming (the mouse wheel). A requestAnimationFrame loop in the page
// records the time between frames; the longest gap is the worst frame the user sees.
import type { Page } from 'playwright-core';

export interface FrameTimes { ms: number; longestFrameMs: number; frames: number; items: number; /** pan: the longest frame after the release */ afterMs?: number }

// Run through tsx, the page functions below are compiled with esbuild's `__name` helper, which the page lacks.
const helper = (page: Page): Promise<unknown> => page.evaluate('window.__name = window.__name || ((f) => f)');

/** Waits until the view has what the host sends after the first frame (shapes, then the compatibility verdicts, which
 *  recolour every box): frame times are then those of the gesture alone. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => (document.getElementById('summary')?.textContent ?? '') !== '', undefined, { timeout: 120_000 });
  await page.waitForTimeout(300);
}

/** Double-clicks the largest collapsed group on screen; resolves once its contents are drawn. */
export async function expandLargestGroup(page: Page): Promise<FrameTimes> {
  await helper(page);
  return page.evaluate(async () => {
    const groups = [...document.querySelectorAll<SVGGElement>('g.node.kind-group')];
    const size = (g: Element): number => Number(/(\d+) nodes/.exec(g.querySelector('text.sub')?.textContent ?? '')?.[1] ?? 0);
    const target = groups.sort((a, b) => size(b) - size(a))[0];
    if (!target) throw new Error('no collapsed group to expand');
    const before = document.querySelectorAll('g.node').length;
    const gaps: number[] = [];
    const t0 = performance.now();
    let last = t0;
    const done = new Promise<number>((resolve) => {
      const tick = (t: number): void => {
        gaps.push(t - last); last = t;
        if (!document.querySelector(`g.node[data-key="${CSS.escape(target.dataset.key!)}"]`) && document.querySelectorAll('g.node').length !== before) {
          requestAnimationFrame((t2) => { gaps.push(t2 - last); resolve(t2); }); // the frame that shows it
        } else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    target.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    const end = await done;
    return { ms: end - t0, longestFrameMs: Math.max(...gaps), frames: gaps.length, items: document.querySelectorAll('g.node').length };
  });
}

/** Starts recording the gaps between animation frames (window.__gaps) until gapsRecorded. */
async function recordGaps(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __gaps: number[]; __pan: boolean };
    w.__gaps = []; w.__pan = true;
    let last = performance.now();
    const tick = (t: number): void => { w.__gaps.push(t - last); last = t; if (w.__pan) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
}

/** Stops recording: the longest of the first `during` frame gaps (the gesture) and of those after it. */
function gapsRecorded(page: Page, ms: number, during: number): Promise<FrameTimes> {
  return page.evaluate(({ ms, during }) => {
    const w = window as unknown as { __gaps: number[]; __pan: boolean };
    w.__pan = false;
    const gaps = w.__gaps.slice(1, during), after = w.__gaps.slice(during);
    return { ms, longestFrameMs: Math.max(...gaps), frames: gaps.length, items: document.querySelectorAll('g.node').length,
      afterMs: after.length ? Math.max(...after) : 0 };
  }, { ms, during });
}

/** Drags the graph across the view for about a second; frame gaps recorded while it moves (from the press to the
 *  release), and the longest frame in the half second after the release (the view redrawn where the drag left it). */
export async function pan(page: Page): Promise<FrameTimes> {
  await helper(page);
  await recordGaps(page);
  const t0 = Date.now();
  await page.mouse.move(640, 400);
  await page.mouse.down();
  for (let i = 1; i <= 60; i++) await page.mouse.move(640 + 4 * i, 400 + 6 * i * (i % 2 ? 1 : -0.5));
  // The frames up to the release (the release's own redraw comes after it).
  const during = await page.evaluate(() => (window as unknown as { __gaps: number[] }).__gaps.length);
  await page.mouse.up();
  const ms = Date.now() - t0;
  await page.waitForTimeout(500);
  return gapsRecorded(page, ms, during);
}

/** A wheel zoom over the view's centre (five notches `dy` apart by 30 ms: in for dy < 0); frame gaps recorded from the
 *  first notch to the gesture's end (d3-zoom ends it 150 ms after the last) and for 800 ms after: the longest frame
 *  then is the one that shows the view at its new zoom. */
export async function wheelZoom(page: Page, dy: number, at = { x: 640, y: 400 }): Promise<FrameTimes> {
  await helper(page);
  await page.mouse.move(at.x, at.y);
  await page.waitForTimeout(200);
  await recordGaps(page);
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) { await page.mouse.wheel(0, dy); await page.waitForTimeout(30); }
  const during = await page.evaluate(() => (window as unknown as { __gaps: number[] }).__gaps.length);
  const ms = Date.now() - t0;
  await page.waitForTimeout(950);
  return gapsRecorded(page, ms, during);
}

/** The view's zoom (its drawing's transform). */
const zoomOf = (page: Page): Promise<number> => page.evaluate(() =>
  Number(/scale\(([-\d.e]+)\)/.exec(document.querySelector('svg#graph g.viewport')?.getAttribute('transform') ?? '')?.[1] ?? 1));

/** A point of the page over the drawing near the view's centre: a painted pixel of the far canvas
 *  (webview/far-canvas.ts), else a drawn box, else the centre. */
async function overBoxes(page: Page): Promise<{ x: number; y: number }> {
  await helper(page);
  return page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('canvas.far-canvas'), s = document.getElementById('graph')!.getBoundingClientRect();
    const cx = s.x + s.width / 2, cy = s.y + s.height / 2;
    let best = { x: cx, y: cy }, dist = Infinity;
    if (c && !c.hidden) {
      const r = c.getBoundingClientRect(), d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let y = 0; y < c.height; y += 4) for (let x = 0; x < c.width; x += 4) {
        if (d[4 * (y * c.width + x) + 3] < 255) continue; // a box (edges are drawn translucent)
        const px = r.x + x * r.width / c.width, py = r.y + y * r.height / c.height, dd = Math.hypot(px - cx, py - cy);
        if (dd < dist) { dist = dd; best = { x: px, y: py }; }
      }
      return best;
    }
    for (const g of document.querySelectorAll('svg#graph g.viewport g.node rect')) {
      const r = g.getBoundingClientRect(), dd = Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy);
      if (dd < dist) { dist = dd; best = { x: r.x + r.width / 2, y: r.y + r.height / 2 }; }
    }
    return best;
  });
}

/** From the view fitted (zoomed far out, labels hidden), wheel zooms over the drawing: in (past the 1.6x a moved
 *  picture may be scaled: 2.8x), then (brought by unrecorded notches to just under the zoom at which labels are
 *  drawn) in by 1.5x so labels come back, then out by 2.3x so they go again. */
export async function farZooms(page: Page): Promise<{ pastHold: FrameTimes; labelsBack: FrameTimes; labelsAway: FrameTimes; zooms: number[] }> {
  const zooms = [await zoomOf(page)];
  let at = await overBoxes(page);
  const pastHold = await wheelZoom(page, -150, at);
  zooms.push(await zoomOf(page));
  at = await overBoxes(page);
  for (let i = 0; i < 40 && await zoomOf(page) < 0.26; i++) {
    await page.mouse.move(at.x, at.y);
    await page.mouse.wheel(0, await zoomOf(page) < 0.2 ? -60 : -20);
    await page.waitForTimeout(200);
    at = await overBoxes(page);
  }
  await page.waitForTimeout(300);
  zooms.push(await zoomOf(page));
  const labelsBack = await wheelZoom(page, -60, at);
  zooms.push(await zoomOf(page));
  const labelsAway = await wheelZoom(page, 120, at);
  zooms.push(await zoomOf(page));
  return { pastHold, labelsBack, labelsAway, zooms };
}
