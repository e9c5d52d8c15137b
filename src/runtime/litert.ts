// Runs .tflite models on the real LiteRT runtime (@litertjs/core, WASM) inside Node: openTflite loads a model once
// for many runs, runTflite runs it once. See litert-load.ts for how LiteRT is brought into Node.
//
// LiteRT.js's high-level JavaScript API (Tensor, CompiledModel.run) feeds and reads only float32, int32 and uint8.
// Its WASM bindings (the `liteRtWasm` object it exposes: loadModel, compileModel, LiteRtTensorBuffer) take any
// element type, so sessions here use those directly and inputs and outputs may be any numeric TFLite type (int64 as
// BigInt64Array, bool as Uint8Array of 0/1, float16 as its raw bits in a Uint16Array, as in src/ir/types.ts).
import { ModelError, elementCount, type DType, type Tensor } from '../ir/types';
import { bytesPerElement, tensorBytes, valuesFromBytes } from '../ir/tensor';
import type { TflType } from '../tflite/model';
import { parseTflite } from '../tflite/reader';
import { dynamicOutputs, openDynamicTflite } from './litert-dynamic';
import { errorText, loadLiteRt, logErrors, logMark, resetIfAborted, type LiteRtJs } from './litert-load';

export { loadLiteRt } from './litert-load';

/** A model input or output as the caller sees it (subgraph 0 order, TFLite tensor names). */
export interface TensorInfo {
  name: string;
  dtype: DType;
  dims: number[];
  /** Index of the tensor in subgraph 0. */
  tensor: number;
}

export interface TfliteSession {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** Runs the model; inputs in `inputs` order, outputs in `outputs` order, named by TFLite tensor name. */
  run(inputs: Tensor[], prefixes?: Prefixes): Promise<Tensor[]>;
  /** Frees the model's WASM memory; the session cannot run afterwards. */
  close(): void;
}

/** Outputs (by position) read only in part: given the other outputs, the dims of the leading elements to read
 *  (litert-dynamic.ts: a capped buffer's values, whose dims another output measured); undefined reads it whole. */
export type Prefixes = Map<number, (others: Tensor[]) => number[] | undefined>;

export interface LiteRtOptions {
  /** XNNPack threads; only LiteRT's threaded build (ONNX2LITE_LITERT_BUILD=threaded, litert-load.ts) runs more than one. */
  threads?: number;
  /** Internal (litert-dynamic.ts): the model's sizes depend on its data, so the load check's run on zeros refuses
   *  only ops LiteRT does not have (a failure to prepare on zeros may be the data's, as a RESHAPE of an empty NonZero). */
  lenient?: boolean;
}

/** TFLite tensor types LiteRT can take in and give out, as IR dtypes. */
const IO_TYPES: Partial<Record<TflType, DType>> = {
  FLOAT32: 'float32', FLOAT16: 'float16', BFLOAT16: 'bfloat16', FLOAT64: 'float64', INT8: 'int8', UINT8: 'uint8',
  INT16: 'int16', UINT16: 'uint16', INT32: 'int32', UINT32: 'uint32', INT64: 'int64', UINT64: 'uint64', BOOL: 'bool',
};

// The parts of LiteRT.js's WASM bindings used here (see LiteRtWasm in @litertjs/core's index.d.ts).
interface Deletable { delete(): void }
interface Vector<T> extends Deletable { size(): number; get(i: number): T }
interface RankedType extends Deletable { bytes(): number; layout(): Deletable & { dimensions(): Vector<number> } }
interface TensorBuffer extends Deletable {
  lock(mode: unknown): number; unlock(): void; packedSize(): number; tensorType(): RankedType;
}
interface WasmModel extends Deletable {
  getNumSignatures(): number;
  getSignature(i: number): Deletable & { key(): string; inputNames(): Vector<string>; outputNames(): Vector<string> };
  getInputTensorType(sig: number, i: number): RankedType;
}
interface WasmCompiled extends Deletable { run(sig: number, inputs: TensorBuffer[]): TensorBuffer[] | Promise<TensorBuffer[]> }
interface Wasm {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  loadModel(env: unknown, ptr: number, size: number): WasmModel;
  compileModel(env: unknown, model: WasmModel, options: unknown): WasmCompiled | Promise<WasmCompiled>;
  LiteRtTensorBuffer: { createManaged(env: unknown, type: unknown, tensorType: RankedType, size: number): TensorBuffer };
  LiteRtTensorBufferType: { HOST_MEMORY: unknown };
  LiteRtTensorBufferLockMode: { READ: unknown; WRITE: unknown };
}

function strings(v: Vector<string>): string[] {
  const out = Array.from({ length: v.size() }, (_, i) => v.get(i));
  v.delete();
  return out;
}

