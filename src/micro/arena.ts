// A starting tensor-arena size for TFLite Micro: a liveness walk over a subgraph. Every activation tensor (not a
// constant, not a variable) lives from the op that writes it (model inputs: from the start) to the last op that reads
// it (model outputs: to the end); the peak over the ops of the 16-byte-aligned sizes alive at once is what TFLM's
// memory planner needs at best. TFLM also keeps per-tensor and per-op bookkeeping and kernel data (per-channel
// multipliers and shifts of quantized convolutions) in the arena, so a rough allowance for those is added. It is an
// estimate: the planner can fragment, and kernels (CMSIS-NN, Ethos-U) may ask for scratch buffers on top.
import type { TflSubgraph, TflTensor, TflType } from '../tflite/model';

const ELEMENT_BYTES: Partial<Record<TflType, number>> = {
  FLOAT32: 4, FLOAT16: 2, INT32: 4, UINT8: 1, INT64: 8, BOOL: 1, INT16: 2, INT8: 1, FLOAT64: 8, UINT32: 4,
  UINT16: 2, UINT64: 8, BFLOAT16: 2, COMPLEX64: 8, COMPLEX128: 16,
};

/** TFLM's arena alignment (MicroArenaBufferAlignment). */
export const ARENA_ALIGN = 16;

export const align = (n: number, to = ARENA_ALIGN): number => Math.ceil(n / to) * to;

export function tensorBytes(t: TflTensor): number {
  const n = t.shape.reduce((a, d) => a * Math.max(d, 1), 1);
  const e = ELEMENT_BYTES[t.type] ?? 1;
  return t.type === 'INT4' ? Math.ceil(n / 2) : n * e;
}

export interface ArenaEstimate {
  /** Peak bytes of activation tensors alive at once (16-byte aligned each). */
  activationBytes: number;
  /** Index of the op where the peak is reached (-1 for an empty graph). */
  peakOp: number;
  /** Variable tensors (persistent for the interpreter's lifetime). */
  variableBytes: number;
  /** The allowance for TFLM's own structures and kernel data. */
  overheadBytes: number;
  /** activation + variable + overhead, rounded up to 16: the suggested kTensorArenaSize. */
  totalBytes: number;
}

/** Per-tensor and per-op allowances (TfLiteEvalTensor, node and registration data, op data) on a 32-bit target. */
const PER_TENSOR = 32;
const PER_OP = 96;
const PER_CHANNEL_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'TRANSPOSE_CONV']);

export function estimateArena(g: TflSubgraph): ArenaEstimate {
  const isActivation = (i: number) => i >= 0 && i < g.tensors.length && !g.tensors[i].data && !g.tensors[i].isVariable;
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const end = g.operators.length;
  for (const i of g.inputs) if (isActivation(i)) first.set(i, -1);
  g.operators.forEach((op, k) => {
    for (const i of op.inputs) if (isActivation(i)) { if (!first.has(i)) first.set(i, k); last.set(i, k); }
    for (const o of op.outputs) if (isActivation(o)) { if (!first.has(o)) first.set(o, k); if (!last.has(o)) last.set(o, k); }
  });
  for (const o of g.outputs) if (isActivation(o)) last.set(o, end);
  const size = new Map<number, number>([...first.keys()].map((i) => [i, align(tensorBytes(g.tensors[i]))]));
  let activationBytes = 0;
  let peakOp = -1;
  for (let k = 0; k < Math.max(end, 1); k++) {
    let alive = 0;
    for (const [i, f] of first) if (f <= k && (last.get(i) ?? f) >= k) alive += size.get(i)!;
    if (alive > activationBytes) { activationBytes = alive; peakOp = k < end ? k : -1; }
  }
  const variableBytes = g.tensors.filter((t) => t.isVariable).reduce((a, t) => a + align(tensorBytes(t)), 0);
  let channels = 0;
  for (const op of g.operators) {
    const out = g.tensors[op.outputs[0]];
    if (PER_CHANNEL_OPS.has(op.opcode) && out && out.type !== 'FLOAT32') channels += out.shape[out.shape.length - 1] ?? 1;
  }
  const overheadBytes = align(g.tensors.length * PER_TENSOR + g.operators.length * PER_OP + channels * 8);
  return { activationBytes, peakOp, variableBytes, overheadBytes, totalBytes: align(activationBytes + variableBytes + overheadBytes) };
}
