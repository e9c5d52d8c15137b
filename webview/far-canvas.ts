// The picture of a big graph (over CULL_ABOVE boxes, webview/canvas.ts), drawn on a 2-D canvas instead of as SVG
// elements at every zoom: boxes and edges, and once zoomed in far enough to read them labels, rounded corners and
// arrowheads (canvas-labels.ts), drawn again at the view's transform in one frame. As SVG, every change of zoom had
// Blink paint and layerize thousands of boxes again (the expanded detector, 3,500 boxes: 80-400 ms frames zooming in
// or out past what the moved picture could show, and 1.2 s creating the elements again when zooming out from the
// labels), and labels coming back brought the boxes near the view into the page 40 a frame, each frame rastering the
// tiles they crossed again (100-233 ms frames). The colours are those the stylesheet gives the SVG boxes (read once
// per class from a hidden probe box), so the picture matches the SVG drawing of a smaller graph; clicks find their
// box here (hit()).
import { line, curveBasis } from 'd3-shape';
import type { DrawEdge, DrawItem, Region, Transform } from './canvas';
import { drawArrowheads, drawLabels, LabelStyle } from './canvas-labels';

interface Paint { fill: string; stroke: string; width: number; /** the tiny box's colour */ dot: string; dash: number[]; rx: number }

/** What a drawing at a zoom shows besides boxes and edges: labels, arrowheads, rounded corners. */
export interface Detail { labels: boolean; arrows: boolean }


/** How far inside the kept part of a panned picture (screen pixels) a box or edge must lie to be left as shifted:
 *  outlines, arrowheads and text may reach past its bounds. */
const KEPT_PAD = 8;

