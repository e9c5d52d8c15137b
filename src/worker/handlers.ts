// What the worker thread answers (src/worker/messages.ts), as plain functions: the worker's message loop uses them,
// and tests and benchmarks call them in-process through LocalBackend. `open` of an .onnx file is answered by the
// lean read alone (src/worker/lean-open.ts); the rest (src/worker/heavy.ts) is loaded on first use, from its own
// bundle in the worker (dist/worker-heavy.js), so the first frame does not wait for it.
import type { WireGraph } from '../shared/protocol';
import type { WorkerMethod, WorkerMethods } from './messages';
import type { OpenedModel } from './model-service';
import { leanOpen } from './lean-open';
import { dispatch, type HandlerMap } from '../shared/rpc';

/** One handler per worker method; the extra argument reports progress lines. */
export type Handlers = HandlerMap<WorkerMethods, (m: string) => void>;

/** The one interface the host's view code talks to: the worker client, or LocalBackend in tests. */
export interface Backend {
  request<K extends WorkerMethod>(method: K, params: WorkerMethods[K]['params'], progress?: (m: string) => void): Promise<WorkerMethods[K]['result']>;
}

type Heavy = typeof import('./heavy');
let heavyModule: Promise<Heavy> | undefined;
/** src/worker/heavy.ts, loaded on first use (scripts/build.mjs points this import at dist/worker-heavy.js). */
const heavy = (): Promise<Heavy> => (heavyModule ??= import('./heavy'));

/** An open model: its graph at once, the rest (read by src/worker/heavy.ts) when first asked for. */
interface Opened { graph: WireGraph; model(): Promise<OpenedModel> }

export function createHandlers(): Handlers {
  const opened = new Map<string, Opened>();
  const get = (file: string): Promise<OpenedModel> => {
    const m = opened.get(file);
    if (!m) throw new Error(`${file} is not open`);
    return m.model();
  };
  return {
    async open(p) {
      const opts = { inputShapes: p.inputShapes, inputValues: p.inputValues };
      const lean = leanOpen(p.file);
      let o: Opened;
      if (lean) {
        let model: Promise<OpenedModel> | undefined;
        o = { graph: lean.graph, model: () => (model ??= heavy().then((h) => h.openModel(p.file, opts, lean))) };
      } else {
        const model = (await heavy()).openModel(p.file, opts, null);
        o = { graph: model.graph, model: async () => model };
      }
      opened.set(p.file, o);
      return o.graph;
    },
    shapes: async (p) => (await get(p.file)).shapes(),
    stats: async (p) => (await get(p.file)).stats(p.tensor),
    compat: async (p) => (await get(p.file)).compat(),
    close(p) { opened.delete(p.file); },
    convert: async (p, progress) => (await heavy()).runConvert(p, progress),
    compare: async (p, progress) => (await heavy()).runCompare(p, progress),
    deploy: async (p, progress) => (await heavy()).runDeploy(p, progress),
  };
}

export class LocalBackend implements Backend {
  private readonly handlers = createHandlers();
  async request<K extends WorkerMethod>(method: K, params: WorkerMethods[K]['params'], progress: (m: string) => void = () => {}): Promise<WorkerMethods[K]['result']> {
    return dispatch(this.handlers, method, params, progress);
  }
}
