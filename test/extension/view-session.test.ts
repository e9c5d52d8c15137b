// The graph view's host side (src/extension/view-session.ts): a small .onnx file is read by the host itself for the
// first frame, the worker opens the model only once the view has drawn (for shapes and verdicts); a file the lean
// read cannot take still gets the worker's one-line error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ViewSession } from '../../src/extension/view-session';
import type { Post } from '../../src/extension/view-session';
import { LocalBackend } from '../../src/worker/handlers';
import type { Backend } from '../../src/worker/handlers';
import { decodeGraph } from '../../src/shared/graph-wire';
import type { WireGraph } from '../../src/shared/protocol';
import { encodeModel } from '../../src/onnx/writer';
import { flatModel } from '../webview/synthetic';
import { FRAME_HERE_UP_TO, GRAPH_HERE_UP_TO } from '../../src/extension/view-session';
import { pageFrameMade } from '../../src/extension/webview-html';
import { leanOpen } from '../../src/worker/lean-open';
import { firstFrame } from '../../webview/first-frame';

const ROOT = path.resolve(__dirname, '../..');
const SQUEEZENET = path.resolve(ROOT, '../shared/models/squeezenet1_1.onnx');

/** LocalBackend that records the methods asked of it. */
function recording(): { backend: Backend; asked: string[] } {
  const local = new LocalBackend(), asked: string[] = [];
  return { asked, backend: { request(method, params, progress) { asked.push(method); return local.request(method, params, progress); } } };
}

function collect(): { post: Post; sent: { method: string; params: unknown }[] } {
  const sent: { method: string; params: unknown }[] = [];
  return { sent, post: (method, params) => { sent.push({ method, params }); } };
}

