// A big drawing's labels (webview/canvas.ts, over CULL_ABOVE boxes): not in each box's group but in one layer of their
// own (`g.labels`, over the boxes), and only for the boxes in the page that are in view or near it (LABEL_MARGIN).
// The boxes near the view come into the page ENTER_BUDGET a frame as bare rects (a rect is styled, laid out and
// painted in a fraction of a label's time: the expanded detector's labels coming back spent half of each frame on the
// labels of boxes out of view); each frame's new labels go into the layer in one write (one group, its markup set at
// once), and those whose boxes left the view's neighbourhood go. Colours changed (recolor) write them all again, once.
import { boxLabels } from './svg-markup';
import { textOn } from './colors';
import type { DrawItem } from './canvas';
import type { Region } from './near-view';

/** How far around the view (in views, each side) boxes in the page have their labels: a drag of a quarter view
 *  shows labelled boxes, and its end brings the labels of those it uncovered (update()). */
export const LABEL_MARGIN = 0.25;

const inRegion = (d: DrawItem, r: Region): boolean =>
  d.x + d.width / 2 >= r.x0 && d.x - d.width / 2 <= r.x1 && d.y + d.height / 2 >= r.y0 && d.y - d.height / 2 <= r.y1;

export class LabelLayer {
  /** The label elements of each labelled box, by key, and the box object they were written for. */
  private readonly drawn = new Map<string, { d: DrawItem; els: Element[] }>();

  constructor(private readonly layer: SVGGElement) {}

  /** Labels for the boxes of `inPage` in `near` (the view widened by LABEL_MARGIN): the new ones in one write, those of
   *  boxes gone or moved away removed. */
  update(inPage: Iterable<DrawItem>, near: Region): void {
    const want = new Map<string, DrawItem>();
    for (const d of inPage) if (inRegion(d, near)) want.set(d.key, d);
    for (const [key, l] of this.drawn) {
      if (want.get(key) === l.d) continue;
      for (const el of l.els) { const chunk = el.parentElement; el.remove(); if (chunk && !chunk.firstElementChild) chunk.remove(); }
      this.drawn.delete(key);
    }
    const fresh = [...want.values()].filter((d) => !this.drawn.has(d.key));
    if (!fresh.length) return;
    const g = document.createElementNS('http://www.w3.org/2000/svg', 'g');
    g.innerHTML = fresh.map((d) => boxLabels(d, textOn(d.fill))).join('');
    // Each box's texts, in the order written (one label, perhaps a second line).
    let el = g.firstElementChild;
    for (const d of fresh) {
      const els: Element[] = [];
      while (el && el.getAttribute('data-key') === d.key) { els.push(el); el = el.nextElementSibling; }
      this.drawn.set(d.key, { d, els });
    }
    this.layer.append(g);
  }

  /** No labels (the drawing is on the far canvas, small, or its colours changed). */
  clear(): void {
    this.drawn.clear();
    this.layer.replaceChildren();
  }

  /** How many boxes have their labels in the layer. */
  get size(): number { return this.drawn.size; }
}
