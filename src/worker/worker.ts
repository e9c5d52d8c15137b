// The extension's worker thread: parsing, shape inference, compatibility, conversion and comparison run here so the
// extension host's event loop stays free. Loaded by src/extension/worker-client.ts from dist/worker.js, which holds
// only what `open` of an .onnx file needs; the rest is dist/worker-heavy.js, loaded on first use (handlers.ts).
import { parentPort } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './messages';
import { createHandlers } from './handlers';
import { dispatch } from '../shared/rpc';
import { isUserFacing, oneLine } from '../ir/errors';

const handlers = createHandlers();

function post(r: WorkerReply): void { parentPort?.postMessage(r); }

parentPort?.on('message', async (req: WorkerRequest) => {
  try {
    const result = await dispatch(handlers, req.method, req.params, (message: string) => post({ id: req.id, kind: 'progress', message }));
    post({ id: req.id, kind: 'result', result });
  } catch (e) {
    const err = e as Error;
    const known = isUserFacing(e);
    const code = (err as { code?: unknown })?.code;
    post({ id: req.id, kind: 'error', error: oneLine(known ? err.message : `internal error: ${err?.message ?? String(e)}`),
      code: typeof code === 'string' ? code : undefined });
  }
});
