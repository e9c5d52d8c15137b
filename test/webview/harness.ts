// Loads the built webview bundle (dist/webview.js, dist/layout-worker.js, media/graph.css) in Debian's Chromium with
// the page the extension builds (src/extension/webview-html.ts), a stand-in for acquireVsCodeApi, and the host side
// played by the extension's own ViewSession over an in-process backend: the view gets exactly what the host sends.
import { after, before } from 'node:test';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { makeNonce, pageTexts, webviewHtml } from '../../src/extension/webview-html';
import { ViewSession } from '../../src/extension/view-session';
import type { Post } from '../../src/extension/view-session';
import { LocalBackend } from '../../src/worker/handlers';
import type { Backend } from '../../src/worker/handlers';
import type { HostNotifications, NotificationName } from '../../src/shared/protocol';

export const ROOT = path.resolve(__dirname, '../..');
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.map': 'application/json' };

// Nothing but loopback is reachable from the pages: every other address goes to a proxy that is not there (Chromium
// sends loopback addresses direct). Cheaper than intercepting requests, which holds each of the page's requests until
// this process has answered for it.
// New headless Chromium is the whole browser: each new page's window also builds the omnibox popup's WebUI (a
// chrome:// page in a renderer of its own, about as much CPU as the page under test while it loads), which a VS Code
// webview does not have. Chromium takes only the last --disable-features, so Playwright's own list (playwright-core's
// chromiumSwitches.ts) is repeated here with those features added.
const PLAYWRIGHT_DISABLED_FEATURES = ['AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect', 'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch'];
const OMNIBOX_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxFullPopup', 'WebUIOmniboxAimPopup'];

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-quic', '--no-first-run', '--disable-sync', '--proxy-server=http://127.0.0.1:9',
  ...(process.env.ONNX2LITE_OMNIBOX ? [] : [`--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...OMNIBOX_FEATURES].join(',')}`])];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** A dark theme's worth of VS Code's CSS variables, as VS Code injects them into webviews. */
const THEME_CSS = `:root {
  --vscode-font-family: system-ui, "Segoe UI", sans-serif; --vscode-font-size: 13px; --vscode-editor-font-family: monospace;
  --vscode-editor-foreground: #d4d4d4; --vscode-editor-background: #1e1e1e; --vscode-focusBorder: #007fd4;
  --vscode-descriptionForeground: #a0a0a0; --vscode-panel-border: #454545; --vscode-editorWidget-background: #252526;
}`;

/** One headless Chromium for a test file: launched before its tests (which need `npm run build`'s dist/webview.js),
 *  closed after them; call the returned function inside a test. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist/webview.js'))) throw new Error('run npm run build first');
    browser = await launch();
  });
  after(async () => { await browser?.close(); });
  return () => {
    if (!browser) throw new Error('the browser is not launched yet: call it inside a test');
    return browser;
  };
}

export interface View {
  page: Page;
  session: ViewSession;
  post: Post;
  errors: string[];
  /** When the view was opened (epoch ms): the host starts reading the file as the page starts loading. */
  openedAt: number;
  close(): Promise<void>;
}

export interface OpenViewOptions {
  backend?: Backend;
  state?: unknown;
  width?: number;
  height?: number;
  /** The session's log lines (e.g. how long opening took). */
  log?: (line: string) => void;
  /** The page without the host's first frame (the page draws the graph itself). */
  noFirstFrame?: boolean;
  /** A script the page runs before its own (a string: tsx's helpers would not exist in the page). */
  initScript?: string;
  /** Edits the page's HTML before it is served (A/B experiments on the page's make-up). */
  editHtml?: (html: string) => string;
}

