// A big drawing's labels and arrowheads on its canvas (webview/far-canvas.ts) once the view is zoomed in far enough to
// read them: one fillText per box in view, the font set once per kind of line, in the fonts and colours the
// stylesheet gives the SVG's labels (read once from hidden probe texts). As SVG text, labels coming back on the
// expanded detector (3,465 boxes) had Blink lay out each text at the new zoom (a scaled font per zoom: 20-27 ms of
// font look-ups) and raster every tile they crossed, frame after frame as the boxes came in (15-90 ms of raster a
// frame); on the canvas they are drawn in the one frame that draws the boxes.
import { boxPlace } from './svg-markup';
import { textOn } from './colors';
import type { DrawEdge, DrawItem } from './canvas';

interface Font { font: string; fill: string }

/** The stylesheet's fonts and colours of a label and of its second line. */
export class LabelStyle {
  private fonts: { label: Font; sub: Font } | undefined;
  private readonly probe: SVGGElement;

  constructor(svg: SVGSVGElement) {
    const ns = 'http://www.w3.org/2000/svg';
    this.probe = document.createElementNS(ns, 'g') as SVGGElement;
    this.probe.setAttribute('class', 'labels');
    this.probe.setAttribute('visibility', 'hidden');
    for (const cls of ['label', 'sub']) {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('class', cls);
      this.probe.append(t);
    }
    svg.append(this.probe);
  }

  /** Read again after a change of theme. */
  forget(): void { this.fonts = undefined; }

  get(): { label: Font; sub: Font } {
    if (!this.fonts) {
      const read = (el: Element): Font => {
        const s = getComputedStyle(el);
        return { font: `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`, fill: s.fill };
      };
      this.fonts = { label: read(this.probe.firstElementChild!), sub: read(this.probe.lastElementChild!) };
    }
    return this.fonts;
  }
}

/** Draws the labels (and second lines) of `boxes` centred on their boxes, as boxPlace() places the SVG's. */
export function drawLabels(c: CanvasRenderingContext2D, boxes: DrawItem[], style: LabelStyle): void {
  const { label, sub } = style.get();
  c.textAlign = 'center';
  c.textBaseline = 'alphabetic';
  for (const [font, which] of [[label, 'label'], [sub, 'sub']] as const) {
    c.font = font.font;
    let fill = '';
    for (const d of boxes) {
      const text = which === 'label' ? d.label : d.sub;
      if (!text) continue;
      // A heat fill's text colour (accuracy overlay), else the stylesheet's.
      const want = (d.fill && textOn(d.fill)) || font.fill;
      if (want !== fill) c.fillStyle = (fill = want);
      const p = boxPlace(d);
      c.fillText(text, p.cx, which === 'label' ? p.label : p.sub);
    }
  }
}

/** Arrowheads at the ends of `edges`, as the SVG's marker draws them: 5 stroke widths long, tip at the end point,
 *  along the curve's last segment. */
export function drawArrowheads(c: CanvasRenderingContext2D, edges: DrawEdge[], width: (e: DrawEdge) => number): void {
  c.beginPath();
  for (const e of edges) {
    const n = e.points.length;
    if (n < 2) continue;
    const a = e.points[n - 2], b = e.points[n - 1];
    const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy);
    if (!len) continue;
    const ux = dx / len, uy = dy / len, s = 5 * width(e);
    // The marker's path M0,0 L10,5 L0,10 in a 10-unit box, its point (10, 5) a tenth past refX 9.
    const tx = b.x + 0.1 * s * ux, ty = b.y + 0.1 * s * uy, bx = tx - s * ux, by = ty - s * uy;
    c.moveTo(tx, ty);
    c.lineTo(bx - 0.5 * s * uy, by + 0.5 * s * ux);
    c.lineTo(bx + 0.5 * s * uy, by - 0.5 * s * ux);
    c.closePath();
  }
  c.fill();
}
