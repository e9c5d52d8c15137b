// A model opened on LiteRT's WASM calls directly (the calls src/runtime/litert.ts makes, without its per-run copies
// of inputs in and outputs out): input buffers filled once with random bytes, each run's outputs left unread. What a
// kernel costs, not what JavaScript's copies of a big map cost (a 88×88×96 float32 output read back took longer than
// the int8 depthwise layer making it). bench/op-latency.ts times ops alone with it; pairedRaw times several such
// models in interleaved rounds on the main thread's own clock (bench/paired-latency.ts threadNs), as ratios to the
// first model.
import type { DType } from '../src/ir/types';
import type { TflTensor } from '../src/tflite/model';
import { parseTflite } from '../src/tflite/reader';
import { loadLiteRt } from '../src/runtime/litert-load';
import { pairedRatio, threadNs } from './paired-latency';

const DTYPES: Partial<Record<TflTensor['type'], DType>> = { FLOAT32: 'float32', INT8: 'int8', INT16: 'int16', INT32: 'int32', UINT8: 'uint8' };
function randomBytes(t: TflTensor): Uint8Array {
  const n = t.shape.reduce((a, d) => a * Math.max(1, d), 1);
  const dtype = DTYPES[t.type];
  if (!dtype) throw new Error(`cannot feed ${t.type}`);
  if (dtype === 'float32') return new Uint8Array(Float32Array.from({ length: n }, () => Math.random() * 2 - 1).buffer);
  if (dtype === 'int32') return new Uint8Array(n * 4); // indices, axes: 0 is valid
  const b = new Uint8Array(n * (dtype === 'int16' ? 2 : 1));
  for (let i = 0; i < b.length; i++) b[i] = (Math.random() * 256) | 0;
  return b;
}

export interface RawModel {
  /** One run on the filled inputs (outputs freed unread). */
  run(): Promise<void>;
  close(): void;
}

/** `tflite` compiled for XNNPack (one thread) with its inputs filled once. */
export async function openRaw(tflite: Uint8Array): Promise<RawModel> {
  const sg = parseTflite(tflite).subgraphs[0];
  const lrt = await loadLiteRt();
  const liteRt = lrt.getGlobalLiteRt();
  const wasm = liteRt.liteRtWasm as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const environment = liteRt.getDefaultEnvironment();
  const env = environment.liteRtEnvironment;
  const ptr = wasm._malloc(tflite.length);
  wasm.HEAPU8.set(tflite, ptr);
  const model = wasm.loadModel(env, ptr, tflite.length);
  const compiled = await wasm.compileModel(env, model, { environment, accelerator: 'wasm', cpuOptions: { numThreads: 1 }, gpuOptions: {}, webNNOptions: {} });
  const buffers = sg.inputs.map((t, i) => {
    const type = model.getInputTensorType(0, i);
    const size = type.bytes();
    const b = wasm.LiteRtTensorBuffer.createManaged(env, wasm.LiteRtTensorBufferType.HOST_MEMORY, type, size);
    type.delete();
    const at = b.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
    wasm.HEAPU8.set(randomBytes(sg.tensors[t]).subarray(0, size), at);
    b.unlock();
    return b;
  });
  return {
    async run() { for (const r of await compiled.run(0, buffers)) r.delete(); },
    close() {
      for (const b of buffers) b.delete();
      compiled.delete();
      model.delete();
      wasm._free(ptr);
    },
  };
}

export interface RawTime { label: string; ms: number; ratio: number; spread: [number, number] }

/** Interleaved rounds over `models` (the first is the base; each round in a rotated order), every batch >= 20 ms of
 *  the base, timed by the main thread's clock: per-run ms (median over rounds) and the median per-round ratio to the
 *  base with its quartiles. At least 7 rounds, then rounds until `budgetMs` (at most 60). */
export async function pairedRaw(models: { label: string; tflite: Uint8Array }[], budgetMs = 8000): Promise<RawTime[]> {
  const opened: RawModel[] = [];
  try {
    for (const m of models) opened.push(await openRaw(m.tflite));
    const clock = () => threadNs() ?? performance.now() * 1e6;
    const batch = async (i: number, reps: number) => {
      const t0 = clock();
      for (let r = 0; r < reps; r++) await opened[i]!.run();
      return (clock() - t0) / 1e6 / reps;
    };
    for (let i = 0; i < opened.length; i++) await batch(i, 3);
    const w0 = performance.now();
    await batch(0, 2);
    const reps = Math.max(1, Math.min(2000, Math.ceil(20 / Math.max(0.001, (performance.now() - w0) / 2))));
    const per: number[][] = opened.map(() => []);
    const start = performance.now();
    for (let n = 0; n < 60 && (n < 7 || performance.now() - start < budgetMs); n++) {
      for (let j = 0; j < opened.length; j++) { const i = (j + n) % opened.length; per[i]!.push(await batch(i, reps)); }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    return models.map((m, i) => ({ label: m.label, ms: median(per[i]!), ...pairedRatio(per[i]!, per[0]!) }));
  } finally {
    for (const o of opened) o.close();
  }
}
