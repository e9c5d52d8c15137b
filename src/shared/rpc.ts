// The one request/response helper of the two typed channels (webview ⇄ host: src/shared/protocol.ts; host ⇄
// worker thread: src/worker/messages.ts). The calling side keeps its waiting requests in a `Calls`; the answering
// side looks the method up in a handler map typed by the channel's method map (`dispatch`). Runs in the browser
// and in Node: no imports.

/** A channel's methods: name → params and result (an interface such as WebviewRequests or WorkerMethods). */
export type MethodMap<M> = { [K in keyof M]: { params: unknown; result: unknown } };

/** One handler per method of `M`; `X` is what the answering side passes along (a progress callback, a poster). */
export type HandlerMap<M extends MethodMap<M>, X> = {
  [K in keyof M]: (params: M[K]['params'], extra: X) => Promise<M[K]['result']> | M[K]['result'];
};

/** Answers a request with its method's handler; an unknown method is an error (the caller gets its line). */
export async function dispatch<M extends MethodMap<M>, X, K extends keyof M>(handlers: HandlerMap<M, X>, method: K,
  params: M[K]['params'], extra: X): Promise<M[K]['result']> {
  if (!Object.prototype.hasOwnProperty.call(handlers, method)) throw new Error(`unknown request ${String(method)}`);
  return handlers[method](params, extra);
}

interface Waiting {
  resolve(result: unknown): void;
  reject(error: Error): void;
  progress?: (message: string) => void;
}

/** The calling side: numbers requests, keeps them until their answer (or progress lines) arrive. */
export class Calls {
  private nextId: number;
  private readonly waiting = new Map<number, Waiting>();

  /** `firstId`: ids below it are taken (the webview's boot script sends `ready` as id 0). */
  constructor(firstId = 1) {
    this.nextId = firstId;
  }

  /** Sends a request with `send(id)` and waits for its answer. The result's type is the channel's to state. */
  call<R>(send: (id: number) => void, progress?: (message: string) => void): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (result: unknown) => void, reject, progress });
      send(id);
    });
  }

  /** The answer to request `id`: its result, or the error it failed with. Unknown ids are ignored. */
  settle(id: number, answer: { ok: true; result: unknown } | { ok: false; error: Error }): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (answer.ok) w.resolve(answer.result);
    else w.reject(answer.error);
  }

  /** A progress line for request `id`. */
  progress(id: number, message: string): void {
    this.waiting.get(id)?.progress?.(message);
  }

  /** The channel is gone: every waiting request fails with `error`. */
  failAll(error: Error): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w.reject(error);
  }
}
