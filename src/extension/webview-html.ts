// The graph view's HTML page with a strict Content Security Policy: scripts only with this page's nonce, styles and
// the layout worker's script only from the extension's own resources, no remote content. No vscode import here:
// the webview tests build their harness page with this same function.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NEAR_VIEW, TOP_ZOOM, type FirstFrame } from '../../webview/first-frame';
import { ARROWS } from '../../webview/svg-markup';

export interface PageResources {
  /** webview.cspSource */
  cspSource: string;
  script: string;
  layoutWorker: string;
  css: string;
  /** Extra stylesheet (the tests' stand-in for VS Code's theme variables). */
  themeCss?: string;
  nonce?: string;
  /** The bundle's and the stylesheet's text, put in the page itself (pageTexts): the page then fetches nothing
   *  before its first frame (each fetch of a webview resource is a round trip through VS Code's resource loader).
   *  Without it the page loads `script` and `css` by URL. */
  inline?: PageTexts;
  /** The graph's first frame, drawn by the host (webview/first-frame.ts): the page paints it as it parses, and loads
   *  its bundle from `script` only after that frame (the bundle's text in the page would make the page slower to
   *  parse). Taken only with `inline` (the stylesheet in the page). */
  firstFrame?: FirstFrame;
}

export interface PageTexts { script: string; css: string }

const texts = new Map<string, { stamp: string; texts: PageTexts }>();

/** The texts of dist/webview.js and media/graph.css under the extension's folder `root`: read once (again when
 *  either file changes), not for every page (decoding the 170 kB bundle costs a page opened in a busy host 10 ms). */
export function pageTexts(root: string): PageTexts {
  const files = [path.join(root, 'dist', 'webview.js'), path.join(root, 'media', 'graph.css')];
  const stamp = files.map((f) => { const s = fs.statSync(f); return `${s.mtimeMs}:${s.size}`; }).join(' ');
  const known = texts.get(root);
  if (known?.stamp === stamp) return known.texts;
  const t = { script: fs.readFileSync(files[0], 'utf8'), css: fs.readFileSync(files[1], 'utf8') };
  texts.set(root, { stamp, texts: t });
  return t;
}

/** `text` inside an HTML element of type `tag` (script or style): its end tag and comment openers cannot occur. */
function rawText(text: string, tag: 'script' | 'style'): string {
  const t = text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
  return tag === 'script' ? t.replace(/<!--/g, '<\\!--') : t;
}

/** The source map line of an inline bundle, with the map's full address (relative, it would be resolved against the
 *  page's). */
function mapAt(line: string, map: string, script: string): string {
  try { return `//# sourceMappingURL=${new URL(map, script).href}`; } catch { return line; }
}

