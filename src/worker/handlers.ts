// What the worker thread answers (src/worker/messages.ts), as plain functions: the worker's message loop uses them,
// and tests and benchmarks call them in-process through LocalBackend.
import type { WorkerMethod, WorkerMethods } from './messages';
import { openModel } from './model-service';
import type { OpenedModel } from './model-service';
import { runCompare, runConvert, runDeploy } from './jobs';

export type Handlers = {
  [K in WorkerMethod]: (p: WorkerMethods[K]['params'], progress: (m: string) => void) =>
    Promise<WorkerMethods[K]['result']> | WorkerMethods[K]['result'];
};

/** The one interface the host's view code talks to: the worker client, or LocalBackend in tests. */
export interface Backend {
  request<K extends WorkerMethod>(method: K, params: WorkerMethods[K]['params'], progress?: (m: string) => void): Promise<WorkerMethods[K]['result']>;
}

export function createHandlers(): Handlers {
  const opened = new Map<string, OpenedModel>();
  const get = (file: string): OpenedModel => {
    const m = opened.get(file);
    if (!m) throw new Error(`${file} is not open`);
    return m;
  };
  return {
    open(p) {
      const m = openModel(p.file, { inputShapes: p.inputShapes });
      opened.set(p.file, m);
      return m.graph;
    },
    shapes: (p) => get(p.file).shapes(),
    stats: (p) => get(p.file).stats(p.tensor),
    compat: (p) => get(p.file).compat(),
    close(p) { opened.delete(p.file); },
    convert: (p, progress) => runConvert(p, progress),
    compare: (p, progress) => runCompare(p, progress),
    deploy: (p, progress) => runDeploy(p, progress),
  };
}

export class LocalBackend implements Backend {
  private readonly handlers = createHandlers();
  async request<K extends WorkerMethod>(method: K, params: WorkerMethods[K]['params'], progress: (m: string) => void = () => {}): Promise<WorkerMethods[K]['result']> {
    const h = this.handlers[method] as (p: unknown, progress: (m: string) => void) => unknown;
    return h(params, progress) as WorkerMethods[K]['result'];
  }
}
