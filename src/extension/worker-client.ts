// The host's handle on the worker thread (dist/worker.js): typed requests, progress lines, and cancellation by
// ending the worker. Model parsing shares one long-lived worker; each long job gets its own worker, so cancelling it
// loses nothing else.
import { Worker } from 'node:worker_threads';
import type { WorkerMethod, WorkerMethods, WorkerReply, WorkerRequest } from '../worker/messages';
import { Calls } from '../shared/rpc';

export class WorkerClient {
  private worker: Worker | undefined;
  private disposed = false;
  private readonly calls = new Calls();

  constructor(private readonly script: string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    // dist/worker.js is plain JavaScript: none of the host's Node flags (a loader such as tsx under the tests and
    // benchmarks makes the worker start 4× slower).
    const w = new Worker(this.script, { execArgv: [] });
    w.on('message', (r: WorkerReply) => {
      if (r.kind === 'progress') this.calls.progress(r.id, r.message);
      else if (r.kind === 'result') this.calls.settle(r.id, { ok: true, result: r.result });
      else this.calls.settle(r.id, { ok: false, error: Object.assign(new Error(r.error), { code: r.code }) });
    });
    const fail = (e: Error): void => {
      this.worker = undefined;
      this.calls.failAll(e);
    };
    w.on('error', (e) => fail(new Error(`worker failed: ${e.message}`)));
    w.on('exit', (code) => fail(new Error(code === 1 ? 'cancelled' : `worker stopped (exit code ${code})`)));
    this.worker = w;
    return w;
  }

  request<K extends WorkerMethod>(method: K, params: WorkerMethods[K]['params'], progress?: (m: string) => void): Promise<WorkerMethods[K]['result']> {
    if (this.disposed) return Promise.reject(new Error('the worker has been stopped'));
    const w = this.start();
    return this.calls.call((id) => w.postMessage({ id, method, params } satisfies WorkerRequest<K>), progress);
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