export function makeNonce(): string { return randomBytes(18).toString('base64url'); }

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The page's first script, inline and ahead of the stylesheets (which would hold it back), so it runs before the
 *  bundle has even downloaded: it tells the host the view is ready (request id 0), keeps the host's messages for the
 *  bundle (webview/host.ts connect()) and starts the layout worker. The graph message and the worker's start-up then
 *  overlap the bundle's download, compile and start-up. With a first frame drawn by the host, `ready`, the worker
 *  and the bundle (by its address) wait until that frame is on screen (run(), called by the frame's script): the
 *  host's answer (the graph) would otherwise reach the page while it lays out and paints that frame. */
const boot = (workerUrl: string, scriptUrl: string, deferred: boolean, staticFile?: string): string => `(() => {
  const api = acquireVsCodeApi(), queue = [], keep = (ev) => { queue.push(ev); }, nonce = document.currentScript.nonce;
  addEventListener('message', keep);
  const b = window.onnx2liteBoot = { api, queue, stop: () => removeEventListener('message', keep), state: api.getState() };${staticFile === undefined ? '' : `
  const s = b.state;
  if (s && s.file === ${JSON.stringify(staticFile).replace(/</g, '\\u003c')} && (s.expanded || s.transform)) document.documentElement.classList.add('restored');`}
  const start = () => {
    api.postMessage({ type: 'request', id: 0, method: 'ready', params: {} });
    b.worker = fetch(${JSON.stringify(workerUrl).replace(/</g, '\\u003c')}).then((r) => r.text())
      .then((t) => new Worker(URL.createObjectURL(new Blob([t], { type: 'text/javascript' }))));
    b.worker.catch(() => {});
  };
  b.run = () => {
    if (b.ran) return;
    if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', b.run); return; }
    b.ran = true;
    const late = document.getElementById('late-css');
    if (late) { const st = document.createElement('style'); st.nonce = nonce; st.textContent = late.text; document.head.append(st); late.remove(); }
    start();
    const s = document.createElement('script');
    s.nonce = nonce;
    s.src = ${JSON.stringify(scriptUrl).replace(/</g, '\\u003c')};
    document.body.append(s);
  };
  if (!${deferred}) start();
})();`;

/** After the host's first frame and the side panel, inline. The frame comes as the markup of each of its edges and
 *  boxes, a line each in a script element of no script type (#first-frame-parts: scanned as text by the parser, not
 *  parsed into elements nor compiled) with their bounds; the first layout of the page reports the canvas's size to a
 *  ResizeObserver, whose callback works out the first zoom as canvas.initialView() does (fit when that stays
 *  readable, else readable at the top) and puts the viewport group into the SVG with only the edges and boxes in
 *  view, in one write (a tall graph starts readable at its top: squeezenet1_1 shows 24 of its 87 boxes; the others'
 *  labels would be laid out for nothing): they are parsed, styled and laid out once, at their zoom, and painted in
 *  that same frame (no layout is forced while the page parses). The bundle's first draw, after that frame, draws
 *  every box. The task after that frame marks it painted and loads the bundle. A saved view of this file (the tab
 *  restored) is the bundle's to draw: the host's frame is dropped; so is a frame of only the top of a tall graph
 *  (FirstFrame.near) in a view that shows more of it. */
const frameScript = (f: FirstFrame): string => `(() => {
  performance.mark('onnx2lite-frame-script');
  const b = window.onnx2liteBoot, svg = document.getElementById('graph'), s = b.state, parts = document.getElementById('first-frame-parts');
  if (s && s.file === ${JSON.stringify(f.file).replace(/</g, '\\u003c')} && (s.expanded || s.transform)) { parts.remove(); b.run(); return; }
  const ro = new ResizeObserver((es) => {
    ro.disconnect();
    const r = es[0].contentRect, w = r.width || 800, h = r.height || 600, bw = Math.max(${f.width}, 1), bh = Math.max(${f.height}, 1);
    let k = 0.95 * Math.min(w / bw, h / bh), x, y;
    if (k >= 0.5) { k = Math.min(2, Math.max(0.02, k)); x = (w - bw * k) / 2; y = Math.max(10, (h - bh * k) / 2); }
    else { k = 0.9; x = w / 2 - ${f.topX} * k; y = 10; }
    const x0 = -x / k - 20, y0 = -y / k - 20, x1 = (w - x) / k + 20, y1 = (h - y) / k + 20, bounds = ${JSON.stringify(f.bounds)};${f.near ? `
    const near = ${JSON.stringify(f.near)};
    if (x0 < near[0] || y0 < near[1] || x1 > near[2] || y1 > near[3]) { parts.remove(); b.run(); return; }` : ''}
    const inView = (i) => !(bounds[4 * i + 2] < x0 || bounds[4 * i] > x1 || bounds[4 * i + 3] < y0 || bounds[4 * i + 1] > y1);
    const lines = parts.text.split('\\n'), ne = ${f.edges.length}, arrows = ${JSON.stringify(f.arrows)};
    parts.remove();
    let e = '', a = '', n = '';
    for (let i = 0; i < lines.length; i++) if (inView(i)) { if (i < ne) { e += lines[i]; a += arrows[i]; } else n += lines[i]; }
    const vp = document.createElementNS('http://www.w3.org/2000/svg', 'g');
    vp.setAttribute('class', 'viewport prerender');
    vp.setAttribute('transform', 'translate(' + x + ',' + y + ') scale(' + k + ')');
    vp.innerHTML = '<g class="edges">' + e + (a && k >= ${ARROWS} ? '<path class="arrowheads" d="' + a + '"></path>' : '') + '</g><g class="nodes">' + n + '</g>';
    if (k < 0.35) svg.classList.add('far');
    svg.append(vp);
    setTimeout(() => { performance.mark('onnx2lite-first-frame'); b.run(); }, 0);
  });
  ro.observe(svg);
})();`;

/** View sizes (CSS pixels) by which a tall graph's static frame is tiered: an edge or box that a view up to one of
 *  them would not show is in a group hidden in such a page (a media query), so that it is not styled, laid out nor
 *  painted for nothing. The last is NEAR_VIEW, what the frame covers. */
const TIERS = [{ w: 1280, h: 800 }, { w: 1600, h: 1000 }, { w: 1920, h: 1200 }, NEAR_VIEW];

/** Where media/graph.css's rules that the host's first frame does not need begin: with that frame they wait in the
 *  page as text (#late-css, scanned, not parsed) until the frame is painted, and the boot script's run() adds them
 *  as it loads the bundle. */
export const LATE_CSS = '/* after the first frame';

/** The stylesheet's text up to LATE_CSS, and from it (empty when it has no such line). */
function splitCss(css: string): [string, string] {
  const at = css.indexOf(LATE_CSS);
  return at < 0 ? [css, ''] : [css.slice(0, at), css.slice(at)];
}

/** The host's frame of a graph too tall (or wide) to fit readably in any view up to NEAR_VIEW (FirstFrame.near): its
 *  first zoom does not depend on the view's size (TOP_ZOOM, the topmost box centred, 10 pixels from the top, as
 *  canvas.initialView() has it), so the frame is plain SVG in the page's HTML, centred by a nested SVG at half the
 *  view's width: the page paints it from its HTML, parsed, styled and laid out once, before any script of the page
 *  has run beyond the boot script. A saved view of this file (the boot script marks the page `restored`) or a page
 *  bigger than NEAR_VIEW (which could show past what the frame holds) does not show it; the bundle draws. Each edge
 *  and box is in the group of the first of TIERS whose view would show it (the page is the view's upper bound: the
 *  canvas is part of it): the first tier's are in the SVG; the others' groups (`tiers`: a line each, edges then boxes
 *  of each tier) wait as text, put in by STATIC_SCRIPT only in a page bigger than the tier before (a page up to the
 *  first tier's size does not parse them), and hidden again if the page shrinks to it (STATIC_CSS). */
function staticFrame(f: FirstFrame): { svg: string; tiers: string } {
  const k = TOP_ZOOM, ne = f.edges.length;
  // Each edge's and box's tier, worked out once (the groups below each take theirs).
  const tierOf = [...f.edges, ...f.boxes].map((_p, i) => {
    const x0 = f.bounds[4 * i], y0 = f.bounds[4 * i + 1], x1 = f.bounds[4 * i + 2];
    const t = TIERS.findIndex((v) => y0 <= (v.h - 10) / k + 20 && x1 >= f.topX - v.w / 2 / k - 20 && x0 <= f.topX + v.w / 2 / k + 20);
    return t < 0 ? TIERS.length - 1 : t;
  });
  const group = (parts: string[], from: number, t: number): string => {
    let mine = '', arrows = '';
    for (let i = 0; i < parts.length; i++) if (tierOf[from + i] === t) { mine += parts[i]; if (!from) arrows += f.arrows[i]; }
    // a group's arrowheads as one path (svg-markup.ts arrowPath()), after its edges
    if (arrows) mine += `<path class="arrowheads" d="${arrows}"></path>`;
    return t === 0 ? mine : mine && `<g class="tier${t}">${mine}</g>`;
  };
  const tiers = TIERS.slice(1).flatMap((_, t) => [group(f.edges, 0, t + 1), group(f.boxes, ne, t + 1)]).join('\n');
  return { svg: `<svg class="prerender" x="50%" overflow="visible"><g class="viewport" transform="translate(${-f.topX * k},10) scale(${k})">`
    + `<g class="edges">${group(f.edges, 0, 0)}</g><g class="nodes">${group(f.boxes, ne, 0)}</g></g></svg>`, tiers };
}

/** The media query of a page bigger than NEAR_VIEW, which does not show the static frame. */
const BIGGER = `(min-width: ${NEAR_VIEW.w + 1}px), (min-height: ${NEAR_VIEW.h + 1}px)`;

/** A page up to TIERS[t]'s size. */
const upTo = (t: number): string => `(max-width: ${TIERS[t].w}px) and (max-height: ${TIERS[t].h}px)`;

/** Rules for the static frame, after the stylesheet. */
const STATIC_CSS = `\nhtml.restored svg.prerender { display: none; }\n`
  + `@media ${BIGGER} { svg.prerender { display: none; } }\n`
  + TIERS.slice(1).map((_, t) => `@media ${upTo(t)} { .tier${t + 1} { display: none; } }`).join('\n');

/** After a static frame: the groups of the tiers a page bigger than the first tier shows go into the frame's edges
 *  and boxes (from the text of #frame-tiers, in the order of TIERS); the task after the frame (measured as a bare
 *  page's first frame is: requestAnimationFrame, then a timeout) marks it painted and starts the bundle; at once when
 *  the frame is not shown. */
const STATIC_SCRIPT = `(() => {
  const b = window.onnx2liteBoot, more = document.getElementById('frame-tiers');
  if (document.documentElement.classList.contains('restored') || matchMedia('${BIGGER}').matches) { if (more) more.remove(); b.run(); return; }
  if (more) {
    const lines = more.text.split('\\n'), vp = document.querySelector('svg.prerender > g.viewport');
    more.remove();
    ${JSON.stringify(TIERS.slice(0, -1).map((_, t) => upTo(t)))}.forEach((q, t) => {
      if (matchMedia(q).matches) return;
      vp.firstChild.insertAdjacentHTML('beforeend', lines[2 * t]);
      vp.lastChild.insertAdjacentHTML('beforeend', lines[2 * t + 1]);
    });
  }
  requestAnimationFrame(() => setTimeout(() => { performance.mark('onnx2lite-first-frame'); b.run(); }, 0));
})();`;

/** The frame's edges and boxes, a line each, as the text of a script element; undefined when one could end that
 *  element or break a line (their markup has neither: svg-markup.ts escapes names), and the page then has no frame
 *  (the bundle draws). */
function frameParts(f: FirstFrame): string | undefined {
  const all = [...f.edges, ...f.boxes];
  return all.some((p) => /<\/script|<!--|<script|[\n\r]/i.test(p)) ? undefined : all.join('\n');
}

/** What the page holds of a host's frame: its edges and boxes as one text (frameParts; undefined: no frame), and a
 *  tall graph's static frame (staticFrame). */
interface PageFrame { parts?: string; still?: { svg: string; tiers: string } }
const pageFrames = new WeakMap<FirstFrame, PageFrame>();

/** The page's markup of the host's frame `f`, made once per frame: the session makes it as it draws the frame
 *  (src/extension/view-session.ts, while VS Code makes the webview), so that the page, asked for later, is only put
 *  together (squeezenet1_1: the static frame's tiers and parts took 0.5-0.7 ms of the host's time after the page was
 *  asked for, load 19-23). */
export function pageFrame(f: FirstFrame): PageFrame {
  let m = pageFrames.get(f);
  if (!m) {
    const parts = frameParts(f);
    m = { parts, still: parts !== undefined && f.near ? staticFrame(f) : undefined };
    pageFrames.set(f, m);
  }
  return m;
}

/** Whether pageFrame(f) has been made. */
export function pageFrameMade(f: FirstFrame): boolean { return pageFrames.has(f); }

const fixedMade = new WeakMap<PageTexts, Map<string, { style: string; late: string; bundle?: string }>>();

/** What the page holds of the stylesheet and the bundle, as it goes into the page (the stylesheet's part before the
 *  frame with the static frame's rules, its late part, the bundle with its map's full address: none with a frame,
 *  which loads the bundle by address), made once for these texts: every page of the same kind holds the same (on a
 *  page opened first, making them again cost the host 3 ms, the bundle's 170 kB scanned for its map line). */
function fixedTexts(t: PageTexts, script: string, frame: boolean, still: boolean): { style: string; late: string; bundle?: string } {
  let made = fixedMade.get(t);
  if (!made) fixedMade.set(t, (made = new Map()));
  const key = frame ? `frame ${still}` : `page ${script}`;
  let f = made.get(key);
  if (!f) {
    const [early, late] = frame ? splitCss(t.css) : [t.css, ''];
    f = {
      style: rawText(early + (still ? STATIC_CSS : ''), 'style'), late: late && rawText(late, 'script'),
      bundle: frame ? undefined : rawText(t.script.replace(/\/\/# sourceMappingURL=(\S+)\s*$/, (line: string, map: string) => mapAt(line, map, script)), 'script'),
    };
    if (made.size > 8) made.clear(); // a page's resource addresses differ by webview: keep a few
    made.set(key, f);
  }
  return f;
}

/** The page. The toolbar's controls are the text of a script element of no script type (scanned, not parsed) that the
 *  bundle puts in place when it starts (webview/main.ts):
 *  before that the toolbar is an empty bar of its height (media/graph.css), and the host's first frame has no
 *  controls, select or labels to parse, style and lay out (the select alone cost the page 7 ms of CPU as it finished
 *  parsing; squeezenet1_1's whole page 40-45 ms before its frame). */
export function webviewHtml(r: PageResources): string {
  const nonce = r.nonce ?? makeNonce();
  const made = r.inline && r.firstFrame ? pageFrame(r.firstFrame) : undefined;
  const parts = made?.parts;
  const frame = parts === undefined ? undefined : r.firstFrame;
  const still = frame ? made?.still : undefined;
  const fixed = r.inline && fixedTexts(r.inline, r.script, !!frame, !!still);
  const status = frame ? (frame.note ? `<div id="status" role="status" class="note">${attr(frame.note)}</div>` : '<div id="status" role="status" hidden></div>')
    : '<div id="status" role="status">Loading…</div>';
  const csp = [
    "default-src 'none'", `img-src ${r.cspSource} data:`, `style-src ${r.cspSource} 'nonce-${nonce}'`,
    `font-src ${r.cspSource}`, `script-src 'nonce-${nonce}'`, 'worker-src blob:', `connect-src ${r.cspSource}`,
  ].join('; ');
  const theme = r.themeCss ? `\n<link rel="stylesheet" href="${attr(r.themeCss)}" nonce="${nonce}">` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">${frame ? '\n<link rel="expect" href="#first-frame-script" blocking="render">' : ''}
<script nonce="${nonce}">${boot(r.layoutWorker, r.script, !!frame, still && frame?.file)}</script>${theme}
${fixed ? `<style nonce="${nonce}">${fixed.style}</style>` : `<link rel="stylesheet" href="${attr(r.css)}" nonce="${nonce}">`}
<title>onnx2lite model viewer</title>
</head>
<body data-layout-worker="${attr(r.layoutWorker)}" data-state="loading">
<div id="toolbar" role="toolbar" aria-label="Graph tools"><script type="text/x-template" id="toolbar-controls">
  <div class="search-wrap">
    <vscode-textfield id="search" placeholder="Search node, op or tensor ( / )" aria-label="Search nodes and tensors"></vscode-textfield>
    <div id="results" role="listbox" aria-label="Search results" hidden></div>
  </div>
  <span id="match-count" aria-live="polite"></span>
  <vscode-button id="fit" secondary title="Fit to view (F)">Fit</vscode-button>
  <vscode-button id="reset" secondary title="Collapse scopes back to the overview">Overview</vscode-button>
  <label class="color-label">Colour <select id="color-by" aria-label="Colour nodes by">
    <option value="op">by op</option><option value="compat">by compatibility</option><option value="accuracy">by accuracy</option>
  </select></label>
  <span class="onnx-only">
    <vscode-button id="cmd-convert" title="Convert to TFLite…">Convert…</vscode-button>
    <vscode-button id="cmd-compare" secondary title="Compare accuracy with a .tflite">Compare…</vscode-button>
  </span>
  <span id="summary" aria-live="polite"></span>
</script></div>
<div id="main">
  <div id="canvas" tabindex="0" role="application" aria-label="Model graph: arrows move, Enter expands, Backspace collapses, F fits, / searches">
    <div id="layer"><svg id="graph" width="100%" height="100%">${still ? still.svg : ''}</svg></div>${frame && !still ? `\n    <script type="text/x-frame" id="first-frame-parts">${parts}</script>` : ''}${still?.tiers.replace(/\n/g, '') ? `\n    <script type="text/x-frame" id="frame-tiers">${still.tiers}</script>` : ''}
    ${status}
    <div id="legend" aria-label="Legend"></div>
  </div>
  <aside id="panel" aria-label="Details" aria-live="polite"></aside>
</div>${frame ? `\n<script nonce="${nonce}" id="first-frame-script">${still ? STATIC_SCRIPT : frameScript(frame)}</script>` : ''}
<section id="accuracy" aria-label="Accuracy" hidden></section>${fixed?.late ? `\n<script type="text/x-css" id="late-css">${fixed.late}</script>` : ''}
${frame ? '' : fixed?.bundle === undefined ? `<script nonce="${nonce}" src="${attr(r.script)}"></script>` : `<script nonce="${nonce}">${fixed.bundle}</script>`}
</body>
</html>`;
}
