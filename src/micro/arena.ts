// The tensor-arena size TFLite Micro needs (MicroInterpreter::arena_used_bytes() after AllocateTensors()), for its
// reference kernels, on a 32-bit (Cortex-M, the default) or 64-bit target.
//
// TFLM splits the arena in two. The head holds the activations, planned by its greedy memory planner: here a
// liveness walk over the subgraph (each tensor from the op that writes it to the last op that reads it, 16-byte
// aligned), plus the kernels' scratch buffers (MEAN's index and accumulator buffers) during their op. The tail holds
// what lives as long as the interpreter, allocated downwards in this order, each aligned as TFLM aligns it (see
// tail.ts): TFLM's allocator objects, one TfLiteEvalTensor per tensor, one NodeAndRegistration per op, each op's
// builtin params, each kernel's op data (16-byte aligned), the per-output-channel multiplier and shift arrays of
// CONV_2D and DEPTHWISE_CONV_2D (float models too) and of per-channel FULLY_CONNECTED and TRANSPOSE_CONV, the scratch
// buffer handles, and the persistent TfLiteTensors of the model's inputs and outputs. The struct sizes depend on the
// pointer size, hence `targetBits`. Optimized kernels (CMSIS-NN, ESP-NN, Ethos-U) ask for scratch buffers on top.
import type { TflSubgraph, TflTensor, TflType } from '../tflite/model';
import { kernelData, STRUCTS, TailAllocator, type TargetBits } from './tail';

export type { TargetBits } from './tail';

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
  /** Peak bytes of activation tensors (and kernel scratch buffers) alive at once (16-byte aligned each). */
  activationBytes: number;
  /** Index of the op where the peak is reached (-1 for an empty graph). */
  peakOp: number;
  /** Variable tensors (persistent for the interpreter's lifetime). */
  variableBytes: number;
  /** TFLM's own structures and the kernels' persistent data (the arena's tail). */
  overheadBytes: number;
  /** activation + variable + overhead, rounded up to 16: the suggested kTensorArenaSize. */
  totalBytes: number;
  /** The pointer size the structures were sized for. */
  targetBits: TargetBits;
  /** The kernels the estimate holds for. */
  kernels: 'reference';
}

export interface ArenaOptions {
  /** 32 (microcontrollers, the default) or 64 (x86-64 hosts, 64-bit Cortex-A). */
  targetBits?: TargetBits;
}

/** The activation plan: the peak over the ops of the tensors (and the op's scratch buffers) alive at once. */
function activationPeak(g: TflSubgraph, scratch: number[]): { bytes: number; op: number } {
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
  let bytes = 0;
  let peak = -1;
  for (let k = 0; k < Math.max(end, 1); k++) {
    let alive = scratch[k] ?? 0;
    for (const [i, f] of first) if (f <= k && (last.get(i) ?? f) >= k) alive += size.get(i)!;
    if (alive > bytes) { bytes = alive; peak = k < end ? k : -1; }
  }
  return { bytes, op: peak };
}

export function estimateArena(g: TflSubgraph, opts: ArenaOptions = {}): ArenaEstimate {
  const bits: TargetBits = opts.targetBits ?? 32;
  const s = STRUCTS[bits];
  const tail = new TailAllocator();
  // MicroAllocator::Create: the arena allocator, the greedy planner and the MicroAllocator itself; then
  // StartModelAllocation: the builtin-data allocator, the subgraph table, the eval tensors and the op records.
  tail.alloc(s.singleArenaBufferAllocator, s.ptr);
  tail.alloc(s.greedyMemoryPlanner, s.ptr);
  tail.alloc(s.microAllocator, s.ptr);
  tail.alloc(2 * s.ptr, s.ptr);
  tail.alloc(2 * s.ptr, s.ptr);
  tail.alloc(s.evalTensor * g.tensors.length, s.ptr);
  tail.alloc(s.nodeAndRegistration * g.operators.length, s.ptr);
  const data = g.operators.map((op) => kernelData(op, g, bits));
  for (const d of data) if (d.params) tail.alloc(d.params.size, d.params.align); // ParseOpData, op by op
  for (const d of data) if (d.opData) tail.alloc(d.opData, ARENA_ALIGN); // kernels' init
  for (const d of data) for (const b of d.persistent) tail.alloc(b, ARENA_ALIGN); // kernels' prepare
  const handles = data.reduce((a, d) => a + d.scratch.length, 0);
  if (handles) tail.alloc(s.ptr * handles, s.ptr);
  // The interpreter's input and output TfLiteTensors (with their quantization when they have one).
  for (const list of [g.inputs, g.outputs]) {
    tail.alloc(s.ptr * list.length, ARENA_ALIGN);
    for (const i of list) {
      tail.alloc(s.tfLiteTensor, s.ptr);
      const q = g.tensors[i]?.quantization;
      if (q && q.scale.length > 0 && q.zeroPoint.length > 0) {
        tail.alloc(s.affineQuantization, s.ptr);
        tail.alloc(4 + 4 * q.scale.length, 4);
      }
    }
  }
  const plan = activationPeak(g, data.map((d) => d.scratch.reduce((a, b) => a + align(b), 0)));
  const variableBytes = g.tensors.filter((t) => t.isVariable).reduce((a, t) => a + align(tensorBytes(t)), 0);
  const overheadBytes = tail.used;
  return {
    activationBytes: plan.bytes, peakOp: plan.op, variableBytes, overheadBytes,
    totalBytes: align(plan.bytes + variableBytes + overheadBytes), targetBits: bits, kernels: 'reference',
  };
}
