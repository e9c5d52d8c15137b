// What TFLite Micro keeps in the tail of the tensor arena, sized from its source (tflite-micro, 2025: micro_allocator,
// micro_interpreter, the reference kernels in tensorflow/lite/micro/kernels/) for a 32-bit ARM (EABI) target and an
// x86-64 / AArch64 one. Sizes were printed with sizeof/alignof by arm-linux-gnueabihf-g++ and g++ (x86-64) built with
// TF_LITE_STATIC_MEMORY, as TFLM builds. Used by arena.ts.
import type { TflOperator, TflSubgraph } from '../tflite/model';

export type TargetBits = 32 | 64;

export interface Structs {
  ptr: number;
  evalTensor: number;
  nodeAndRegistration: number;
  tfLiteTensor: number;
  affineQuantization: number;
  singleArenaBufferAllocator: number;
  greedyMemoryPlanner: number;
  microAllocator: number;
}

export const STRUCTS: Record<TargetBits, Structs> = {
  32: { ptr: 4, evalTensor: 12, nodeAndRegistration: 32, tfLiteTensor: 40, affineQuantization: 12, singleArenaBufferAllocator: 36, greedyMemoryPlanner: 44, microAllocator: 36 },
  64: { ptr: 8, evalTensor: 24, nodeAndRegistration: 64, tfLiteTensor: 64, affineQuantization: 24, singleArenaBufferAllocator: 72, greedyMemoryPlanner: 72, microAllocator: 72 },
};

/** TFLite's builtin params struct of each op (flatbuffer_conversions.cc's Parse*: sizeof, alignof; the same on both
 *  targets). Ops absent here allocate none (PAD, QUANTIZE, DEQUANTIZE, ...) or get GENERIC_PARAMS. */
const PARAMS: Record<string, [number, number] | null> = {
  CONV_2D: [28, 4], DEPTHWISE_CONV_2D: [28, 4], FULLY_CONNECTED: [16, 4], MAX_POOL_2D: [40, 4], AVERAGE_POOL_2D: [40, 4],
  L2_POOL_2D: [40, 4], MEAN: [1, 1], SUM: [1, 1], REDUCE_MAX: [1, 1], REDUCE_MIN: [1, 1], RESHAPE: [36, 4],
  ADD: [8, 4], SUB: [8, 4], MUL: [4, 4], DIV: [4, 4], SOFTMAX: [4, 4], CONCATENATION: [8, 4], TRANSPOSE_CONV: [20, 4],
  STRIDED_SLICE: [24, 4], RESIZE_BILINEAR: [2, 1], RESIZE_NEAREST_NEIGHBOR: [2, 1], LEAKY_RELU: [4, 4],
  PAD: null, PADV2: null, QUANTIZE: null, DEQUANTIZE: null, RELU: null, RELU6: null, LOGISTIC: null, TANH: null,
  HARD_SWISH: null, TRANSPOSE: null, SLICE: null, EXP: null, ABS: null, SQRT: null, RSQRT: null, NEG: null,
  MAXIMUM: null, MINIMUM: null, PRELU: null, FLOOR: null,
};
/** Larger than every builtin params struct TFLM parses for the ops above, for the ops not listed. */
const GENERIC_PARAMS: [number, number] = [64, 8];

/** The kernel's op data (its init's AllocatePersistentBuffer; 0 when it has no init), per target. */
const OP_DATA: Record<string, [number, number]> = {
  CONV_2D: [56, 72], DEPTHWISE_CONV_2D: [56, 72], TRANSPOSE_CONV: [56, 72], FULLY_CONNECTED: [48, 64],
  MAX_POOL_2D: [32, 32], AVERAGE_POOL_2D: [32, 32], L2_POOL_2D: [32, 32], MEAN: [44, 44], SUM: [44, 44],
  REDUCE_MAX: [44, 44], REDUCE_MIN: [44, 44], ADD: [60, 60], SUB: [52, 52], MUL: [36, 36], PAD: [56, 56],
  PADV2: [56, 56], QUANTIZE: [32, 32], DEQUANTIZE: [32, 32], SOFTMAX: [56, 80], LOGISTIC: [16, 16],
  HARD_SWISH: [20, 20], RESHAPE: [0, 0],
};
/** More than the op data of the kernels not listed above. */
const GENERIC_OP_DATA: [number, number] = [96, 128];

export interface KernelData {
  params?: { size: number; align: number };
  opData: number;
  /** Buffers the kernel's prepare allocates for good (per-channel multipliers and shifts). */
  persistent: number[];
  /** Scratch buffers it requests in the head for its op (planned beside the activations). */
  scratch: number[];
}

/** The channel count of a weight tensor's dim `axis`. */
function channels(g: TflSubgraph, op: TflOperator, input: number, axis: number): number {
  const t = g.tensors[op.inputs[input] ?? -1];
  return t?.shape[axis < 0 ? t.shape.length + axis : axis] ?? 1;
}

export function kernelData(op: TflOperator, g: TflSubgraph, bits: TargetBits): KernelData {
  const p = op.opcode in PARAMS ? PARAMS[op.opcode] : GENERIC_PARAMS;
  const od = OP_DATA[op.opcode] ?? GENERIC_OP_DATA;
  const d: KernelData = { params: p ? { size: p[0], align: p[1] } : undefined, opData: bits === 32 ? od[0] : od[1], persistent: [], scratch: [] };
  const perChannel = (n: number) => { d.persistent.push(4 * n, 4 * n); };
  const input = g.tensors[op.inputs[0] ?? -1];
  const quantized = input !== undefined && (input.type === 'INT8' || input.type === 'INT16');
  switch (op.opcode) {
    case 'CONV_2D': perChannel(channels(g, op, 1, 0)); break; // ConvPrepare: float models too
    case 'DEPTHWISE_CONV_2D': perChannel(channels(g, op, 1, 3)); break;
    case 'TRANSPOSE_CONV': perChannel(channels(g, op, 1, 0)); break;
    case 'FULLY_CONNECTED': {
      const scales = g.tensors[op.inputs[1] ?? -1]?.quantization?.scale.length ?? 0;
      if (quantized && scales > 1) perChannel(scales);
      break;
    }
    case 'MEAN': case 'SUM': {
      const rank = input?.shape.length ?? 4;
      const axes = g.tensors[op.inputs[1] ?? -1]?.shape.reduce((a, x) => a * x, 1) ?? rank;
      const out = g.tensors[op.outputs[0] ?? -1]?.shape.reduce((a, x) => a * Math.max(x, 1), 1) ?? 1;
      if (quantized) d.scratch.push(4 * out);
      d.scratch.push(4 * rank, 4 * axes);
      break;
    }
    case 'REDUCE_MAX': case 'REDUCE_MIN': {
      const rank = input?.shape.length ?? 4;
      d.scratch.push(4 * rank, 4 * (g.tensors[op.inputs[1] ?? -1]?.shape.reduce((a, x) => a * x, 1) ?? rank));
      break;
    }
    default: break;
  }
  return d;
}

/** TFLM's SingleArenaBufferAllocator tail: each allocation ends where the previous began, its start aligned down. */
export class TailAllocator {
  private tail = 0;
  alloc(size: number, alignment: number): void {
    if (size <= 0) return;
    this.tail = Math.floor((this.tail - size) / alignment) * alignment;
  }
  get used(): number { return -this.tail; }
}