export class FarCanvas {
  readonly el: HTMLCanvasElement;
  /** The last drawing's transform and detail (a pan shifts it: keep()). */
  private last: { t: Transform; labels: boolean; arrows: boolean } | undefined;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly probe: SVGGElement;
  private readonly paints = new Map<string, Paint>();
  private edgeStyle: { stroke: string; alpha: number; width: number; multi: number } | undefined;
  private readonly labelStyle: LabelStyle;

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
    this.labelStyle = new LabelStyle(svg);
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
      const dash = s.strokeDasharray === 'none' ? [] : s.strokeDasharray.split(/[ ,]+/).map(parseFloat).filter((x) => x > 0);
      p = { fill, stroke: s.stroke, width: parseFloat(s.strokeWidth) || 1, dot: d.fill || classes.includes(' match') || s.stroke === 'none' ? fill : s.stroke,
        dash, rx: d.kind === 'group' ? 2 : d.kind === 'node' ? 6 : 14 };
      this.probe.setAttribute('class', 'probe');
      this.paints.set(key, p);
    }
    return p;
  }

  /** Colours are read again (after a change of theme). */
  forget(): void { this.paints.clear(); this.edgeStyle = undefined; this.labelStyle.forget(); this.last = undefined; }

  show(on: boolean): void { if (this.el.hidden === on) this.el.hidden = !on; }

  /** Draws the boxes and edges at transform `t` into a view of `w` × `h` CSS pixels; only those in view, with the
   *  labels, arrowheads and rounded corners of `detail`. Only the view: a canvas a quarter view bigger each side (for
   *  drags to move drawn boxes in) cost the frame that brings the labels back 12-16 ms of raster at commit instead of
   *  9-12 (expanded detector, load 25-30), and the zoom out from there 200-350 ms frames instead of 67-133. */
  draw(items: Iterable<DrawItem>, edges: DrawEdge[], t: Transform, w: number, h: number, classes: (d: DrawItem) => string,
    detail: Detail = { labels: false, arrows: false }, moved = false): void {
    const dpr = window.devicePixelRatio || 1, cw = Math.round(w * dpr), ch = Math.round(h * dpr);
    if (this.el.width !== cw || this.el.height !== ch) {
      this.el.width = cw; this.el.height = ch;
      this.el.style.width = `${w}px`; this.el.style.height = `${h}px`;
      this.last = undefined;
    }
    const c = this.ctx;
    c.save();
    const kept = moved ? this.keep(t, cw, ch, dpr, detail) : undefined;
    this.last = { t: { ...t }, labels: detail.labels, arrows: detail.arrows };
    if (kept === null) { c.restore(); return; }
    if (!kept) { c.setTransform(1, 0, 0, 1, 0, 0); c.clearRect(0, 0, cw, ch); }
    c.setTransform(t.k * dpr, 0, 0, t.k * dpr, t.x * dpr, t.y * dpr);
    const x0 = -t.x / t.k, y0 = -t.y / t.k, x1 = x0 + w / t.k, y1 = y0 + h / t.k;
    // Within what the shifted picture kept (a pan's): a box or edge wholly inside it is there already.
    const inKept = kept ? (a: number, b: number, cx: number, dy: number): boolean => a >= kept.x0 && cx <= kept.x1 && b >= kept.y0 && dy <= kept.y1 : undefined;
    if (!this.edgeStyle) {
      const el = this.probe.lastElementChild!;
      el.setAttribute('class', 'edge');
      const s = getComputedStyle(el);
      el.setAttribute('class', 'edge multi');
      const multi = parseFloat(getComputedStyle(el).strokeWidth) || 1;
      this.edgeStyle = { stroke: s.stroke, alpha: Number(s.strokeOpacity) || 1, width: parseFloat(s.strokeWidth) || 1, multi };
      el.removeAttribute('class');
    }
    // Edges: one path, one stroke; curves only when they are big enough to show as curves (Skia strokes straight
    // segments several times sooner).
    c.beginPath();
    const curve = t.k >= 0.15 ? line<{ x: number; y: number }>().x((p) => p.x).y((p) => p.y).curve(curveBasis).context(c) : undefined;
    // Zoomed out so far that an edge spans a pixel or two, it is left out (the boxes it joins are next to each other);
    // one spanning less than 8 pixels is a straight line.
    const px = 1 / t.k, shown: DrawEdge[] = [], multi: DrawEdge[] = [];
    for (const e of edges) {
      let a = Infinity, b = Infinity, cx = -Infinity, dy = -Infinity;
      for (const p of e.points) { a = Math.min(a, p.x); b = Math.min(b, p.y); cx = Math.max(cx, p.x); dy = Math.max(dy, p.y); }
      if (cx < x0 || a > x1 || dy < y0 || b > y1 || inKept?.(a, b, cx, dy)) continue;
      const span = Math.max(cx - a, dy - b);
      if (span < 2 * px) continue;
      if (detail.arrows) shown.push(e);
      if (e.count > 1 && detail.labels) { multi.push(e); continue; }
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
    if (multi.length) {
      c.beginPath();
      for (const e of multi) curve!(e.points);
      c.lineWidth = this.edgeStyle.multi;
      c.stroke();
    }
    if (shown.length) {
      c.fillStyle = this.edgeStyle.stroke;
      const { width, multi: wide } = this.edgeStyle;
      drawArrowheads(c, shown, (e) => (e.count > 1 ? wide : width));
    }
    c.globalAlpha = 1;
    // Boxes: one path per paint (fill, then outline).
    // A box a few pixels tall is a dot of its outline's colour (the colour that tells its category), one dot to a
    // 2x2-pixel cell (zoomed far out, thousands of boxes fall on the same few pixels); a bigger one is filled and
    // outlined.
    const tiny = 28 * t.k < 4, labelled: DrawItem[] = [];
    const cells = new Set<number>();
    const byPaint = new Map<Paint, DrawItem[]>();
    for (const d of items) {
      const l = d.x - d.width / 2, r = d.x + d.width / 2, tp = d.y - d.height / 2, bt = d.y + d.height / 2;
      if (r < x0 || l > x1 || bt < y0 || tp > y1 || inKept?.(l, tp, r, bt)) continue;
      if (tiny) {
        const cell = Math.floor((d.y - y0) * t.k / 2) * 65536 + Math.floor((d.x - x0) * t.k / 2);
        if (cells.has(cell)) continue;
        cells.add(cell);
      }
      if (detail.labels) labelled.push(d);
      const p = this.paint(d, classes(d));
      const list = byPaint.get(p);
      if (list) list.push(d); else byPaint.set(p, [d]);
    }
    for (const [p, list] of byPaint) {
      c.beginPath();
      for (const d of list) {
        if (detail.labels) c.roundRect(d.x - d.width / 2, d.y - d.height / 2, d.width, d.height, p.rx);
        else c.rect(d.x - d.width / 2, d.y - d.height / 2, d.width, d.height);
      }
      c.fillStyle = tiny ? p.dot : p.fill;
      c.fill();
      if (tiny) continue;
      c.strokeStyle = p.stroke;
      c.lineWidth = p.width;
      c.setLineDash(detail.labels ? p.dash : []);
      c.stroke();
    }
    c.setLineDash([]);
    if (labelled.length) drawLabels(c, labelled, this.labelStyle);
    c.restore();
  }

  /** A pan's drawing (`t` at the last drawing's zoom and detail, moved by whole device pixels): the picture is
   *  shifted on the canvas and only the strips it uncovered are cleared and clipped to, for draw() to fill; returns
   *  the part of the graph the shifted picture still shows (graph coordinates, shrunk by a few pixels for strokes and
   *  arrowheads crossing its edge), null when nothing moved, undefined when the canvas is to be drawn whole. Drawing
   *  the whole view at each step of a drag on the expanded detector (labels shown) had 267 ms frames (load ~25). */
  private keep(t: Transform, cw: number, ch: number, dpr: number, detail: Detail): Region | null | undefined {
    const l = this.last;
    if (!l || l.t.k !== t.k || l.labels !== detail.labels || l.arrows !== detail.arrows) return undefined;
    const dx = (t.x - l.t.x) * dpr, dy = (t.y - l.t.y) * dpr;
    if (Math.abs(dx - Math.round(dx)) > 1e-6 || Math.abs(dy - Math.round(dy)) > 1e-6) return undefined;
    const sx = Math.round(dx), sy = Math.round(dy);
    if (!sx && !sy) return null;
    if (Math.abs(sx) >= cw || Math.abs(sy) >= ch) return undefined;
    const c = this.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    // 'copy' leaves the canvas outside the shifted picture clear.
    c.globalCompositeOperation = 'copy';
    c.drawImage(this.el, sx, sy);
    c.globalCompositeOperation = 'source-over';
    const kx0 = Math.max(0, sx), ky0 = Math.max(0, sy), kx1 = Math.min(cw, cw + sx), ky1 = Math.min(ch, ch + sy);
    c.beginPath();
    c.rect(0, 0, cw, ch);
    c.rect(kx0, ky0, kx1 - kx0, ky1 - ky0);
    c.clip('evenodd');
    const pad = KEPT_PAD * dpr, g = (px: number, o: number): number => (px / dpr - o) / t.k;
    return { x0: g(kx0 + pad, t.x), y0: g(ky0 + pad, t.y), x1: g(kx1 - pad, t.x), y1: g(ky1 - pad, t.y) };
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
