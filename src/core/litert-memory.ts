// What one op of a converted model needs of LiteRT.js's WASM heap, which is at most 2 GiB: its run-time inputs and
// outputs, plus the scratch TFLite's kernel allocates beside them (CONV_3D's im2col of every output position ×
// kD·kH·kW·Cin, CONV_3D_TRANSPOSE's col2im of every input position × kD·kH·kW·Cout). An op that alone needs more than
// the heap can give (the model's own bytes are in the heap too) cannot run: convert's self-check refuses it in one
// line naming the op and its size before LiteRT tries (where it would abort), and an abort is explained by the op
// that needs the most.
import type { TflModel, TflOperator, TflSubgraph, TflType } from '../tflite/model';

/** LiteRT.js's WASM memory maximum (2 GiB). */
export const WASM_HEAP_BYTES = 2 * 2 ** 30;

const ELEMENT_BYTES: Partial<Record<TflType, number>> = {
  FLOAT32: 4, INT32: 4, UINT32: 4, FLOAT16: 2, INT16: 2, UINT16: 2, INT8: 1, UINT8: 1, BOOL: 1, INT64: 8, UINT64: 8, FLOAT64: 8,
};

export interface OpMemory {
  index: number;
  opcode: string;
  onnxNode?: string;
  /** Its first output's name (the converter names it after the ONNX value). */
  output: string;
  /** Run-time inputs + outputs + scratch. */
  bytes: number;
  scratch: number;
  scratchKind?: string;
}

const count = (shape: number[]) => shape.reduce((a, b) => a * Math.max(b, 1), 1);

function tensorBytes(sg: TflSubgraph, t: number): number {
  const x = t >= 0 ? sg.tensors[t] : undefined;
  if (!x || x.data) return 0;
  return count(x.shape) * (ELEMENT_BYTES[x.type] ?? 4);
}

/** The scratch TFLite's kernel allocates for `op` (float32), and its name. */
function scratchOf(sg: TflSubgraph, op: TflOperator): { bytes: number; kind?: string } {
  const o = op.options ?? {};
  if (op.opcode === 'CONV_3D') {
    const filter = sg.tensors[op.inputs[1]]?.shape ?? [];
    const unit = [...filter.slice(0, 3), o.strideD, o.strideH, o.strideW, o.dilationDFactor, o.dilationHFactor, o.dilationWFactor]
      .every((v) => v === undefined || v === 1);
    if (unit || filter.length !== 5) return { bytes: 0 };
    return { bytes: count(sg.tensors[op.outputs[0]].shape.slice(0, 4)) * count(filter.slice(0, 4)) * 4, kind: 'im2col' };
  }
  if (op.opcode === 'CONV_3D_TRANSPOSE') {
    const filter = sg.tensors[op.inputs[1]]?.shape ?? [];
    const input = sg.tensors[op.inputs[2]]?.shape ?? [];
    if (filter.length !== 5 || input.length !== 5) return { bytes: 0 };
    return { bytes: count(input.slice(1, 4)) * count(filter.slice(0, 3)) * filter[3] * 4, kind: 'col2im' };
  }
  return { bytes: 0 };
}

/** The op of subgraph 0 that needs the most heap. */
export function largestOp(model: TflModel): OpMemory | undefined {
  const sg = model.subgraphs[0];
  let best: OpMemory | undefined;
  sg?.operators.forEach((op, index) => {
    const s = scratchOf(sg, op);
    const io = [...op.inputs, ...op.outputs].reduce((a, t) => a + tensorBytes(sg, t), 0);
    const bytes = io + s.bytes;
    if (!best || bytes > best.bytes) best = { index, opcode: op.opcode, onnxNode: op.onnxNode, output: sg.tensors[op.outputs[0]]?.name ?? '', bytes, scratch: s.bytes, scratchKind: s.kind };
  });
  return best;
}

export const sizeText = (bytes: number): string => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`);

function opText(m: OpMemory): string {
  const scratch = m.scratch > 0 ? ` (${sizeText(m.scratch)} of ${m.scratchKind} scratch)` : '';
  return `op ${m.index} ${m.opcode}${m.onnxNode ? ` from ONNX node '${m.onnxNode}'` : ` writing '${m.output}'`} needs ${sizeText(m.bytes)}${scratch}`;
}

/** Why LiteRT.js cannot run the model (one op alone beyond its heap, with the model's bytes), or undefined. */
export function beyondHeap(model: TflModel, modelBytes: number): string | undefined {
  const m = largestOp(model);
  if (!m || m.bytes + modelBytes <= WASM_HEAP_BYTES) return undefined;
  const beside = modelBytes >= 1e6 ? ` beside the model's ${sizeText(modelBytes)}` : '';
  return `LiteRT's WASM heap (at most 2 GiB) cannot hold it: ${opText(m)}${beside}`;
}

/** LiteRT's bare "Aborted()" (its heap could not grow) with the op that needs the most named. */
export function abortText(message: string, model: TflModel): string {
  const m = /^(LiteRT [^:]*: )?Aborted\(/.test(message) ? largestOp(model) : undefined;
  return m ? `${message.replace(/\. Build with -sASSERTIONS for more info\.?$/, '')} (most likely out of memory: its WASM heap is at most 2 GiB; the largest op, ${opText(m)})` : message;
}