export async function openView(browser: Browser, file: string, opts: OpenViewOptions = {}): Promise<View> {
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 } });
  page.setDefaultTimeout(120_000); // a loaded CI machine is slow; these waits are for events, not timings
  const errors: string[] = [];
  // Host → webview messages are events on one stream the page keeps open from its load event on (GET /__events,
  // server-sent events: each message reaches the page as it is sent, as postMessage would deliver it); webview → host messages arrive as
  // POST /__host. Plain HTTP on 127.0.0.1 keeps Playwright's protocol out of the message path, so timings match a
  // webview's postMessage better. Messages sent while the page has no stream open wait in `outbox`.
  const outbox: string[] = [];
  let stream: http.ServerResponse | undefined;
  // drawn() learns of the first frame from the view's own `drawn` request (see firstFrame).
  let signal: (s: 'drawn' | 'check') => void = () => undefined;
  firstFrame.set(page, new Promise((resolve) => { signal = resolve; setTimeout(() => resolve('check'), 120_000).unref(); }));
  const toPage = (m: unknown): void => {
    if ((m as { method?: string }).method === 'error') signal('check');
    const event = `data: ${JSON.stringify(m)}\n\n`;
    if (stream) stream.write(event); else outbox.push(event);
  };
  let session: ViewSession;
  const post: Post = <K extends NotificationName>(method: K, params: HostNotifications[K]) => toPage({ type: 'notify', method, params });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  // A page server on 127.0.0.1 (no CDP interception in the data path): the page, the bundles, and the host's messages.
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string | Buffer): void => { res.writeHead(status, { 'content-type': type }); res.end(body); };
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      // VS Code puts its theme's variables in the page as a style element: so does this stand-in.
      const nonce = makeNonce();
      // As the custom editor does: a small graph is read now and its first frame drawn into the page.
      const firstFrame = opts.noFirstFrame ? undefined : session.firstFrame();
      const html = webviewHtml({
        cspSource: origin, script: `${origin}/dist/webview.js`, layoutWorker: `${origin}/dist/layout-worker.js`,
        css: `${origin}/media/graph.css`, inline: pageTexts(ROOT), nonce, firstFrame,
      }).replace('<title>', `<style nonce="${nonce}">${THEME_CSS}</style>\n<title>`);
      send(200, 'text/html', opts.editHtml ? opts.editHtml(html) : html);
      // As the custom editor does: the page is on its way, then the host reads the model (unless it has) while it boots.
      res.on('finish', () => { void session.open().catch(() => undefined); });
      return undefined;
    }
    if (url.pathname === '/__events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      stream = res;
      for (const e of outbox.splice(0)) res.write(e);
      req.on('close', () => { if (stream === res) stream = undefined; });
      return undefined;
    }
    if (url.pathname === '/__host' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        send(204, 'text/plain', '');
        const m = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (m?.method === 'drawn') signal('drawn');
        void session.handle(m, post).then((reply) => { if (reply) toPage(reply); });
      });
      return undefined;
    }
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', ''); // the browser asks; a webview has none
    const p = path.join(ROOT, decodeURIComponent(url.pathname));
    if (!p.startsWith(path.join(ROOT, 'dist')) && !p.startsWith(path.join(ROOT, 'media'))) return send(404, 'text/plain', 'not found');
    if (!fs.existsSync(p)) return send(404, 'text/plain', 'not found');
    return send(200, TYPES[path.extname(p)] ?? 'application/octet-stream', fs.readFileSync(p));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A string, not a function: tsx's helpers would not exist in the page.
  await page.addInitScript(`(() => {
    let state = ${JSON.stringify(opts.state ?? null)} ?? undefined;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => { fetch('/__host', { method: 'POST', body: JSON.stringify(m) }); },
      getState: () => state,
      setState: (s) => { state = s; window.__savedState = s; },
    });
    // As VS Code does, the host's messages reach the page from its load event on: VS Code's webview pre/index.html
    // (code-server 4.100.3, VS Code 1.100) writes the page into a hidden iframe and, at that frame's load event (or
    // 200 ms after the write), makes it visible and only then posts the messages it held. The stream opens then, not
    // while the page loads (a connection the page under test would open beside its own loading, which neither a
    // webview nor the bench's bare page and Netron have).
    addEventListener('load', () => {
      new EventSource('/__events').onmessage = (e) => { window.postMessage(JSON.parse(e.data), '*'); };
    });
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI);
    });
  })();`);
  if (opts.initScript) await page.addInitScript(opts.initScript);
  // Opening starts as the custom editor's does: the document's session, which starts working out a small graph's
  // first frame (model-editor.ts openCustomDocument) while the page is on its way (VS Code makes the webview), then
  // takes it when the page is asked for (resolveCustomEditor; here the request for it).
  const openedAt = performance.timeOrigin + performance.now();
  session = new ViewSession(file, opts.backend ?? new LocalBackend(), { inputShapes: () => ({}), log: opts.log });
  const nav = page.goto(`${origin}/index.html`);
  if (!opts.noFirstFrame) session.prepare();
  await nav;
  return { page, session, post, errors, openedAt, close: async () => { await page.close(); session.close(); server.closeAllConnections(); server.close(); } };
}

