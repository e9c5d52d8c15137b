// Draws the laid-out graph with d3 (SVG), with pan/zoom, fit-to-view, selection and keyboard focus.
// Every label is set with textContent (d3 .text()), so names holding HTML or script stay text.
import * as d3 from 'd3';
import { textOn } from './colors';
import { ARROWS, CULL_ABOVE } from './svg-markup';
import { joinBoxes, joinEdges } from './svg-join';
import { FarCanvas } from './far-canvas';
import { NearBoxes } from './canvas-a11y';

export interface DrawItem {
  key: string;
  x: number; y: number; width: number; height: number;
  label: string;
  sub?: string;
  kind: 'node' | 'group' | 'input' | 'output';
  /** Colour class (op category, compat status...) and an optional heat fill. */
  cls: string;
  fill?: string;
  aria: string;
}
export interface DrawEdge { from: string; to: string; points: { x: number; y: number }[]; count: number }
export type Transform = { k: number; x: number; y: number };
export type Region = { x0: number; y0: number; x1: number; y1: number };

export interface CanvasEvents {
  select(key: string | undefined): void;
  activate(key: string): void;
  zoomed(t: Transform): void;
}

/** The layer's animation when the layer is in place. */
const IN_PLACE: Keyframe[] = [{ transform: 'none' }, { transform: 'none' }];
/** The zoom below which labels are not drawn. */
const FAR = 0.35;
/** Zoomed far out, how far the zoom may move from the drawn one (either way) with the picture scaled (hold()). */
const HOLD_ZOOM = 1.6;
/** During a drag, how often (ms) at most a big graph's canvas is drawn again when the view has left it (between
 *  drawings the compositor moves the drawn picture): each drawing hands the canvas's whole bitmap to the compositor,
 *  a commit of 3-4 ms on the main thread, at every frame of a drag drawn at each step (expanded detector). */
const PAN_REDRAW = 100;

export class GraphCanvas {
  private readonly svg: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly viewport: d3.Selection<SVGGElement, unknown, null, undefined>;
  private readonly zoom: d3.ZoomBehavior<HTMLElement, unknown>;
  private readonly zoomEl: d3.Selection<HTMLElement, unknown, null, undefined>;
  private readonly layer: HTMLElement;
  private items = new Map<string, DrawItem>();
  private bounds = { width: 0, height: 0 };
  /** The view's size as the last frame laid it out (a ResizeObserver's): reading it forces no layout of what was
   *  just drawn, which the next frame lays out anyway. */
  private view: { w: number; h: number } | undefined;
  selected: string | undefined;
  private far = false;
  private edges: DrawEdge[] = [];
  /** The region a big graph's canvas shows (its view when drawn). */
  private shown: Region | undefined;
  private matches = new Set<string>();
  /** A big graph is drawn here, not as SVG elements (far-canvas.ts). */
  private farCanvas: FarCanvas | undefined;
  /** The boxes in view listed for a screen reader while the drawing is on the canvas (canvas-a11y.ts). */
  private near: NearBoxes | undefined;
  /** Whether the drawing is on the canvas. */
  private onCanvas = false;
  private canvasFrame = 0;
  /** Whether what the canvas draws changed (boxes, colours, selection) since its last drawing: else only the view
   *  moved, and a pan shifts the picture and fills the strips it uncovered (FarCanvas.draw()). */
  private canvasChanged = true;

