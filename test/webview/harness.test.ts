// The webview tests' and bench's stand-in for VS Code (harness.ts) delivers the host's messages as VS Code does: from
// the page's load event on (VS Code's webview pre/index.html keeps a new webview's frame hidden and holds its messages
// until that frame's load event, or 200 ms after writing the page), so the page under test opens no connection of the
// harness's while it loads, as neither a webview nor the bench's bare page and Netron do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ROOT, drawn, openView, useBrowser } from './harness';

const browser = useBrowser();

/** Records in the page when the harness's message stream (an EventSource) is made. */
const STREAM_AT = `(() => {
  const E = window.EventSource;
  window.EventSource = function (url) { window.__streamAt = performance.now(); return new E(url); };
})();`;

test('the host\'s messages reach the page from its load event on, and the view draws and answers', async () => {
  const v = await openView(browser(), path.resolve(ROOT, '../shared/models/squeezenet1_1.onnx'), { initScript: STREAM_AT });
  assert.equal(await drawn(v.page), 'drawn');
  const t = await v.page.evaluate(() => ({
    stream: (window as unknown as { __streamAt?: number }).__streamAt,
    loaded: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart,
  }));
  assert.ok(t.stream !== undefined && t.loaded > 0 && t.stream >= t.loaded, `the message stream opened at ${t.stream} ms, the load event at ${t.loaded} ms`);
  // The graph message came through it: the bundle's own drawing, and search over the graph, work.
  await v.page.locator('#search input').fill('Concat');
  await v.page.locator('#results .result').first().waitFor();
  assert.deepEqual(v.errors, []);
  await v.close();
});
