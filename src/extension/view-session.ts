// One opened model as the graph view sees it: answers the webview's requests (src/shared/protocol.ts) and sends it the
// graph, verdicts and accuracy. No vscode import: the custom editor wraps it, and the webview tests drive the same
// code with an in-process backend.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isRequestMessage } from '../shared/protocol';
import type {
  AccuracyReport, HostNotifications, NotificationName, ResponseMessage, WebviewRequests, WireGraph,
} from '../shared/protocol';
import { dispatch, type HandlerMap } from '../shared/rpc';
import type { CompatReport } from '../shared/compat-types';
import type { Backend } from '../worker/handlers';
import { isTflite, leanBytes, leanOpen, type LeanGraph } from '../worker/lean-open';
import { onnxBytesWithoutWeights } from '../worker/onnx-sparse-bytes';
import { builtView } from '../shared/graph-wire';
import { firstFrameOf, type FirstFrame } from '../../webview/first-frame';
import { fileStamp, recallFrame, rememberFrame } from './recent-frames';
import { pageFrame } from './webview-html';

/** The host itself reads the graph of an .onnx file for the first frame, with the lean read, when the file is up to
 *  READ_HERE_UP_TO and its graph (the file without its weights) up to GRAPH_HERE_UP_TO: tens of ms of the host's
 *  time (squeezenet1_1 17 kB, densenet121 160 kB, ssdlite320 430 kB), less than the worker thread's cold start (a
 *  Node isolate and its bundle, 0.7-1 s on a busy machine). Bigger graphs (swin_t 1.3 MB, 20,000 nodes) are read by
 *  the worker: in the host they would hold it for 0.5 s under load, for a gain of 0.2-0.4 s. The worker opens the
 *  model in any case after the first frame, for shapes, verdicts and statistics. */
export const READ_HERE_UP_TO = 256 << 20;
export const GRAPH_HERE_UP_TO = 512 << 10;
/** The host draws the first frame into the page (firstFrame()) for graphs up to this size (squeezenet1_1's is 17 kB):
 *  tens of ms of its time. For bigger ones (densenet121's 160 kB, 600 nodes) reading, laying out and the markup cost
 *  the host 0.2-1.3 s on a busy machine, more than the page's own start-up that it would save. */
export const FRAME_HERE_UP_TO = 64 << 10;

/** The lean read of an .onnx graph of up to FRAME_HERE_UP_TO without its weights (the size that counts, whatever
 *  the file's), for the first frame; undefined for any other. */
function readSmallHere(file: string): LeanGraph | undefined {
  try {
    if (isTflite(file) || fs.statSync(file).size > READ_HERE_UP_TO) return undefined;
    const bytes = onnxBytesWithoutWeights(file);
    return bytes && bytes.length && bytes.length <= FRAME_HERE_UP_TO ? leanOpen(file, bytes) ?? undefined : undefined;
  } catch {
    return undefined;
  }
}

/** The lean read of a small enough .onnx graph, here; undefined when the worker must read it (bigger, a .tflite, or
 *  anything the lean read does not cover: the worker's full read also gives the error). */
function readHere(file: string): WireGraph | undefined {
  try {
    if (fs.statSync(file).size > READ_HERE_UP_TO) return undefined;
    const bytes = leanBytes(file);
    return bytes && bytes.length <= GRAPH_HERE_UP_TO ? leanOpen(file, bytes)?.graph : undefined;
  } catch {
    return undefined;
  }
}

const opened = (file: string, t0: number, g: WireGraph): string =>
  `opened ${file} in ${Date.now() - t0} ms (${g.text.length + g.nodes.length} characters for the view)`;

export type Post = <K extends NotificationName>(method: K, params: HostNotifications[K]) => void;

export interface SessionHooks {
  inputShapes(): Record<string, number[]>;
  inputValues?(): Record<string, number[]>;
  /** Verdicts arrived (the extension turns them into diagnostics). */
  compat?(report: CompatReport): void;
  runCommand?(command: WebviewRequests['runCommand']['params']['command']): void;
  log?(line: string): void;
}