  constructor(private readonly svgEl: SVGSVGElement, private readonly events: CanvasEvents) {
    this.svg = d3.select(svgEl);
    this.far = svgEl.classList.contains('far');
    // The first frame the extension host drew into the page (webview/first-frame.ts) has the arrow already; its
    // boxes stay until the first draw() replaces them.
    if (!svgEl.querySelector('defs')) this.svg.append('defs').append('marker').attr('id', 'arrow').attr('viewBox', '0 0 10 10').attr('refX', 9).attr('refY', 5)
      .attr('markerWidth', 5).attr('markerHeight', 5).attr('orient', 'auto-start-reverse')
      .append('path').attr('d', 'M 0 0 L 10 5 L 0 10 z').attr('class', 'arrowhead');
    this.viewport = this.svg.append('g').attr('class', 'viewport');
    this.viewport.append('g').attr('class', 'edges');
    // Clicks on a box, for every box (a listener per box was a tenth of the script's time as a big graph's boxes come
    // into the page).
    const boxOf = (ev: MouseEvent): DrawItem | undefined => {
      const g = (ev.target as Element).closest?.('g.node');
      return g ? d3.select<Element, DrawItem>(g).datum() : undefined;
    };
    this.viewport.append('g').attr('class', 'nodes')
      .on('click', (ev: MouseEvent) => { const d = boxOf(ev); if (d) { ev.stopPropagation(); this.events.select(d.key); } })
      .on('dblclick', (ev: MouseEvent) => { const d = boxOf(ev); if (d) { ev.stopPropagation(); this.events.activate(d.key); } });
    // The SVG is in a layer (#layer) that is moved during a gesture (below); the zoom listens on the layer's parent,
    // which does not move (pointer positions are taken relative to the element that listens).
    this.layer = svgEl.parentElement as HTMLElement;
    const host = this.layer.parentElement as HTMLElement;
    this.moved = this.layer.animate(IN_PLACE, { duration: 1e9, fill: 'forwards' });
    this.moved.pause();
    this.zoomEl = d3.select(host);
    new ResizeObserver(([e]) => { this.view = { w: e.contentRect.width || 800, h: e.contentRect.height || 600 }; }).observe(svgEl);
    // d3-zoom's own extent would read the element's size, a forced layout.
    this.zoom = d3.zoom<HTMLElement, unknown>().scaleExtent([0.02, 4])
      .extent(() => { const { w, h } = this.size(); return [[0, 0], [w, h]]; })
      .on('start', () => { if (this.gestures++ === 0) this.stepped = false; })
      .on('zoom', (ev: d3.D3ZoomEvent<HTMLElement, unknown>) => {
        // A change of view from the code (fit, reveal, keys) is drawn at once.
        if (ev.sourceEvent) this.moveTo(ev.transform); else this.settle();
        this.events.zoomed({ k: ev.transform.k, x: ev.transform.x, y: ev.transform.y });
      })
      .on('end', (ev: d3.D3ZoomEvent<HTMLElement, unknown>) => {
        if (--this.gestures > 0) return;
        this.gestures = 0;
        // A drag may leave the picture where it was moved, without drawing again: the boxes listed follow the view.
        if (this.onCanvas) this.listNear();
        // After a drag that did not zoom, the picture stays where it was moved (nothing to draw again); after a zoom,
        // or a change of view from the code, it is drawn again.
        // A press without a move (a click) changes nothing.
        if (ev.sourceEvent && !this.stepped) return;
        if (!(ev.sourceEvent && this.hold())) this.settle();
      });
    this.zoomEl.call(this.zoom).on('dblclick.zoom', null);
    this.svg.on('click', (ev: MouseEvent) => { if (ev.target === svgEl) this.events.select(this.onCanvas ? this.canvasHit(ev)?.key : undefined); });
    this.svg.on('dblclick', (ev: MouseEvent) => {
      const d = ev.target === svgEl && this.onCanvas ? this.canvasHit(ev) : undefined;
      if (d) this.events.activate(d.key);
    });
  }

  /** The transform the drawn SVG has (its viewport group's); during a pan or zoom gesture the SVG's layer is moved as
   *  a whole (a CSS transform on its own compositor layer: what was painted moves, nothing is painted again), and
   *  the drawing is redrawn at the gesture's end, or sooner when the view leaves what was drawn or the zoom has
   *  changed too much for the moved picture to stay sharp (settle()). */
  private drawnAt: Transform | undefined;
  private gestures = 0;
  /** The layer's one animation, kept for the view's life: paused between gestures (holding the layer where the last
   *  drag left it), playing on the compositor during one. Starting a new animation on the layer had Blink paint the
   *  whole drawing again and rebuild its compositor layers (a drag's first step cost a 33 ms frame on a big graph);
   *  resuming this one does not. */
  private readonly moved: Animation;
  /** Where the animation holds the layer ('' when in place). */
  private movedTo = '';
  /** Whether the gesture under way has moved the view. */
  private stepped = false;
  /** The drawing of a drag's canvas to come (moveTo()). */
  private panTimer = 0;

