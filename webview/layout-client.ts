// Lays out a view: small layered ones here (webview/fast-layout.ts layoutHere), the rest in the layout worker. Starts the layout worker (from its script's text as a blob: webview resources are on another origin) and turns
// its replies into promises; a newer request makes older pending ones irrelevant.
import type { LayoutRequest, LayoutResult } from './layout-types';
import { layoutHere } from './fast-layout';

let worker: Promise<Worker> | undefined;
let nextId = 1;
const pending = new Map<number, (r: LayoutResult) => void>();

/** Starts the worker once; main.ts calls it at load so the worker is up before the graph arrives. */
export function start(): Promise<Worker> {
  worker ??= boot();
  worker.catch(() => { worker = undefined; });
  return worker;
}

async function boot(): Promise<Worker> {
  // The page's boot script starts the worker while this bundle loads; it is started here only without one.
  const early = window.onnx2liteBoot?.worker;
  const w = (early && await early.catch(() => undefined)) || await fromScript();
  w.onmessage = (ev: MessageEvent<LayoutResult>) => {
    const done = pending.get(ev.data.id);
    pending.delete(ev.data.id);
    done?.(ev.data);
  };
  return w;
}

async function fromScript(): Promise<Worker> {
  const url = document.body.dataset.layoutWorker;
  if (!url) throw new Error('layout worker script is not configured');
  const text = await (await fetch(url)).text();
  return new Worker(URL.createObjectURL(new Blob([text], { type: 'text/javascript' })));
}

export async function layout(nodes: LayoutRequest['nodes'], edges: LayoutRequest['edges']): Promise<LayoutResult> {
  const id = nextId++;
  const here = layoutHere({ id, nodes, edges });
  if (here) return here;
  const w = await start();
  return new Promise((resolve, reject) => {
    pending.set(id, (r) => (r.error ? reject(new Error(`layout failed: ${r.error}`)) : resolve(r)));
    w.postMessage({ id, nodes, edges } satisfies LayoutRequest);
  });
}
