// End to end in a real VS Code (code-server 4.100 = VS Code 1.100): install the packaged .vsix, open a folder with a
// model, open the model (the graph is drawn inside the custom editor's webview), run Convert to TFLite from the
// command palette and see the .tflite appear.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { CODE_SERVER, installExtension, startCodeServer } from './code-server';
import type { CodeServer } from './code-server';
import { ROOT, launch, screenshotPath } from '../webview/harness';
import { readModelFile } from '../../src/onnx/reader';
import { encodeModel } from '../../src/onnx/writer';

/** The sample model with one node turned into a custom-domain op the converter cannot handle. */
function writeCustomOpModel(file: string): string {
  const m = readModelFile(path.join(ROOT, 'samples/tinycnn.onnx'));
  const n = m.graph.nodes.find((x) => x.opType === 'MaxPool')!;
  n.opType = 'FancyPool';
  n.domain = 'com.example';
  m.opsets.set('com.example', 1);
  fs.writeFileSync(file, encodeModel(m));
  return n.name;
}
let customNode = '';

const installed = fs.existsSync(CODE_SERVER);
const required = process.env.ONNX2LITE_E2E === '1';
const skip = !installed && !required ? `code-server is not installed (run ../shared/tools/install-code-server.sh ${path.dirname(path.dirname(path.dirname(CODE_SERVER)))})` : false;

let tmp: string;
let server: CodeServer | undefined;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  assert.ok(installed, `code-server is missing at ${CODE_SERVER}`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'o2l-e2e-'));
  const vsix = path.join(tmp, 'onnx2lite.vsix');
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/package.mjs'), '--out', vsix], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const userData = path.join(tmp, 'user'), extensions = path.join(tmp, 'extensions'), folder = path.join(tmp, 'workspace');
  fs.mkdirSync(folder);
  fs.copyFileSync(path.join(ROOT, 'samples/tinycnn.onnx'), path.join(folder, 'tinycnn.onnx'));
  customNode = writeCustomOpModel(path.join(folder, 'custom_op.onnx'));
  installExtension(userData, extensions, vsix);
  assert.ok(fs.readdirSync(extensions).some((d) => d.startsWith('onnx2lite.onnx2lite')), 'the .vsix is installed');
  server = await startCodeServer(userData, extensions, folder);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The custom editor's webview document: a frame nested in VS Code's webview iframe, once the view's own script has
 *  drawn the graph (the host's first frame is in the page before it: webview/first-frame.ts). */
async function graphFrame(page: Page): Promise<Frame> {
  for (;;) {
    for (const f of page.frames()) {
      const n = await f.evaluate(() => (document.body.dataset.state === 'drawn' ? document.querySelectorAll('svg#graph g.node').length : 0))
        .catch(() => 0);
      if (n > 0) return f;
    }
    await page.waitForTimeout(250);
  }
}

/** A new VS Code window on the workspace, once the explorer lists `file`. */
async function openWorkbench(file: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(180_000); // waits for events on a loaded machine, not timings
  await page.goto(server!.url);
  await page.locator('.monaco-workbench').waitFor();
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).waitFor();
  return page;
}

async function quickOpen(page: Page, file: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(file);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().waitFor();
  await input.press('Enter');
}

async function palette(page: Page, command: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${command}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor();
  await input.press('Enter');
}

test('the packaged extension draws the model in VS Code and converts it to TFLite', { skip }, async () => {
  const page = await openWorkbench('tinycnn.onnx');

  // Quick-open the model: it opens in the onnx2lite custom editor.
  await quickOpen(page, 'tinycnn.onnx');
  const input = page.locator('.quick-input-widget input');
  const frame = await graphFrame(page);
  const nodes = await frame.evaluate(() => document.querySelectorAll('svg#graph g.node').length);
  assert.ok(nodes >= 5, `the graph is drawn in the webview (${nodes} nodes)`);
  await frame.locator('g.node.kind-node').first().click();
  assert.ok(((await frame.locator('#panel h2').textContent()) ?? '').length > 0, 'the side panel shows the node');
  await page.screenshot({ path: screenshotPath('vscode-graph.png') });

  // Convert to TFLite… from the palette: float32.
  await page.locator('.monaco-workbench .part.sidebar').click({ position: { x: 10, y: 200 } });
  await palette(page, 'onnx2lite: Convert to TFLite');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'float32' }).first().waitFor();
  await input.fill('float32');
  await input.press('Enter');
  const out = path.join(tmp, 'workspace/tinycnn.tflite');
  const toast = page.locator('.notifications-toasts', { hasText: 'Converted to tinycnn.tflite' });
  await toast.waitFor();
  assert.match((await toast.textContent()) ?? '', /verified on LiteRT: max rel error \d/, 'the self-check on LiteRT is in the message');
  assert.ok(fs.existsSync(out), 'the .tflite is written next to the model');
  assert.deepEqual([...fs.readFileSync(out).subarray(4, 8)], [...Buffer.from('TFL3')]);
  await page.screenshot({ path: screenshotPath('vscode-convert.png') });
  await page.close();
});

test('a node that will not convert is a problem in the Problems panel, and its link reveals the node', { skip }, async () => {
  const page = await openWorkbench('custom_op.onnx');
  await quickOpen(page, 'custom_op.onnx');
  const frame = await graphFrame(page);
  await frame.locator('#summary', { hasText: 'unsupported' }).waitFor();
  assert.match((await frame.locator(`g.node.st-unsupported`).first().getAttribute('aria-label')) ?? '', /FancyPool/);

  await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: `${customNode} will not convert` }).first();
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /fix: /);
  await page.screenshot({ path: screenshotPath('vscode-problems.png') });
  // The problem's code is a link that runs onnx2lite.revealNode: the view selects the node.
  await row.getByText(customNode, { exact: true }).first().click();
  await frame.waitForFunction((name) => document.querySelector('#panel .node-name')?.textContent === name, customNode);
  await page.close();
});
