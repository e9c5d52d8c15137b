// The read-only custom editor for .onnx and .tflite: the model is parsed in the worker thread, the webview gets the
// compact graph; errors become one clear line in the webview, never an exception in the extension host.
import * as vscode from 'vscode';
import type { AccuracyReport, HostNotifications, NotificationName } from '../shared/protocol';
import type { WorkerClient } from './worker-client';
import { ViewSession } from './view-session';
import type { Post } from './view-session';
import { pageTexts, webviewHtml } from './webview-html';
import { diagnosticsFor } from './diagnostics';
import { inputShapesSetting, inputValuesSetting } from './settings';

export const VIEW_TYPE = 'onnx2lite.modelViewer';

/** The page's bundle and stylesheet to put in the page; undefined (the page loads them by address) if unreadable. */
function inlineTexts(root: string): ReturnType<typeof pageTexts> | undefined {
  try { return pageTexts(root); } catch { return undefined; }
}

class ModelDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, readonly session: ViewSession, private readonly onDispose: () => void) {}
  dispose(): void { this.onDispose(); }
}

export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  private readonly posts = new Map<string, Set<Post>>();
  private readonly docs = new Map<string, ModelDocument>();

  constructor(private readonly ctx: vscode.ExtensionContext, private readonly worker: WorkerClient,
    private readonly diagnostics: vscode.DiagnosticCollection, private readonly log: vscode.OutputChannel) {}

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    const session = new ViewSession(uri.fsPath, this.worker, {
      inputShapes: inputShapesSetting,
      inputValues: inputValuesSetting,
      compat: (report) => this.diagnostics.set(uri, diagnosticsFor(uri, report)),
      runCommand: (command) => { void vscode.commands.executeCommand(`onnx2lite.${command}`, uri); },
      log: (line) => this.log.appendLine(line),
    });
    const doc = new ModelDocument(uri, session, () => {
      this.docs.delete(uri.toString());
      this.diagnostics.delete(uri);
      session.close();
    });
    this.docs.set(uri.toString(), doc);
    // The first frame of a small graph is worked out while VS Code makes the webview (resolveCustomEditor takes it).
    if (uri.scheme === 'file') session.prepare();
    return doc;
  }

  resolveCustomEditor(doc: ModelDocument, panel: vscode.WebviewPanel): void {
    // A small graph is read now and its first frame drawn into the page; any other is read while the page boots.
    const firstFrame = doc.uri.scheme === 'file' ? doc.session.firstFrame() : undefined;
    if (doc.uri.scheme === 'file') void doc.session.open().catch(() => undefined);
    const webview = panel.webview;
    const dist = vscode.Uri.joinPath(this.ctx.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.ctx.extensionUri, 'media');
    webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      script: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      layoutWorker: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'layout-worker.js')).toString(),
      css: webview.asWebviewUri(vscode.Uri.joinPath(media, 'graph.css')).toString(),
      inline: inlineTexts(this.ctx.extensionUri.fsPath),
      firstFrame,
    });
    const post: Post = (method, params) => { void webview.postMessage({ type: 'notify', method, params }); };
    const key = doc.uri.toString();
    const set = this.posts.get(key) ?? new Set<Post>();
    set.add(post);
    this.posts.set(key, set);
    panel.onDidDispose(() => set.delete(post));
    webview.onDidReceiveMessage(async (m: unknown) => {
      const reply = await doc.session.handle(m, post);
      if (reply) void webview.postMessage(reply);
    });
  }

  /** Sends to every open view of the model; false when none is open. */
  notify<K extends NotificationName>(uri: vscode.Uri, method: K, params: HostNotifications[K]): boolean {
    const set = this.posts.get(uri.toString());
    if (!set || set.size === 0) return false;
    for (const p of set) p(method, params);
    return true;
  }

  async reveal(uri: vscode.Uri, node: string): Promise<void> {
    if (!this.notify(uri, 'reveal', { node })) {
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
      const doc = this.docs.get(uri.toString());
      if (doc) doc.session.pendingReveal = node;
    } else {
      await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    }
  }

  async showAccuracy(uri: vscode.Uri, report: AccuracyReport, title: string): Promise<void> {
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const doc = this.docs.get(uri.toString());
    if (doc) doc.session.accuracy = { report, title };
    this.notify(uri, 'accuracy', { report, title });
  }
}