export class ViewSession {
  accuracy: { report: AccuracyReport; title: string } | undefined;
  pendingReveal: string | undefined;
  private graph: Promise<WireGraph> | undefined;
  private opened: Promise<WireGraph> | undefined;
  private shapes: Promise<HostNotifications['shapes'] | null> | undefined;
  private compat: Promise<HostNotifications['compat']> | undefined;
  private closed = false;
  /** The first frame worked out ahead (prepare()), until firstFrame() hands it out. */
  private early: { frame: FirstFrame | undefined } | undefined;
  private earlyTurn: NodeJS.Immediate | undefined;
  /** Packs the graph the host read for its first frame into `graph` (the wire graph is made when the page asks for
   *  it, after that frame, not while the page's HTML waits: graph-wire.ts builtView()). */
  private pack: (() => void) | undefined;

  constructor(readonly file: string, private readonly backend: Backend, private readonly hooks: SessionHooks) {}

  /** The webview's requests (src/shared/protocol.ts WebviewRequests), each answered by its handler. */
  private readonly handlers: HandlerMap<WebviewRequests, Post> = {
    ready: (_, post) => { void this.send(post); },
    drawn: (_, post) => { void this.sendDetails(post); },
    weightStats: async ({ tensor }) => {
      this.pack?.();
      await this.graph;
      await this.workerOpen();
      return this.backend.request('stats', { file: this.file, tensor });
    },
    runCommand: ({ command }) => { this.hooks.runCommand?.(command); },
  };

  /** Answers one message from the webview; undefined for anything that is not a request. */
  async handle(m: unknown, post: Post): Promise<ResponseMessage | undefined> {
    if (!isRequestMessage(m)) return undefined;
    try {
      return { type: 'response', id: m.id, ok: true, result: await dispatch(this.handlers, m.method, m.params, post) };
    } catch (e) {
      return { type: 'response', id: m.id, ok: false, error: (e as Error).message };
    }
  }

  /** Starts reading the graph while the webview boots (on the next turn of the event loop, so that the caller sets
   *  the webview's page first); send() waits for it. A graph the host read for its first frame is packed only when
   *  the page asks for it (send()): the custom editor calls this before it sets the page's HTML, and the page cannot
   *  take the graph before its first frame anyway. */
  open(): Promise<WireGraph> {
    if (!this.graph) {
      const t0 = Date.now();
      this.graph = new Promise<void>((resolve) => { setImmediate(resolve); })
        .then(() => readHere(this.file) ?? this.workerOpen());
      this.logOpened(t0);
    }
    return this.graph;
  }

  /** Starts working out the first frame (firstFrame()) on the next turn of the event loop: the custom editor calls it
   *  as VS Code opens the document, so the host reads and draws while VS Code makes the webview and before it asks
   *  for the page (resolveCustomEditor), instead of after. */
  prepare(): void {
    if (this.graph || this.early || this.earlyTurn) return;
    this.earlyTurn = setImmediate(() => {
      this.earlyTurn = undefined;
      if (!this.graph && !this.closed) this.early = { frame: this.drawFirstFrame() };
    });
  }

  /** For a new page: the graph's first frame drawn here (webview/first-frame.ts), when the graph is small
   *  (FRAME_HERE_UP_TO), put into the page so that it paints before any of the page's script has run; the one
   *  prepare() worked out, or worked out now. Reads the graph (open() then has it); undefined when the graph is
   *  bigger, is already on its way, or fails, and after the first call. */
  firstFrame(): FirstFrame | undefined {
    if (this.early) { const f = this.early.frame; this.early = { frame: undefined }; return f; }
    if (this.earlyTurn) { clearImmediate(this.earlyTurn); this.earlyTurn = undefined; }
    if (this.graph) return undefined;
    return this.drawFirstFrame();
  }

