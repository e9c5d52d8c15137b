// Netron's browser build (its `source/` folder, fetched outside the repository) served as static files on 127.0.0.1,
// and the time from opening a model in it to its first drawn frame in headless Chromium — measured as the graph
// view's is: from the moment of opening (epoch ms, just before navigation) to the task after the first frame once the
// graph is in the page (requestAnimationFrame, then a timeout: that frame is painted; Netron shows its `default` page
// once the graph is rendered).
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';

/** Where the fetched `source/` folder is: $NETRON_DIR, else netron/ in the bench's folder ($ONNX2LITE_BENCH_DIR, else
 *  ~/.cache/onnx2lite-bench). */
export function netronDir(): string {
  return process.env.NETRON_DIR ?? path.join(process.env.ONNX2LITE_BENCH_DIR ?? path.join(os.homedir(), '.cache', 'onnx2lite-bench'), 'netron');
}

export function netronPresent(dir = netronDir()): boolean {
  return fs.existsSync(path.join(dir, 'index.html')) && fs.existsSync(path.join(dir, 'view.js'));
}

/** Whether the build has the ONNX operator metadata Netron reads as it opens an ONNX model (onnx-metadata.json, 2 MB:
 *  a copy may leave it out; Netron then opens without it, sooner). */
export function netronComplete(dir = netronDir()): boolean {
  return fs.existsSync(path.join(dir, 'onnx-metadata.json'));
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.html': 'text/html',
  '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon' };

/** Opens `model` in Netron in a new page and resolves with opening → first frame in ms (or rejects on timeout). */
export async function netronFirstFrame(browser: Browser, model: string, timeoutMs = 300_000, dir = netronDir()): Promise<number> {
  let drawn: (t: number) => void = () => undefined;
  const frame = new Promise<number>((resolve) => { drawn = resolve; });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/__drawn' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { res.writeHead(204); res.end(); drawn(Number(Buffer.concat(chunks).toString())); });
      return;
    }
    const file = url.pathname === '/__model' ? model : path.join(dir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
    if (file !== model && !file.startsWith(dir)) { res.writeHead(404); res.end(); return; }
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    // Netron asks for cookie consent (after a look-up of the country) unless it was given: it was, and nothing
    // outside 127.0.0.1 is reachable (the browser's proxy is not there: test/webview/harness.ts CHROMIUM_ARGS).
    await context.addCookies([{ name: 'consent', value: String(Date.now()), url: origin }]);
    const page = await context.newPage();
    await page.addInitScript(`(() => {
      const seen = () => document.body && document.body.classList.contains('default')
        && document.getElementById('target') && document.getElementById('target').childElementCount > 0;
      let done = false;
      const check = () => {
        if (done || !seen()) return;
        done = true;
        // the task after the next frame: that frame is painted (as the graph view's first frame is timed)
        requestAnimationFrame(() => setTimeout(() => fetch('/__drawn', { method: 'POST', body: String(performance.timeOrigin + performance.now()) }), 0));
      };
      new MutationObserver(check).observe(document, { subtree: true, attributes: true, attributeFilter: ['class'] });
    })();`);
    const openedAt = performance.timeOrigin + performance.now();
    await page.goto(`${origin}/index.html?url=${encodeURIComponent(`${origin}/__model`)}&identifier=${encodeURIComponent(path.basename(model))}`);
    let timer: NodeJS.Timeout | undefined;
    const at = await Promise.race([frame, new Promise<number>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not drawn in ${timeoutMs / 1000} s`)), timeoutMs);
    })]).finally(() => clearTimeout(timer));
    if (process.env.NETRON_SCREENSHOT) await page.screenshot({ path: process.env.NETRON_SCREENSHOT });
    return at - openedAt;
  } finally {
    await context.close();
    server.close();
    server.closeAllConnections();
  }
}