  private moveTo(t: d3.ZoomTransform): void {
    this.stepped = true;
    const d = this.drawnAt;
    const s = d ? t.k / d.k : 1;
    // A drag across a big graph's canvas moves its picture and draws it again PAN_REDRAW ms later at most.
    const pan = this.onCanvas && !!d && t.k === d.k && this.gestures > 0;
    if (!d || this.gestures === 0 || s > 1.6 || s < 0.6 || (!pan && this.leavesShown())) { this.settle(); return; }
    if (pan && !this.panTimer && this.leavesShown()) {
      this.panTimer = window.setTimeout(() => { this.panTimer = 0; if (this.gestures > 0 && this.leavesShown()) this.settle(); }, PAN_REDRAW);
    }
    // An animation that holds the layer where it is to be: the compositor moves it (set from the page's style, the
    // transform would have the page work out its layers again at every step, tens of ms for thousands of boxes).
    const at = (this.movedTo = `translate(${t.x - s * d.x}px,${t.y - s * d.y}px) scale(${s})`);
    (this.moved.effect as KeyframeEffect).setKeyframes([{ transform: at }, { transform: at }]);
    if (this.moved.playState !== 'running') this.moved.play();
  }

  /** At the end of a gesture: the layer keeps its place (the animation paused where it is: a running one would keep
   *  the compositor busy) and nothing is drawn again when the view stays in what a big graph has drawn and either the
   *  zoom is what was drawn (a drag) or the view is zoomed far out, labels hidden, within HOLD_ZOOM of the drawn zoom.
   *  Drawing again at a new zoom has Blink turn the paint of every box in the layer into the compositor's list again
   *  (a 130 ms frame on the expanded detector, 3,500 boxes); zoomed far out there is no text to blur, and the boxes'
   *  outlines, a fraction of a pixel wide, look the same from the picture scaled by up to HOLD_ZOOM. */
  private hold(): boolean {
    const d = this.drawnAt, t = d3.zoomTransform(this.zoomEl.node() as HTMLElement);
    if (!this.movedTo || !d || this.leavesShown()) return false;
    if (d.k !== t.k && !(d.k < FAR && t.k < FAR && t.k / d.k <= HOLD_ZOOM && d.k / t.k <= HOLD_ZOOM)) return false;
    this.moved.pause();
    return true;
  }

  /** Draws at the current transform: the viewport group gets it, the SVG's layer is back in place, and a big graph's
   *  drawn part follows the view. */
  private settle(): void {
    if (this.panTimer) { clearTimeout(this.panTimer); this.panTimer = 0; }
    const t = d3.zoomTransform(this.zoomEl.node() as HTMLElement);
    this.viewport.attr('transform', t.toString());
    this.drawnAt = { k: t.k, x: t.x, y: t.y };
    if (this.movedTo) { this.movedTo = ''; (this.moved.effect as KeyframeEffect).setKeyframes(IN_PLACE); }
    if (this.moved.playState !== 'paused') this.moved.pause();
    // Zoomed far out, labels are too small to read and cost most of each frame's painting: they are hidden.
    const far = t.k < FAR;
    if ((t.k < ARROWS) !== this.svgEl.classList.contains('small')) this.svg.classed('small', t.k < ARROWS);
    if (far !== this.far) { this.far = far; this.svg.classed('far', far); }
    if (this.onCanvas) this.paintCanvasSoon();
  }

  draw(items: DrawItem[], edges: DrawEdge[], bounds: { width: number; height: number }): void {
    this.svg.selectAll('.prerender').remove();
    const before = this.items;
    this.items = new Map(items.map((i) => [i.key, i]));
    this.edges = edges;
    this.bounds = bounds;
    this.render(before);
  }