  private drawFirstFrame(): FirstFrame | undefined {
    const t0 = Date.now();
    // A file opened lately and unchanged since: its graph and frame as they were worked out then (recent-frames.ts).
    const stamp = fileStamp(this.file);
    const known = stamp === undefined ? undefined : recallFrame(this.file, stamp);
    if (known) {
      if (known.graph) {
        this.graph = Promise.resolve(known.graph);
        this.hooks.log?.(`${opened(this.file, t0, known.graph)}; first frame ${known.frame ? 'as drawn before' : 'none'}`);
      }
      return known.frame;
    }
    const lean = readSmallHere(this.file);
    if (!lean) {
      if (stamp !== undefined) rememberFrame(this.file, stamp, {});
      return undefined;
    }
    this.graph = new Promise((resolve) => {
      this.pack = () => {
        this.pack = undefined;
        const t = Date.now(), w = lean.graph;
        this.hooks.log?.(`graph of ${this.file} packed for the page in ${Date.now() - t} ms (${w.text.length + w.nodes.length} characters)`);
        resolve(w);
      };
    });
    let f: FirstFrame | undefined;
    try {
      // The frame from the reader's own arrays: the graph's strings and integers are packed (lean.graph) only when
      // the page asks for the graph (open()), after this frame.
      const g = builtView(lean);
      this.hooks.log?.(`opened ${this.file} in ${Date.now() - t0} ms (${g.nodes.length} nodes)`);
      f = firstFrameOf(g);
      // The page's markup of it too (webview-html.ts), now rather than once the page is asked for.
      if (f) pageFrame(f);
      this.hooks.log?.(`first frame of ${this.file} drawn in ${Date.now() - t0} ms`);
    } catch (e) {
      this.hooks.log?.(`first frame of ${this.file}: ${(e as Error).message}`);
    }
    if (stamp !== undefined) rememberFrame(this.file, stamp, { get graph() { return lean.graph; }, frame: f });
    return f;
  }

  private logOpened(t0: number): void {
    this.graph?.then((g) => this.hooks.log?.(opened(this.file, t0, g)), () => undefined);
  }

  /** The model opened in the worker (its requests other than `open` need it). */
  private workerOpen(): Promise<WireGraph> {
    this.opened ??= this.backend.request('open', { file: this.file, inputShapes: this.hooks.inputShapes(), inputValues: this.hooks.inputValues?.() });
    this.opened.catch(() => { this.opened = undefined; });
    return this.opened;
  }

  /** Sends the model to a (new or restored) webview; opening errors become one line in the view. */
  async send(post: Post): Promise<void> {
    const name = path.basename(this.file);
    post('loading', { file: name });
    try {
      this.pack?.();
      post('graph', { graph: await this.open() });
    } catch (e) {
      this.graph = undefined;
      this.opened = undefined;
      const message = (e as Error).message;
      this.hooks.log?.(`cannot open ${this.file}: ${message}`);
      post('error', { message: `Cannot open ${name}: ${message}` });
      return;
    }
    if (this.accuracy) post('accuracy', this.accuracy);
    if (this.pendingReveal) { post('reveal', { node: this.pendingReveal }); this.pendingReveal = undefined; }
  }

  /** Once the view has drawn the graph: inferred shapes, then compatibility verdicts. They are worked out only now,
   *  so that work does not compete with the first frame for the CPU. */
  async sendDetails(post: Post): Promise<void> {
    if (!this.graph) return;
    this.pack?.();
    try {
      await this.graph;
      if (this.closed) return;
      await this.workerOpen();
      if (this.closed) return;
      this.shapes ??= this.backend.request('shapes', { file: this.file });
      const shapes = await this.shapes;
      if (shapes) post('shapes', shapes);
    } catch (e) {
      this.shapes = undefined;
      this.hooks.log?.(`shapes of ${this.file}: ${(e as Error).message}`);
    }
    if (this.closed) return;
    try {
      if (!this.compat) {
        this.compat = this.backend.request('compat', { file: this.file });
        const c = await this.compat;
        if (c.report) this.hooks.compat?.(c.report);
      }
      post('compat', await this.compat);
    } catch (e) {
      post('compat', { report: null, note: `compatibility analysis failed: ${(e as Error).message}` });
    }
  }

  /** The model's last view is gone: the worker forgets it, and nothing more is worked out for it. */
  close(): void {
    this.closed = true;
    if (this.earlyTurn) clearImmediate(this.earlyTurn);
    void this.backend.request('close', { file: this.file }).catch(() => undefined);
  }
}
