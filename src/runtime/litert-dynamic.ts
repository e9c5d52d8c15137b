// Models whose outputs are sized at run time (shape_signature with -1: NonZero, NonMaxSuppression, TopK with a
// computed K, Slice with computed bounds...) on LiteRT.js.
//
// Measured on @litertjs/core: tensors sized at run time run fine inside a model, but LiteRT.js's CompiledModel
// cannot hand one out as a model output: it binds every output to a buffer of the size known when the model is
// compiled ("Failed to set custom allocation for output tensor" for a dynamic output, "Failed to get num packed
// bytes" for an output computed from one). So a session here runs two copies of the model:
//   1. the probe: the static outputs plus SHAPE of every dynamic output (all sized at compile time);
//   2. the same model with each dynamic output RESHAPEd to the dims the probe measured (one copy per distinct set
//      of dims, kept for the next runs; both opened afresh for each run of a model that draws random numbers).
// An output the probe measures empty is returned empty without being read (LiteRT cannot give out empty tensors).
import { ModelError, elementCount, type Tensor } from '../ir/types';
import { valuesFromBytes } from '../ir/tensor';
import type { TflModel, TflOperator, TflTensor } from '../tflite/model';
import { serializeTflite } from '../tflite/writer';
import type { LiteRtOptions, TensorInfo, TfliteSession } from './litert';

/** Indices (in subgraph 0's output list) of the outputs whose size is known only at run time. */
export function dynamicOutputs(model: TflModel): number[] {
  const sg = model.subgraphs[0];
  return sg.outputs.flatMap((t, k) => (sg.tensors[t]?.shapeSignature?.some((d) => d < 0) ? [k] : []));
}

type Open = (bytes: Uint8Array, opts: LiteRtOptions & { lenient?: boolean }) => Promise<TfliteSession>;

const KEEP = 4;
/** Models over this size (bytes) keep one LiteRT session open at a time (see `alone`). */
const ONE_AT_A_TIME_BYTES = 64 * 2 ** 20;

/** A session over a model with dynamic outputs (see the file comment). `open` opens a model with static outputs. */
export async function openDynamicTflite(model: TflModel, dynamic: number[], outputs: TensorInfo[], inputs: TensorInfo[],
  open: Open, opts: LiteRtOptions): Promise<TfliteSession> {
  const sg = model.subgraphs[0];
  const isDyn = new Set(dynamic);
  const tensors: TflTensor[] = [...sg.tensors];
  const operators: TflOperator[] = [...sg.operators];
  const shapeOf = dynamic.map((k) => {
    const t = sg.tensors[sg.outputs[k]];
    // SHAPE's output may be computed when the op is prepared (a read-only tensor), which LiteRT.js cannot bind an
    // output buffer to: a CAST copies it into an ordinary one.
    tensors.push({ name: `${t.name}__shape`, type: 'INT32', shape: [t.shape.length] });
    operators.push({ opcode: 'SHAPE', inputs: [sg.outputs[k]], outputs: [tensors.length - 1], options: { outType: 'INT32' } });
    tensors.push({ name: `${t.name}__dims`, type: 'INT32', shape: [t.shape.length] });
    operators.push({ opcode: 'CAST', inputs: [tensors.length - 2], outputs: [tensors.length - 1] });
    return tensors.length - 1;
  });
  const staticOut = sg.outputs.filter((_, k) => !isDyn.has(k));
  const probeModel: TflModel = {
    ...model, signatures: undefined,
    subgraphs: [{ ...sg, tensors, operators, outputs: [...staticOut, ...shapeOf] }, ...model.subgraphs.slice(1)],
  };
  const probeBytes = serializeTflite(probeModel);
  // A big model (a ResNet-50 R-CNN: its weights and XNNPack's packed copy take ~0.5 GB per session) cannot have the
  // probe and a sized copy in LiteRT.js's 2 GB WASM heap beside its run-time tensors: one session at a time, the
  // probe closed while a sized copy runs and opened again for the next run.
  const alone = probeBytes.length > ONE_AT_A_TIME_BYTES;
  let probe: TfliteSession | undefined = await open(probeBytes, { ...opts, lenient: true });
  const sized = new Map<string, TfliteSession>();
  let closed = false;
  // A model that draws random numbers (Piper's noises) whose draws set an output's size: the probe and the sized copy
  // must draw the same numbers. RANDOM_STANDARD_NORMAL's generator (fixed seeds, ops/_random.ts) moves on with each
  // run of a session, so both are opened afresh for each run: the same seeds, the same runs before, the same draws.
  const draws = model.subgraphs.some((g) => g.operators.some((op) => op.opcode.startsWith('RANDOM_')));

  const sizedSession = async (dims: number[][]): Promise<TfliteSession> => {
    const key = JSON.stringify(dims);
    const have = sized.get(key);
    if (have) return have;
    if (alone) {
      for (const old of sized.values()) old.close();
      sized.clear();
    }
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

  return {
    inputs,
    outputs,
    async run(feeds: Tensor[]): Promise<Tensor[]> {
      if (closed) throw new ModelError('the TFLite session is closed');
      if (draws) { probe?.close(); probe = undefined; }
      if (!probe) {
        for (const old of sized.values()) old.close();
        sized.clear();
        probe = await open(probeBytes, { ...opts, lenient: true });
      }
      const measured = await probe.run(feeds);
      const dims = dynamic.map((_, j) => Array.from(measured[staticOut.length + j].data as Int32Array));
      const empty = (j: number) => elementCount(dims[j]) === 0;
      let got: Tensor[] = [];
      if (dynamic.some((_, j) => !empty(j))) {
        if (alone) { probe.close(); probe = undefined; }
        got = await (await sizedSession(dims)).run(feeds);
      }
      else got = measured.slice(0, staticOut.length);
      let at = 0;
      return outputs.map((o, k) => {
        const j = dynamic.indexOf(k);
        if (j >= 0 && empty(j)) return { name: o.name, dtype: o.dtype, dims: dims[j], data: valuesFromBytes(o.dtype, new Uint8Array(0), 0) };
        const t = got[at++];
        return { ...t, name: o.name };
      });
    },
    close(): void {
      if (closed) return;
      closed = true;
      probe?.close();
      for (const s of sized.values()) s.close();
      sized.clear();
    },
  };
}