  /** The part of the graph (graph coordinates) in view, widened by `margin` views on each side. */
  private region(margin: number): Region {
    const t = d3.zoomTransform(this.zoomEl.node() as HTMLElement);
    const { w, h } = this.size();
    const x0 = -t.x / t.k, y0 = -t.y / t.k, vw = w / t.k, vh = h / t.k;
    return { x0: x0 - margin * vw, y0: y0 - margin * vh, x1: x0 + (1 + margin) * vw, y1: y0 + (1 + margin) * vh };
  }

  /** Puts the items (and edges) to draw in the page, or for a big graph on the canvas. Items drawn before with the
   *  same box and colours only move (after an expand, most of them). */
  private render(before: Map<string, DrawItem>): void {
    const same = (d: DrawItem): boolean => {
      const o = before.get(d.key);
      return !!o && o.label === d.label && o.sub === d.sub && o.width === d.width && o.height === d.height && o.cls === d.cls
        && o.fill === d.fill && o.kind === d.kind && o.aria === d.aria;
    };
    this.shown = undefined;
    this.onCanvas = this.items.size > CULL_ABOVE;
    if (this.onCanvas) {
      // The SVG's boxes and edges all go at once (one by one, thousands of removals cost a frame of their own).
      for (const g of this.viewport.node()!.children) g.replaceChildren();
      this.paintCanvasSoon(true);
      return;
    }
    this.farCanvas?.show(false);
    this.near?.clear();
    joinEdges(this.viewport.select<SVGGElement>('g.edges').node()!, this.edges);
    joinBoxes(this.viewport.select<SVGGElement>('g.nodes').node()!, [...this.items.values()], same, (d) => `node ${this.classes(d)}`, this.selected);
  }

  private classes(d: DrawItem): string {
    return `kind-${d.kind} ${d.cls}${d.key === this.selected ? ' selected' : ''}${this.matches.has(d.key) ? ' match' : ''}`;
  }

  /** Draws the canvas in the next frame (once however often asked); `changed`: what it draws changed, not only the
   *  view. */
  private paintCanvasSoon(changed = false): void {
    if (changed) this.canvasChanged = true;
    // What the canvas will show: the view (a drag out of it draws it again).
    this.shown = this.region(0);
    if (this.canvasFrame) return;
    this.canvasFrame = requestAnimationFrame(() => {
      this.canvasFrame = 0;
      if (!this.onCanvas) return;
      this.farCanvas ??= new FarCanvas(this.layer, this.svgEl, () => this.paintCanvasSoon(true));
      const moved = !this.canvasChanged;
      this.canvasChanged = false;
      // At the drawing's transform, as the SVG's viewport has it (a picture held by the layer is moved as a whole).
      const t = this.drawnAt ?? d3.zoomTransform(this.zoomEl.node() as HTMLElement), { w, h } = this.size();
      this.farCanvas.draw(this.items.values(), this.edges, { k: t.k, x: t.x, y: t.y }, w, h, (d) => this.classes(d),
        { labels: t.k >= FAR, arrows: t.k >= ARROWS }, moved);
      this.farCanvas.show(true);
      this.listNear();
    });
  }

  /** Lists the boxes in view for a screen reader once the view has settled (canvas-a11y.ts). */
  private listNear(): void {
    (this.near ??= new NearBoxes(this.zoomEl.node() as HTMLElement, () => this.gestures > 0)).soon(() => this.items.values(), () => this.region(0), () => this.selected);
  }

  /** The box under a pointer event on the far canvas: at the view's zoom, from the corner of the element that does
   *  not move (the layer may hold the picture moved). */
  private canvasHit(ev: MouseEvent): DrawItem | undefined {
    const r = (this.zoomEl.node() as HTMLElement).getBoundingClientRect(), t = d3.zoomTransform(this.zoomEl.node() as HTMLElement);
    return FarCanvas.hit(this.items.values(), { k: t.k, x: t.x, y: t.y }, ev.clientX - r.left, ev.clientY - r.top);
  }

