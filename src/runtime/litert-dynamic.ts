// Models whose outputs are sized at run time (shape_signature with -1: NonZero, NonMaxSuppression, TopK with a
// computed K, Slice with computed bounds, Piper's audio...) on LiteRT.js.
//
// Measured on @litertjs/core: tensors sized at run time run fine inside a model (XNNPack reshapes its runtime to
// them), but LiteRT.js's CompiledModel cannot hand one out as a model output: it binds every output to a buffer of
// the size known when the model is compiled ("Failed to set custom allocation for output tensor" for a dynamic
// output, "Failed to get num packed bytes" for an output computed from one). So a session here runs copies:
//   1. the capped copy (litert-capped.ts): each dynamic output written into a buffer of a fixed capacity beside its
//      measured dims: one run when the values fit (capacities grow to what runs needed, up to MAX_CAP_BYTES);
//   2. else the same model with each dynamic output RESHAPEd to the dims the capped copy measured (one copy per
//      distinct set of dims, kept for the next runs).
// Both are opened afresh for each run of a model that draws random numbers (see `draws`).
// An output measured empty is returned empty without being read (LiteRT cannot give out empty tensors).
import { ModelError, elementCount, type Tensor } from '../ir/types';
import { valuesFromBytes } from '../ir/tensor';
import type { TflModel, TflOperator, TflTensor } from '../tflite/model';
import { serializeTflite } from '../tflite/writer';
import { capPlans, cappedModel } from './litert-capped';
import type { LiteRtOptions, Prefixes, TensorInfo, TfliteSession } from './litert';

/** Indices (in subgraph 0's output list) of the outputs whose size is known only at run time. */
export function dynamicOutputs(model: TflModel): number[] {
  const sg = model.subgraphs[0];
  return sg.outputs.flatMap((t, k) => (sg.tensors[t]?.shapeSignature?.some((d) => d < 0) ? [k] : []));
}

type Open = (bytes: Uint8Array, opts: LiteRtOptions & { lenient?: boolean }) => Promise<TfliteSession>;

const KEEP = 4;
/** Models over this size (bytes) keep one LiteRT session open at a time (see `alone`). */
const ONE_AT_A_TIME_BYTES = 64 * 2 ** 20;
/** A dynamic output's first capacity (in a big model: its heap is near LiteRT.js's 2 GB), and the most a capacity
 *  grows to (bigger outputs take the sized copy). */
const FIRST_CAP_BYTES = 2 ** 20;
const FIRST_CAP_BYTES_ALONE = 64 * 2 ** 10;
const MAX_CAP_BYTES = 16 * 2 ** 20;

