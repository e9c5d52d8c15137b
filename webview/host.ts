// The webview's side of src/shared/protocol.ts: typed requests to the extension host, notifications from it, and the
// persisted view state (vscode.setState survives the tab being hidden and restored).
import type {
  HostNotifications, NotificationName, RequestName, ToHost, ToWebview, WebviewRequests,
} from '../src/shared/protocol';
import { Calls } from '../src/shared/rpc';

interface VsCodeApi {
  postMessage(message: ToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface SavedState {
  file?: string;
  transform?: { k: number; x: number; y: number };
  selected?: string;
  expanded?: string[];
  colorBy?: ColorBy;
}
export type ColorBy = 'op' | 'compat' | 'accuracy';

/** Set by the page's first inline script (src/extension/webview-html.ts): it takes the API, sends `ready` (id 0) and
 *  keeps the host's messages until this bundle has loaded, so the graph is on its way while the bundle downloads. */
export interface Boot {
  api: VsCodeApi;
  queue: MessageEvent<ToWebview>[];
  stop(): void;
  /** The layout worker, started from the boot script. */
  worker?: Promise<Worker>;
  /** The view state saved by the last page of this tab. */
  state?: unknown;
  /** Starts the worker and this bundle, when the page holds the host's first frame. */
  run?(): void;
}
declare global { interface Window { onnx2liteBoot?: Boot } }

const boot = window.onnx2liteBoot;
const api = boot?.api ?? acquireVsCodeApi();
const calls = new Calls(1);
type Listener<K extends NotificationName> = (params: HostNotifications[K]) => void;
const listeners = new Map<NotificationName, Listener<NotificationName>[]>();

export function request<K extends RequestName>(method: K, params: WebviewRequests[K]['params']): Promise<WebviewRequests[K]['result']> {
  return calls.call((id) => api.postMessage({ type: 'request', id, method, params } as ToHost));
}

export function on<K extends NotificationName>(method: K, fn: Listener<K>): void {
  const list = listeners.get(method) ?? [];
  list.push(fn as unknown as Listener<NotificationName>);
  listeners.set(method, list);
}

function receive(ev: MessageEvent<ToWebview>): void {
  const m = ev.data;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'response') {
    calls.settle(m.id, m.ok ? { ok: true, result: m.result } : { ok: false, error: new Error(m.error) });
  } else if (m.type === 'notify') {
    for (const fn of listeners.get(m.method) ?? []) fn(m.params);
  }
}

/** Called once every listener is registered: takes over from the boot script (its kept messages first) or, without
 *  one, tells the host the view is ready. */
export function connect(): void {
  window.addEventListener('message', receive);
  if (!boot) { void request('ready', {}); return; }
  boot.stop();
  for (const ev of boot.queue.splice(0)) receive(ev);
}

let saved: SavedState = (api.getState() as SavedState | undefined) ?? {};
export function loadState(): SavedState { return saved; }
export function saveState(patch: Partial<SavedState>): void {
  saved = { ...saved, ...patch };
  api.setState(saved);
}