  /** A big graph's view has left what its canvas shows. */
  private leavesShown(): boolean {
    if (!this.shown) return false;
    const v = this.region(0), r = this.shown;
    return !(v.x0 >= r.x0 && v.y0 >= r.y0 && v.x1 <= r.x1 && v.y1 <= r.y1);
  }

  /** Updates colours without a relayout. */
  recolor(style: (key: string) => { cls: string; fill?: string }): void {
    for (const d of this.items.values()) { const st = style(d.key); d.cls = st.cls; d.fill = st.fill; }
    this.viewport.selectAll<SVGGElement, DrawItem>('g.node').each(function (d) {
      d3.select(this).attr('class', `node kind-${d.kind} ${d.cls}${this.classList.contains('selected') ? ' selected' : ''}${this.classList.contains('match') ? ' match' : ''}`)
          .select('rect').style('fill', () => d.fill ?? null);
      d3.select(this).selectAll('text').style('fill', () => textOn(d.fill));
    });
    if (this.onCanvas) this.paintCanvasSoon(true);
  }

  highlight(keys: Set<string>): void {
    this.matches = keys;
    this.viewport.selectAll<SVGGElement, DrawItem>('g.node').classed('match', (d) => keys.has(d.key));
    if (this.onCanvas) this.paintCanvasSoon(true);
  }

  select(key: string | undefined, focus = true): void {
    this.selected = key;
    const nodes = this.viewport.selectAll<SVGGElement, DrawItem>('g.node');
    nodes.classed('selected', (d) => d.key === key).attr('aria-selected', (d) => String(d.key === key));
    if (this.onCanvas) this.paintCanvasSoon(true);
    if (key && focus) {
      const el = nodes.filter((d) => d.key === key).node();
      el?.focus({ preventScroll: true });
    }
  }

  item(key: string): DrawItem | undefined { return this.items.get(key); }
  keys(): string[] { return [...this.items.keys()]; }

  private size(): { w: number; h: number } {
    if (this.view) return this.view;
    const r = (this.svg.node() as SVGSVGElement).getBoundingClientRect();
    return { w: r.width || 800, h: r.height || 600 };
  }

  fit(): void {
    const { w, h } = this.size();
    const bw = Math.max(this.bounds.width, 1), bh = Math.max(this.bounds.height, 1);
    const k = Math.min(2, Math.max(0.02, 0.95 * Math.min(w / bw, h / bh)));
    this.setTransform({ k, x: (w - bw * k) / 2, y: Math.max(10, (h - bh * k) / 2) });
  }

  /** Fit when that stays readable; otherwise start readable at the top (the inputs), centred. */
  initialView(): void {
    const { w, h } = this.size();
    const bw = Math.max(this.bounds.width, 1), bh = Math.max(this.bounds.height, 1);
    if (0.95 * Math.min(w / bw, h / bh) >= 0.5) { this.fit(); return; }
    const k = 0.9;
    // centred on the topmost box (a wide graph's top need not be above its middle)
    let top: DrawItem | undefined;
    for (const d of this.items.values()) if (!top || d.y < top.y) top = d;
    this.setTransform({ k, x: w / 2 - (top?.x ?? bw / 2) * k, y: 10 });
  }

  center(key: string, minScale = 0.6): void {
    const it = this.items.get(key);
    if (!it) return;
    const { w, h } = this.size();
    const k = Math.max(d3.zoomTransform(this.zoomEl.node() as HTMLElement).k, minScale);
    this.setTransform({ k, x: w / 2 - it.x * k, y: h / 2 - it.y * k });
  }

  setTransform(t: Transform): void {
    this.zoomEl.call(this.zoom.transform, d3.zoomIdentity.translate(t.x, t.y).scale(t.k));
  }

  zoomBy(factor: number): void { this.zoomEl.call(this.zoom.scaleBy, factor); }
}
