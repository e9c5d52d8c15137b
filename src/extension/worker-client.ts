// The host's handle on the worker thread (dist/worker.js): typed requests, progress lines, and cancellation by
// ending the worker. Model parsing shares one long-lived worker; each long job gets its own worker, so cancelling it
// loses nothing else.
import { Worker } from 'node:worker_threads';
import type { WorkerMethod, WorkerMethods, WorkerReply, WorkerRequest } from '../worker/messages';

interface Pending { resolve(v: unknown): void; reject(e: Error): void; progress?: (m: string) => void }

export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private disposed = false;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly script: string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    // dist/worker.js is plain JavaScript: none of the host's Node flags (a loader such as tsx under the tests and
    // benchmarks makes the worker start 4× slower).
    const w = new Worker(this.script, { execArgv: [] });
    w.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      if (r.kind === 'progress') { p.progress?.(r.message); return; }
      this.pending.delete(r.id);
      if (r.kind === 'result') p.resolve(r.result); else p.reject(Object.assign(new Error(r.error), { code: r.code }));
    });
    const fail = (e: Error): void => {
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', (e) => fail(new Error(`worker failed: ${e.message}`)));
    w.on('exit', (code) => fail(new Error(code === 1 ? 'cancelled' : `worker stopped (exit code ${code})`)));
    this.worker = w;
    return w;
  }

  request<K extends WorkerMethod>(method: K, params: WorkerMethods[K]['params'], progress?: (m: string) => void): Promise<WorkerMethods[K]['result']> {
    if (this.disposed) return Promise.reject(new Error('the worker has been stopped'));
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      w.postMessage({ id, method, params } satisfies WorkerRequest<K>);
    });
  }

  /** Stops the worker for good: later requests fail instead of starting another. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}

/** Runs one job in a worker of its own; `cancelled()` ends it. */
export async function runJob<K extends WorkerMethod>(script: string, method: K, params: WorkerMethods[K]['params'],
  progress: (m: string) => void, onCancel: (cancel: () => void) => void): Promise<WorkerMethods[K]['result']> {
  const client = new WorkerClient(script);
  let cancelled = false;
  onCancel(() => { cancelled = true; void client.dispose(); });
  try {
    return await client.request(method, params, progress);
  } catch (e) {
    if (cancelled) throw new Error('cancelled');
    throw e;
  } finally {
    void client.dispose();
  }
}