/** Loads a .tflite once for many runs. */
export async function openTflite(model: Uint8Array, opts: LiteRtOptions = {}): Promise<TfliteSession> {
  const parsed = parseTflite(model);
  const sg = parsed.subgraphs[0];
  if (!sg) throw new ModelError('TFLite model has no subgraph');
  const info = (t: number): TensorInfo => {
    const tensor = sg.tensors[t]!;
    const dtype = IO_TYPES[tensor.type];
    if (!dtype) throw new ModelError(`LiteRT cannot feed or read ${tensor.type} tensors ('${tensor.name}')`);
    return { name: tensor.name, dtype, dims: tensor.shape.slice(), tensor: t };
  };
  const inputs = sg.inputs.map(info);
  const outputs = sg.outputs.map(info);
  const dynamic = dynamicOutputs(parsed);
  if (dynamic.length > 0) return openDynamicTflite(parsed, dynamic, outputs, inputs, openTflite, opts);

  const lrt = await loadLiteRt(opts);
  const liteRt = lrt.getGlobalLiteRt();
  const wasm = liteRt.liteRtWasm as unknown as Wasm;
  const environment = liteRt.getDefaultEnvironment();
  const env = environment.liteRtEnvironment;
  const since = logMark();
  const ptr = wasm._malloc(model.length);
  if (!ptr) throw new ModelError(`LiteRT has no memory left for a ${model.length}-byte model`);
  wasm.HEAPU8.set(model, ptr);
  let wasmModel: WasmModel | undefined;
  let compiled: WasmCompiled | undefined;
  const free = () => {
    compiled?.delete();
    wasmModel?.delete();
    wasm._free(ptr);
  };
  let sigIndex = 0;
  let inPos: number[];
  let outPos: number[];
  try {
    wasmModel = wasm.loadModel(env, ptr, model.length);
    compiled = await wasm.compileModel(env, wasmModel, {
      environment, accelerator: 'wasm', cpuOptions: { numThreads: opts.threads ?? 1 }, gpuOptions: {}, webNNOptions: {},
    });
    const errors = logErrors(since);
    if (errors) throw new ModelError(`LiteRT cannot load this model${errors}`);
    // LiteRT runs a signature: the one of subgraph 0 (or its placeholder when the file has none). Map its names to
    // subgraph 0's input and output order.
    const sig = parsed.signatures?.find((s) => (s.subgraph ?? 0) === 0);
    if (!sig && parsed.signatures?.length) throw new ModelError('the model\'s signatures do not cover its main subgraph (0)');
    const signatures = Array.from({ length: wasmModel.getNumSignatures() }, (_, i) => wasmModel!.getSignature(i));
    sigIndex = Math.max(0, signatures.findIndex((s) => sig !== undefined && s.key() === sig.key));
    const chosen = signatures[sigIndex]!;
    const position = (names: string[], named: { name: string; tensor: number }[] | undefined, order: number[]) =>
      names.map((name, i) => {
        const t = sig ? named?.find((m) => m.name === name)?.tensor : order[i];
        const pos = t === undefined ? -1 : order.indexOf(t);
        if (pos < 0) throw new ModelError(`LiteRT signature tensor '${name}' is not an input or output of subgraph 0`);
        return pos;
      });
    inPos = position(strings(chosen.inputNames()), sig?.inputs, sg.inputs);
    outPos = position(strings(chosen.outputNames()), sig?.outputs, sg.outputs);
    for (const s of signatures) s.delete();
  } catch (e) {
    free();
    if (e instanceof ModelError) throw e;
    resetIfAborted(lrt, e);
    throw new ModelError(`LiteRT cannot load this model${logErrors(since) || ': ' + errorText(e)}`);
  }
  let closed = false;
  const session: TfliteSession = {
    inputs,
    outputs,
    async run(feeds: Tensor[], prefixes?: Prefixes): Promise<Tensor[]> {
      if (closed) throw new ModelError('the TFLite session is closed');
      if (feeds.length !== inputs.length) {
        throw new ModelError(`the model takes ${inputs.length} input(s) (${inputs.map((i) => i.name).join(', ')}), got ${feeds.length}`);
      }
      return runOnce(lrt, wasm, env, wasmModel!, compiled!, sigIndex, inPos.map((p) => [inputs[p]!, feeds[p]!]), outPos, outputs, prefixes);
    },
    close(): void {
      if (!closed) { closed = true; free(); }
    },
  };
  // LiteRT prepares the ops on the first run and only logs when that fails (the outputs then stay zero): run once on
  // zeros here so a model whose ops cannot be prepared is refused when opened, with LiteRT's own reason. Failures
  // that depend on the data (a division by zero in an integer DIV...) are left to the real runs.
  try {
    await session.run(inputs.map((i) => {
      const n = elementCount(i.dims);
      return { name: i.name, dtype: i.dtype, dims: i.dims, data: valuesFromBytes(i.dtype, new Uint8Array(n * bytesPerElement(i.dtype)), n) };
    }));
  } catch (e) {
    // Tensors sized at run time anywhere: a failure on zeros may be the data's (an empty Range, NonZero...).
    const lenient = opts.lenient || sg.tensors.some((t) => t.shapeSignature?.some((d) => d < 0));
    const loadFailure = lenient ? /unresolved custom op|didn't find op|registration failed/i : /failed to prepare|failed to allocate tensors|unresolved custom op/i;
    if (e instanceof ModelError && loadFailure.test(e.message)) {
      session.close();
      throw new ModelError(e.message.replace('LiteRT failed to run the model', 'LiteRT cannot load this model'));
    }
  }
  return session;
}

