// A big graph drawn on the canvas (webview/far-canvas.ts) has no element per box, so a screen reader would find
// nothing in it but the canvas. NearBoxes keeps an offscreen listbox (#near-boxes, in #canvas) of the boxes in view,
// top to bottom, named as the SVG's boxes are (drawInfo's `aria`), and points the canvas's aria-activedescendant at
// the selected box's option. The list is made a moment after the view has settled (never during a gesture), and only
// when what it lists has changed.
import type { DrawItem, Region } from './canvas';

/** At most this many boxes are listed (the view's topmost; the selected box is always among them). */
export const NEAR_LIMIT = 100;
/** How long after the last drawing of the canvas the list is made (ms). */
export const NEAR_DELAY = 150;

/** The boxes of `items` that `view` (graph coordinates) shows, top to bottom then left to right, at most `limit`; the
 *  selected one is listed too wherever it is. */
export function boxesNear(items: Iterable<DrawItem>, view: Region, selected: string | undefined, limit = NEAR_LIMIT): DrawItem[] {
  const near: DrawItem[] = [];
  let sel: DrawItem | undefined;
  for (const d of items) {
    if (d.key === selected) sel = d;
    if (d.x + d.width / 2 < view.x0 || d.x - d.width / 2 > view.x1 || d.y + d.height / 2 < view.y0 || d.y - d.height / 2 > view.y1) continue;
    near.push(d);
  }
  const order = (a: DrawItem, b: DrawItem): number => a.y - b.y || a.x - b.x;
  near.sort(order);
  const shown = near.slice(0, limit);
  if (sel && !shown.includes(sel)) { if (shown.length === limit) shown.pop(); shown.push(sel); shown.sort(order); }
  return shown;
}

export class NearBoxes {
  private readonly list: HTMLElement;
  private timer = 0;
  /** What the list holds (keys and names, and the selection), to leave it alone when nothing changed. */
  private listed = '';

  /** @param busy whether a gesture is under way: the list waits for its end (whose drawing asks again). */
  constructor(private readonly host: HTMLElement, private readonly busy: () => boolean = () => false) {
    this.list = document.createElement('div');
    this.list.id = 'near-boxes';
    this.list.className = 'visually-hidden';
    this.list.setAttribute('role', 'listbox');
    this.list.setAttribute('aria-label', 'Boxes in view');
    host.append(this.list);
  }

  /** Lists the boxes in view NEAR_DELAY ms from now (again later if asked again before). */
  soon(items: () => Iterable<DrawItem>, view: () => Region, selected: () => string | undefined): void {
    clearTimeout(this.timer);
    if (this.busy()) return;
    this.timer = window.setTimeout(() => { if (!this.busy()) this.update(boxesNear(items(), view(), selected()), selected()); }, NEAR_DELAY);
  }

  private update(boxes: DrawItem[], selected: string | undefined): void {
    const what = `${boxes.map((d) => `${d.key}\u0000${d.aria}`).join('\u0001')}\u0002${selected ?? ''}`;
    if (what === this.listed) return;
    this.listed = what;
    let active: string | undefined;
    this.list.replaceChildren(...boxes.map((d, i) => {
      const o = document.createElement('div');
      o.id = `near-box-${i}`;
      o.setAttribute('role', 'option');
      o.setAttribute('aria-selected', String(d.key === selected));
      o.dataset.key = d.key;
      o.textContent = d.aria;
      if (d.key === selected) active = o.id;
      return o;
    }));
    if (active) this.host.setAttribute('aria-activedescendant', active); else this.host.removeAttribute('aria-activedescendant');
  }

  /** The drawing is SVG again (its boxes are elements with their names): nothing is listed. */
  clear(): void {
    clearTimeout(this.timer);
    this.listed = '';
    this.list.replaceChildren();
    this.host.removeAttribute('aria-activedescendant');
  }
}
