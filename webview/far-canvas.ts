// The picture of a big graph zoomed far out (labels hidden), drawn on a 2-D canvas instead of as SVG elements: boxes
// and edges only, each frame drawn again at the view's transform in a few ms. As SVG, every change of zoom had Blink
// paint and layerize thousands of boxes again (the expanded detector, 3,500 boxes: 80-400 ms frames zooming in or out
// past what the moved picture could show, and 1.2 s creating the elements again when zooming out from the labels).
// The colours are those the stylesheet gives the SVG boxes (read once per class from a hidden probe box), so the
// picture matches the SVG drawing it stands in for; clicks find their box here (hit()).
import { line, curveBasis } from 'd3-shape';
import type { DrawEdge, DrawItem, Transform } from './canvas';

interface Paint { fill: string; stroke: string; width: number; /** the tiny box's colour */ dot: string }

export class FarCanvas {
  readonly el: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly probe: SVGGElement;
  private readonly paints = new Map<string, Paint>();
  private edgeStyle: { stroke: string; alpha: number; width: number } | undefined;

  /** `repaint` draws the canvas again: called when VS Code's theme changes (its class on <body>, its colour
   *  variables on <html>), after the colours read from the stylesheet are forgotten. */
  constructor(layer: HTMLElement, svg: SVGSVGElement, repaint: () => void) {
    new MutationObserver(() => { this.forget(); repaint(); }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    new MutationObserver(() => { this.forget(); repaint(); }).observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    this.el = document.createElement('canvas');
    this.el.className = 'far-canvas';
    this.el.hidden = true;
    layer.prepend(this.el);
    this.ctx = this.el.getContext('2d', { alpha: true })!;
    // A box and an edge out of sight, given each class in turn to read what the stylesheet paints it with.
    const ns = 'http://www.w3.org/2000/svg';
    this.probe = document.createElementNS(ns, 'g') as SVGGElement;
    this.probe.setAttribute('class', 'probe');
    this.probe.setAttribute('visibility', 'hidden');
    this.probe.append(document.createElementNS(ns, 'rect'), document.createElementNS(ns, 'path'));
    svg.append(this.probe);
  }

  /** The stylesheet's colours for a box of these classes (or its own fill). */
  private paint(d: DrawItem, classes: string): Paint {
    const key = `${classes}|${d.fill ?? ''}`;
    let p = this.paints.get(key);
    if (!p) {
      this.probe.setAttribute('class', `probe node ${classes}`);
      const s = getComputedStyle(this.probe.firstElementChild!);
      // A box's own fill (accuracy heat) or a class's fill other than the plain box's (a search match) tells more
      // than its outline.
      const fill = d.fill ?? s.fill;
      p = { fill, stroke: s.stroke, width: parseFloat(s.strokeWidth) || 1, dot: d.fill || classes.includes(' match') || s.stroke === 'none' ? fill : s.stroke };
      this.probe.setAttribute('class', 'probe');
      this.paints.set(key, p);
    }
    return p;
  }

  /** Colours are read again (after a change of theme). */
  forget(): void { this.paints.clear(); this.edgeStyle = undefined; }

  show(on: boolean): void { if (this.el.hidden === on) this.el.hidden = !on; }

  /** Draws the boxes and edges at transform `t` into a view of `w` × `h` CSS pixels; only those in view. */
  draw(items: Iterable<DrawItem>, edges: DrawEdge[], t: Transform, w: number, h: number, classes: (d: DrawItem) => string): void {
    const dpr = window.devicePixelRatio || 1, cw = Math.round(w * dpr), ch = Math.round(h * dpr);
    if (this.el.width !== cw || this.el.height !== ch) {
      this.el.width = cw; this.el.height = ch;
      this.el.style.width = `${w}px`; this.el.style.height = `${h}px`;
    }
    const c = this.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, cw, ch);
    c.setTransform(t.k * dpr, 0, 0, t.k * dpr, t.x * dpr, t.y * dpr);
    const x0 = -t.x / t.k, y0 = -t.y / t.k, x1 = x0 + w / t.k, y1 = y0 + h / t.k;
    if (!this.edgeStyle) {
      this.probe.lastElementChild!.setAttribute('class', 'edge');
      const s = getComputedStyle(this.probe.lastElementChild!);
      this.edgeStyle = { stroke: s.stroke, alpha: Number(s.strokeOpacity) || 1, width: parseFloat(s.strokeWidth) || 1 };
      this.probe.lastElementChild!.removeAttribute('class');
    }
    // Edges: one path, one stroke; curves only when they are big enough to show as curves (Skia strokes straight
    // segments several times sooner).
    c.beginPath();
    const curve = t.k >= 0.15 ? line<{ x: number; y: number }>().x((p) => p.x).y((p) => p.y).curve(curveBasis).context(c) : undefined;
    // Zoomed out so far that an edge spans a pixel or two, it is left out (the boxes it joins are next to each other);
    // one spanning less than 8 pixels is a straight line.
    const px = 1 / t.k;
    for (const e of edges) {
      let a = Infinity, b = Infinity, cx = -Infinity, dy = -Infinity;
      for (const p of e.points) { a = Math.min(a, p.x); b = Math.min(b, p.y); cx = Math.max(cx, p.x); dy = Math.max(dy, p.y); }
      if (cx < x0 || a > x1 || dy < y0 || b > y1) continue;
      const span = Math.max(cx - a, dy - b);
      if (span < 2 * px) continue;
      if (curve) { curve(e.points); continue; }
      const pts = e.points, last = pts.length - 1;
      c.moveTo(pts[0].x, pts[0].y);
      if (span < 8 * px) c.lineTo(pts[last].x, pts[last].y);
      else for (let i = 1; i <= last; i++) c.lineTo(pts[i].x, pts[i].y);
    }
    c.globalAlpha = this.edgeStyle.alpha;
    c.strokeStyle = this.edgeStyle.stroke;
    c.lineWidth = this.edgeStyle.width;
    c.stroke();
    c.globalAlpha = 1;
    // Boxes: one path per paint (fill, then outline).
    // A box a few pixels tall is a dot of its outline's colour (the colour that tells its category), one dot to a
    // 2x2-pixel cell (zoomed far out, thousands of boxes fall on the same few pixels); a bigger one is filled and
    // outlined.
    const tiny = 28 * t.k < 4;
    const cells = new Set<number>();
    const byPaint = new Map<Paint, DrawItem[]>();
    for (const d of items) {
      if (d.x + d.width / 2 < x0 || d.x - d.width / 2 > x1 || d.y + d.height / 2 < y0 || d.y - d.height / 2 > y1) continue;
      if (tiny) {
        const cell = Math.floor((d.y - y0) * t.k / 2) * 65536 + Math.floor((d.x - x0) * t.k / 2);
        if (cells.has(cell)) continue;
        cells.add(cell);
      }
      const p = this.paint(d, classes(d));
      const list = byPaint.get(p);
      if (list) list.push(d); else byPaint.set(p, [d]);
    }
    for (const [p, list] of byPaint) {
      c.beginPath();
      for (const d of list) c.rect(d.x - d.width / 2, d.y - d.height / 2, d.width, d.height);
      c.fillStyle = tiny ? p.dot : p.fill;
      c.fill();
      if (tiny) continue;
      c.strokeStyle = p.stroke;
      c.lineWidth = p.width;
      c.stroke();
    }
  }

  /** The box under the point (x, y) of the view at transform `t` (within 2 screen pixels of it; the nearest centre
   *  when several are), if any. */
  static hit(items: Iterable<DrawItem>, t: Transform, x: number, y: number): DrawItem | undefined {
    const gx = (x - t.x) / t.k, gy = (y - t.y) / t.k, pad = 2 / t.k;
    let found: DrawItem | undefined, best = Infinity;
    for (const d of items) {
      const dx = Math.abs(gx - d.x), dy = Math.abs(gy - d.y);
      if (dx <= d.width / 2 + pad && dy <= d.height / 2 + pad && dx + dy < best) { found = d; best = dx + dy; }
    }
    return found;
  }
}