/** Per page: resolves when the view tells the host it has drawn its first frame ('drawn'), or when the state is to be
 *  read from the page ('check': an error was sent, or it is taking long). */
const firstFrame = new WeakMap<Page, Promise<'drawn' | 'check'>>();

/** Waits until the view has drawn its first frame (or shown an error). The first frame is awaited without evaluating
 *  anything in the page: Playwright's waitForFunction injects its ~330 KB helper script, which would compete with the
 *  view's own start-up on the page's one thread and skew the timings the bench reads. */
export async function drawn(page: Page): Promise<string> {
  if (await firstFrame.get(page) === 'drawn') return 'drawn';
  await page.waitForFunction(() => document.body.dataset.state === 'drawn' || document.body.dataset.state === 'error');
  return page.evaluate(() => document.body.dataset.state ?? '');
}

/** A backend over a model already in memory (generated, or a shared model edited by the test). */
export function modelBackend(model: import('../../src/ir/types').Model, withCompat = true): Backend {
  const local = new LocalBackend();
  return {
    async request(method, params, progress) {
      if (method === 'open') {
        const { onnxWireGraph } = await import('../../src/worker/view-graph');
        return onnxWireGraph(model, path.basename((params as { file: string }).file)).graph as never;
      }
      if (method === 'shapes') return null as never; // the model's own shapes, as given
      if (method === 'stats') {
        const { tensorStats } = await import('../../src/worker/weight-stats');
        const t = model.graph.initializers.get((params as { tensor: string }).tensor);
        if (!t) throw new Error('not a constant');
        return tensorStats(t) as never;
      }
      if (method === 'compat' && !withCompat) return { report: null, note: 'no verdicts for generated models' } as never;
      if (method === 'compat') {
        const { analyzeCompatibility } = await import('../../src/convert/compat');
        return { report: analyzeCompatibility(structuredClone(model), { fixStyle: 'vscode' }) } as never;
      }
      return local.request(method, params, progress);
    },
  };
}

/** Where a test saves a screenshot: test-output/screenshots/ (git-ignored), or docs/ (the committed ones shown in
 *  README.md) with ONNX2LITE_SCREENSHOTS=docs. */
export function screenshotPath(name: string): string {
  const dir = process.env.ONNX2LITE_SCREENSHOTS === 'docs' ? path.join(ROOT, 'docs') : path.join(ROOT, 'test-output/screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** A big generated graph (syntheticModel(2, 80): more boxes than CULL_ABOVE) opened with every scope expanded (a
 *  saved view state), drawn. */
export async function openBigExpanded(browser: Browser): Promise<View & { nodes: number }> {
  const { syntheticModel } = await import('./synthetic');
  const { onnxWireGraph } = await import('../../src/worker/view-graph');
  const { decodeGraph } = await import('../../src/shared/graph-wire');
  const { buildScopes } = await import('../../webview/scopes');
  const { CULL_ABOVE } = await import('../../webview/svg-markup');
  const model = syntheticModel(2, 80);
  const g = decodeGraph(onnxWireGraph(model, 'synthetic.onnx').graph);
  if (g.nodes.length <= CULL_ABOVE) throw new Error('not a big graph');
  const state = { file: 'synthetic.onnx', expanded: [...buildScopes(g).byPath.keys()] };
  const v = await openView(browser, '/tmp/synthetic.onnx', { backend: modelBackend(model, false), state });
  if (await drawn(v.page) !== 'drawn') throw new Error(`not drawn: ${v.errors.join('; ')}`);
  return { ...v, nodes: g.nodes.length };
}

/** Where (page coordinates) a big drawing's canvas (webview/far-canvas.ts) has an opaque pixel nearest the view's
 *  centre: a box (edges are translucent), for a click on it. */
export function canvasBoxNearCentre(page: Page): Promise<{ x: number; y: number }> {
  return page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('canvas.far-canvas')!, r = c.getBoundingClientRect();
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const cx = r.x + r.width / 2, cy = r.y + r.height / 2;
    let best = { x: cx, y: cy }, dist = Infinity;
    for (let y = 0; y < c.height; y += 2) for (let x = 0; x < c.width; x += 2) {
      if (d[4 * (y * c.width + x) + 3] < 255) continue;
      const px = r.x + x * r.width / c.width, py = r.y + y * r.height / c.height, dd = Math.hypot(px - cx, py - cy);
      if (dd < dist) { dist = dd; best = { x: px, y: py }; }
    }
    return best;
  });
}