/** A session over a model with dynamic outputs (see the file comment). `open` opens a model with static outputs. */
export async function openDynamicTflite(model: TflModel, dynamic: number[], outputs: TensorInfo[], inputs: TensorInfo[],
  open: Open, opts: LiteRtOptions): Promise<TfliteSession> {
  const sg = model.subgraphs[0];
  const plans = capPlans(model, dynamic);
  const staticCount = sg.outputs.length - dynamic.length;
  // A big model (a ResNet-50 R-CNN: its weights and XNNPack's packed copy take ~0.5 GB per session) cannot have two
  // copies in LiteRT.js's 2 GB WASM heap beside its run-time tensors: one session at a time, the capped copy closed
  // while a sized copy runs and opened again for the next run.
  const alone = model.subgraphs.reduce((n, g) => n + g.tensors.reduce((m, t) => m + (t.data?.length ?? 0), 0), 0) > ONE_AT_A_TIME_BYTES;
  // Capacities in rows along each output's run-time axis (0: measured only).
  const first = alone ? FIRST_CAP_BYTES_ALONE : FIRST_CAP_BYTES;
  let caps = plans.map((p) => (p.axis < 0 ? 0 : Math.max(1, Math.floor(first / Math.max(1, p.bytesPerRow)))));
  let cappedBytes: Uint8Array | undefined;
  /** The open capped copy, its capacities and whether it has run (a model that draws needs one that has not). */
  let capped: { session: TfliteSession; caps: number[]; ran: boolean } | undefined;
  const openCapped = async (): Promise<{ session: TfliteSession; caps: number[]; ran: boolean }> => {
    cappedBytes ??= serializeTflite(cappedModel(model, dynamic, plans, caps));
    return { session: await open(cappedBytes, { ...opts, lenient: true }), caps, ran: false };
  };
  capped = await openCapped();
  const sized = new Map<string, TfliteSession>();
  const closeSized = () => {
    for (const s of sized.values()) s.close();
    sized.clear();
  };
  let closed = false;
  // A model that draws random numbers (Piper's noises) whose draws set an output's size: a sized copy must draw the
  // numbers the capped copy drew. RANDOM_STANDARD_NORMAL's generator (fixed seeds, ops/_random.ts) moves on with each
  // run of a session, so both are opened afresh for each run: the same seeds, the same runs before, the same draws.
  const draws = model.subgraphs.some((g) => g.operators.some((op) => op.opcode.startsWith('RANDOM_')));
  const fitsOne = (j: number, dims: number[], cap: number) => elementCount(dims) === 0 || (cap > 0 && dims[plans[j].axis] <= cap);
  const fits = (dims: number[][], withCaps: number[]) => dynamic.every((_, j) => fitsOne(j, dims[j], withCaps[j]));
  /** The capacity that holds `rows` (a quarter more, except in a big model), 0 past MAX_CAP_BYTES. */
  const capFor = (j: number, rows: number) => {
    const most = Math.floor(MAX_CAP_BYTES / Math.max(1, plans[j].bytesPerRow));
    return rows > most ? 0 : Math.min(most, alone ? rows : Math.ceil(rows * 1.25));
  };

  const sizedSession = async (dims: number[][]): Promise<TfliteSession> => {
    const key = JSON.stringify(dims);
    const have = sized.get(key);
    if (have) return have;
    if (alone) closeSized();
    const ts: TflTensor[] = [...sg.tensors];
    const ops: TflOperator[] = [...sg.operators];
    const outs = sg.outputs.flatMap((t, k) => {
      const j = dynamic.indexOf(k);
      if (j < 0) return [t];
      const d = dims[j];
      if (elementCount(d) === 0) return [];
      const src = sg.tensors[t];
      ts.push({ name: `${src.name}__shape_fixed`, type: 'INT32', shape: [d.length], data: new Uint8Array(new Int32Array(d).buffer) });
      ts.push({ name: `${src.name}__sized`, type: src.type, shape: d, quantization: src.quantization });
      ops.push({ opcode: 'RESHAPE', inputs: [t, ts.length - 2], outputs: [ts.length - 1], options: { newShape: d } });
      return [ts.length - 1];
    });
    const m: TflModel = { ...model, signatures: undefined, subgraphs: [{ ...sg, tensors: ts, operators: ops, outputs: outs }, ...model.subgraphs.slice(1)] };
    const s = await open(serializeTflite(m), { ...opts, lenient: true });
    if (sized.size >= KEEP) {
      const [oldest, old] = sized.entries().next().value as [string, TfliteSession];
      old.close();
      sized.delete(oldest);
    }
    sized.set(key, s);
    return s;
  };

  /** Reads of the capped copy's buffers: only the values measured, when they lead the buffer (see unpad). */
  const prefixesFor = (withCaps: number[]): Prefixes => {
    const read: Prefixes = new Map();
    let value = staticCount + dynamic.length;
    dynamic.forEach((_, j) => {
      if (!(withCaps[j] > 0)) return;
      const at = value++;
      if (plans[j].outer !== 1) return;
      read.set(at, (others) => {
        const dims = Array.from(others[staticCount + j].data as Int32Array);
        return dims.map((d, i) => (i === plans[j].axis && d > withCaps[j] ? 0 : d));
      });
    });
    return read;
  };

  /** The outputs from a capped copy's run (every dynamic output fits its capacity). */
  const fromCapped = (got: Tensor[], dims: number[][], withCaps: number[]): Tensor[] => {
    let at = 0;
    let value = staticCount + dynamic.length;
    return outputs.map((o, k) => {
      const j = dynamic.indexOf(k);
      if (j < 0) return { ...got[at++], name: o.name };
      const padded = withCaps[j] > 0 ? got[value++] : undefined;
      return { name: o.name, dtype: o.dtype, dims: dims[j], data: unpad(padded, dims[j], plans[j].axis, withCaps[j], o) };
    });
  };

  return {
    inputs,
    outputs,
    async run(feeds: Tensor[]): Promise<Tensor[]> {
      if (closed) throw new ModelError('the TFLite session is closed');
      if (draws && capped?.ran) { capped.session.close(); capped = undefined; }
      if (draws) closeSized();
      /** One run of the capped copy (opened first when none is open): its outputs, each dynamic output's dims and
       *  the capacities it ran with. */
      const runCapped = async () => {
        if (!capped) {
          if (alone) closeSized();
          capped = await openCapped();
        }
        capped.ran = true;
        const ran = await capped.session.run(feeds, prefixesFor(capped.caps));
        return { got: ran, dims: dynamic.map((_, j) => Array.from(ran[staticCount + j].data as Int32Array)), caps: capped.caps };
      };
      let { got, dims, caps: ranCaps } = await runCapped();
      if (fits(dims, ranCaps)) return fromCapped(got, dims, ranCaps);
      // A capacity too small: grow it to what this run needs (or give it up past MAX_CAP_BYTES) for the next runs.
      const grown = caps.map((c, j) => (plans[j].axis < 0 || fitsOne(j, dims[j], c) ? c : capFor(j, dims[j][plans[j].axis])));
      if (grown.some((c, j) => c !== caps[j])) {
        caps = grown;
        cappedBytes = undefined;
        capped?.session.close();
        capped = undefined;
        if (fits(dims, caps)) {
          ({ got, dims, caps: ranCaps } = await runCapped());
          if (fits(dims, ranCaps)) return fromCapped(got, dims, ranCaps);
        }
      }
      const empty = (j: number) => elementCount(dims[j]) === 0;
      let fromSized: Tensor[] = [];
      if (dynamic.some((_, j) => !empty(j))) {
        if (alone) { capped?.session.close(); capped = undefined; }
        fromSized = await (await sizedSession(dims)).run(feeds);
      } else fromSized = got.slice(0, staticCount);
      let at = 0;
      return outputs.map((o, k) => {
        const j = dynamic.indexOf(k);
        if (j >= 0 && empty(j)) return { name: o.name, dtype: o.dtype, dims: dims[j], data: valuesFromBytes(o.dtype, new Uint8Array(0), 0) };
        const t = fromSized[at++];
        return { ...t, name: o.name };
      });
    },
    close(): void {
      if (closed) return;
      closed = true;
      capped?.session.close();
      closeSized();
    },
  };
}

/** The values of a dynamic output with `dims` out of its capped buffer (`cap` rows along `axis`). */
function unpad(padded: Tensor | undefined, dims: number[], axis: number, cap: number, o: TensorInfo): Tensor['data'] {
  const n = elementCount(dims);
  if (!padded || n === 0) return valuesFromBytes(o.dtype, new Uint8Array(0), 0);
  const data = padded.data as Exclude<Tensor['data'], string[]>;
  if (data.length === n) return data; // read as a prefix (prefixesFor)
  const outer = elementCount(dims.slice(0, axis));
  const inner = elementCount(dims.slice(axis + 1));
  const rows = dims[axis];
  if (outer === 1) return data.slice(0, rows * inner);
  const out = data.slice(0, n);
  for (let b = 0; b < outer; b++) out.set(data.subarray(b * cap * inner, (b * cap + rows) * inner) as never, b * rows * inner);
  return out;
}