test('a small .onnx file is drawn from the host\'s own read; the worker opens it after the first frame', async () => {
  const { backend, asked } = recording();
  const session = new ViewSession(SQUEEZENET, backend, { inputShapes: () => ({}) });
  const { post, sent } = collect();
  await session.handle({ type: 'request', id: 0, method: 'ready', params: {} }, post);
  await session.open();
  await new Promise((r) => setImmediate(r));
  const graph = sent.find((m) => m.method === 'graph');
  assert.ok(graph, `graph sent (${sent.map((m) => m.method).join(', ')})`);
  assert.equal(decodeGraph((graph.params as { graph: WireGraph }).graph).nodes.filter((n) => n.kind === 'op').length, 83);
  assert.deepEqual(asked, [], 'nothing asked of the worker before the first frame');
  await session.handle({ type: 'request', id: 1, method: 'drawn', params: {} }, post);
  for (let i = 0; i < 200 && !sent.some((m) => m.method === 'compat'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(asked.slice(0, 3), ['open', 'shapes', 'compat']);
  assert.ok(sent.some((m) => m.method === 'shapes'), 'inferred shapes follow');
  const stats = await session.handle({ type: 'request', id: 2, method: 'weightStats', params: { tensor: 'features.0.weight' } }, post);
  assert.equal(stats?.ok, true, JSON.stringify(stats));
  session.close();
});

test('a file the lean read cannot take gets the worker\'s one-line error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-session-'));
  const file = path.join(dir, 'broken.onnx');
  fs.writeFileSync(file, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
  try {
    const { backend, asked } = recording();
    const session = new ViewSession(file, backend, { inputShapes: () => ({}) });
    const { post, sent } = collect();
    await session.handle({ type: 'request', id: 0, method: 'ready', params: {} }, post);
    for (let i = 0; i < 200 && !sent.some((m) => m.method === 'error'); i++) await new Promise((r) => setTimeout(r, 20));
    const error = sent.find((m) => m.method === 'error');
    assert.ok(error, `error sent (${sent.map((m) => m.method).join(', ')})`);
    assert.match((error.params as { message: string }).message, /^Cannot open broken\.onnx: [^\n]+$/);
    assert.deepEqual(asked, ['open'], 'the worker read it');
    session.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a big graph (a flat 20,000-node model) is read by the worker, not the host', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-session-'));
  const file = path.join(dir, 'flat.onnx');
  fs.writeFileSync(file, encodeModel(flatModel(5000)));
  try {
    assert.ok(fs.statSync(file).size > GRAPH_HERE_UP_TO, 'no weights: the file is its graph');
    const { backend, asked } = recording();
    const session = new ViewSession(file, backend, { inputShapes: () => ({}) });
    const { post, sent } = collect();
    await session.handle({ type: 'request', id: 0, method: 'ready', params: {} }, post);
    await session.open();
    await new Promise((r) => setImmediate(r));
    assert.ok(sent.some((m) => m.method === 'graph'));
    assert.deepEqual(asked, ['open']);
    session.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the host draws the first frame of a small graph whatever its weights, and reads it once; not of a bigger graph', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-session-'));
  try {
    for (const [file, drawsIt] of [[path.join(ROOT, 'samples/tinycnn.onnx'), true], [SQUEEZENET, true]] as const) {
      assert.equal(fs.statSync(file).size > FRAME_HERE_UP_TO, true, 'the file with its weights is bigger than the bound');
      const { backend, asked } = recording();
      const session = new ViewSession(file, backend, { inputShapes: () => ({}) });
      const f = session.firstFrame();
      assert.equal(!!f, drawsIt);
      assert.ok(f!.items > 5 && f!.boxes.some((b) => b.includes('class="node kind-input cat-io"')));
      assert.equal(session.firstFrame(), undefined, 'once a session');
      const { post, sent } = collect();
      await session.handle({ type: 'request', id: 0, method: 'ready', params: {} }, post);
      assert.equal(decodeGraph((sent.find((m) => m.method === 'graph')!.params as { graph: WireGraph }).graph).nodes.length > 10, true);
      assert.deepEqual(asked, [], 'the graph of the first frame is the one sent');
      session.close();
    }
    const file = path.join(dir, 'flat.onnx');
    fs.writeFileSync(file, encodeModel(flatModel(1000)));
    assert.ok(fs.statSync(file).size > FRAME_HERE_UP_TO && fs.statSync(file).size < GRAPH_HERE_UP_TO);
    const session = new ViewSession(file, recording().backend, { inputShapes: () => ({}) });
    assert.equal(session.firstFrame(), undefined);
    session.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file opened again unchanged gets its first frame without being read again; a changed file is read again', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-session-'));
  try {
    const file = path.join(dir, 'model.onnx');
    fs.copyFileSync(SQUEEZENET, file);
    const lines: string[] = [];
    const open = (): ReturnType<ViewSession['firstFrame']> => {
      const session = new ViewSession(file, recording().backend, { inputShapes: () => ({}), log: (l) => lines.push(l) });
      const f = session.firstFrame();
      session.close();
      return f;
    };
    const first = open();
    assert.ok(first && first.items > 10);
    assert.equal(open(), first, 'the same frame, not drawn again');
    assert.match(lines.at(-1) ?? '', /as drawn before/);
    // The same path with other content (another model): read and drawn again.
    fs.copyFileSync(path.join(ROOT, 'samples/tinycnn.onnx'), file);
    const changed = open();
    assert.ok(changed && changed !== first && changed.items !== first.items, 'the changed file is drawn anew');
    assert.match(lines.at(-1) ?? '', /first frame of .* drawn in/);
    // A graph too big for the host's frame: known as such the second time (no frame, nothing read for it).
    const big = path.join(dir, 'flat.onnx');
    fs.writeFileSync(big, encodeModel(flatModel(1000)));
    for (let i = 0; i < 2; i++) {
      const session = new ViewSession(big, recording().backend, { inputShapes: () => ({}) });
      assert.equal(session.firstFrame(), undefined);
      const { post, sent } = collect();
      await session.handle({ type: 'request', id: 0, method: 'ready', params: {} }, post);
      await session.open();
      await new Promise((r) => setImmediate(r));
      assert.ok(sent.some((m) => m.method === 'graph'), 'the graph is still sent');
      session.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the host\'s first frame is drawn from the lean read\'s own arrays: the graph is packed for the page only when the page asks for it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-session-'));
  try {
    const file = path.join(dir, 'packed.onnx');
    fs.copyFileSync(SQUEEZENET, file);
    const lines: string[] = [];
    const session = new ViewSession(file, recording().backend, { inputShapes: () => ({}), log: (l) => lines.push(l) });
    session.prepare();
    await new Promise((resolve) => setImmediate(resolve));
    const f = session.firstFrame();
    assert.ok(f && f.items > 10);
    assert.ok(lines.some((l) => l.startsWith('first frame of')), lines.join('; '));
    assert.ok(!lines.some((l) => l.includes('packed for the page')), `not packed while the page's HTML waits: ${lines.join('; ')}`);
    // The custom editor starts the graph's read (open()) before it sets the page's HTML (model-editor.ts
    // resolveCustomEditor): a graph read here for the frame is not packed then either, nor on the turns after.
    void session.open();
    await new Promise((r) => setImmediate(r));
    assert.ok(!lines.some((l) => l.includes('packed for the page')), `not packed by open(): ${lines.join('; ')}`);
    // the frame is the one drawn from the packed graph, byte for byte
    assert.deepEqual(f, firstFrame(leanOpen(file)!.graph));
    const { post, sent } = collect();
    await session.handle({ type: 'request', id: 0, method: 'ready', params: {} }, post);
    await new Promise((r) => setImmediate(r));
    assert.ok(lines.some((l) => l.includes('packed for the page')), lines.join('; '));
    const graph = sent.find((m) => m.method === 'graph')!.params as { graph: WireGraph };
    assert.deepEqual(graph.graph, leanOpen(file)!.graph, 'the page gets the graph the worker would send');
    session.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('prepare() works out the first frame ahead, on the next turn; firstFrame() hands it out once; closing first draws nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx2lite-session-'));
  try {
    const file = path.join(dir, 'ahead.onnx');
    fs.copyFileSync(SQUEEZENET, file);
    const lines: string[] = [];
    const session = new ViewSession(file, recording().backend, { inputShapes: () => ({}), log: (l) => lines.push(l) });
    session.prepare();
    assert.equal(lines.length, 0, 'nothing is read in the caller\'s turn');
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(lines.some((l) => l.startsWith('first frame of')), 'drawn on the next turn, before the page asks');
    const drawnLines = lines.length;
    const f = session.firstFrame();
    // a tall graph's host frame carries what a view shows at its top (first-frame.ts NEAR_VIEW): some of the boxes
    assert.ok(f && f.items > 10 && f.boxes.length > 10 && f.boxes.length <= f.items);
    // the page's markup of the frame was made with it, ahead: asked for the page, the host only puts it together
    assert.ok(pageFrameMade(f), 'the page\'s markup of the frame is made ahead');
    assert.equal(lines.length, drawnLines, 'not drawn again');
    assert.equal(session.firstFrame(), undefined, 'once a session');
    session.close();
    // Closed before its turn: nothing drawn.
    const other = path.join(dir, 'closed.onnx');
    fs.copyFileSync(SQUEEZENET, other);
    const quiet: string[] = [];
    const s2 = new ViewSession(other, recording().backend, { inputShapes: () => ({}), log: (l) => quiet.push(l) });
    s2.prepare();
    s2.close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(quiet, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