async function runOnce(lrt: LiteRtJs, wasm: Wasm, env: unknown, model: WasmModel, compiled: WasmCompiled, sig: number,
  feeds: [TensorInfo, Tensor][], outPos: number[], outputs: TensorInfo[], prefixes?: Prefixes): Promise<Tensor[]> {
  const buffers: TensorBuffer[] = [];
  try {
    feeds.forEach(([want, feed], i) => {
      if (feed.dtype !== want.dtype) throw new ModelError(`input '${want.name}' is ${want.dtype}, got ${feed.dtype}`);
      if (feed.dims.length !== want.dims.length || feed.dims.some((d, k) => d !== want.dims[k])) {
        throw new ModelError(`input '${want.name}' has shape [${want.dims.join(', ')}], got [${feed.dims.join(', ')}]`);
      }
      const bytes = tensorBytes(feed);
      const type = model.getInputTensorType(sig, i);
      const size = type.bytes();
      if (bytes.length !== size) {
        type.delete();
        throw new ModelError(`input '${want.name}' has ${bytes.length} bytes of data, LiteRT expects ${size}`);
      }
      let buffer: TensorBuffer;
      try {
        buffer = wasm.LiteRtTensorBuffer.createManaged(env, wasm.LiteRtTensorBufferType.HOST_MEMORY, type, size);
      } catch (e) {
        // An input LiteRT cannot hold (a dim of 0 in a .tflite not written here): its binding throws a bare Error.
        resetIfAborted(lrt, e);
        throw new ModelError(`LiteRT cannot take input '${want.name}' of shape [${want.dims.join(', ')}]: ${errorText(e)}`);
      } finally {
        type.delete();
      }
      buffers.push(buffer);
      const at = buffer.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
      try { wasm.HEAPU8.set(bytes, at); } finally { buffer.unlock(); }
    });
    const since = logMark();
    let results: TensorBuffer[];
    try {
      results = await compiled.run(sig, buffers);
    } catch (e) {
      resetIfAborted(lrt, e);
      throw new ModelError(`LiteRT failed to run the model${logErrors(since) || ': ' + errorText(e)}`);
    }
    buffers.push(...results);
    const errors = logErrors(since);
    if (errors) throw new ModelError(`LiteRT failed to run the model${errors}`);
    const out = new Array<Tensor>(outputs.length);
    const read = (r: TensorBuffer, i: number, prefix?: number[]) => {
      const o = outputs[outPos[i]!]!;
      const type = r.tensorType();
      const layout = type.layout();
      const dimsVec = layout.dimensions();
      let dims = Array.from({ length: dimsVec.size() }, (_, k) => dimsVec.get(k));
      dimsVec.delete();
      layout.delete();
      type.delete();
      const at = r.lock(wasm.LiteRtTensorBufferLockMode.READ);
      let size = r.packedSize();
      if (prefix && elementCount(prefix) * bytesPerElement(o.dtype) <= size) [dims, size] = [prefix, elementCount(prefix) * bytesPerElement(o.dtype)];
      let bytes: Uint8Array;
      try { bytes = wasm.HEAPU8.slice(at, at + size); } finally { r.unlock(); }
      out[outPos[i]!] = { name: o.name, dtype: o.dtype, dims, data: valuesFromBytes(o.dtype, bytes, elementCount(dims)) };
    };
    results.forEach((r, i) => { if (!prefixes?.has(outPos[i]!)) read(r, i); });
    results.forEach((r, i) => { if (prefixes?.has(outPos[i]!)) read(r, i, prefixes.get(outPos[i]!)!(out)); });
    return out;
  } finally {
    for (const b of buffers) b.delete();
  }
}

/** Runs a .tflite once: inputs in the model's input order, outputs in its output order. */
export async function runTflite(model: Uint8Array, inputs: Tensor[], opts: LiteRtOptions = {}): Promise<Tensor[]> {
  const session = await openTflite(model, opts);
  try {
    return await session.run(inputs);
  } finally {
    session.close();
  }
}
