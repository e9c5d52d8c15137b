// TFLite builtin ops with int8 (full-integer) kernels, as the int8 pass uses them: the op version to declare for
// int8 tensors (never above what LiteRT registers) and TFLite's constraints on their quantization parameters.
// The registry's `int8` flags (src/convert/ops/*.ts) must only claim ops listed here (test/quantize checks it).
import type { QParams } from './params';

export interface Int8OpSpec {
  /** Minimum op version for int8 tensors (kept when the float op already declares a higher one). */
  version: number;
  /** Inputs that must share the output's scale and zero point ('all' = every float input). */
  sameScale?: 'all' | number[];
  /** Fixed output parameters the int8 kernel requires. */
  fixed?: QParams;
  /** Input 1 is a weight (per-channel int8, symmetric) and input 2 an int32 bias (scale = input × weight scale). */
  weights?: boolean;
}

const same0 = (version: number): Int8OpSpec => ({ version, sameScale: [0] });

// TRANSPOSE_CONV stays float32 (int8 weights behind a DEQUANTIZE): LiteRT.js 2.5.3's XNNPack runs the int8 one no
// faster — PP-OCRv4 det's 2×2 stride-2 heads timed alone, per-channel int8 against float32: 24 → 24 channels at
// 160×160 0.78-1.25×, 24 → 1 at 320×320 2.3-2.6× (load 12-15).

export const INT8_OPS: Record<string, Int8OpSpec> = {
  CONV_2D: { version: 3, weights: true },
  DEPTHWISE_CONV_2D: { version: 3, weights: true },
  FULLY_CONNECTED: { version: 4, weights: true },
  ADD: { version: 2 },
  SUB: { version: 2 },
  MUL: { version: 2 },
  MEAN: { version: 2 },
  BATCH_MATMUL: { version: 2 },
  RELU: { version: 2 },
  RELU6: { version: 2 },
  RELU_N1_TO_1: { version: 1 }, // LiteRT registers version 1 only; its kernel takes int8 (test/quantize/int8-relu-n1.test.ts)
  LEAKY_RELU: { version: 2 },
  ELU: { version: 1 }, // LiteRT registers version 1 only; its kernel takes int8 (a table): Selu / Elu / Celu use it (convert/ops/_elu.ts)
  PRELU: { version: 1 },
  HARD_SWISH: { version: 1 },
  LOGISTIC: { version: 2, fixed: { scale: 1 / 256, zeroPoint: -128 } },
  TANH: { version: 2, fixed: { scale: 1 / 128, zeroPoint: 0 } },
  SOFTMAX: { version: 2, fixed: { scale: 1 / 256, zeroPoint: -128 } },
  LOG_SOFTMAX: { version: 2, fixed: { scale: 16 / 256, zeroPoint: 127 } },
  AVERAGE_POOL_2D: same0(2),
  MAX_POOL_2D: same0(2),
  RESHAPE: same0(1),
  SQUEEZE: same0(1),
  EXPAND_DIMS: same0(1),
  TRANSPOSE: same0(2),
  PAD: same0(2),
  PADV2: { version: 2, sameScale: [0, 2] },
  MIRROR_PAD: same0(1),
  STRIDED_SLICE: same0(2),
  SLICE: same0(2),
  GATHER: same0(2),
  SPLIT: { version: 2, sameScale: [1] },
  SPLIT_V: same0(2),
  TILE: same0(1),
  BROADCAST_TO: same0(2),
  DEPTH_TO_SPACE: same0(2),
  SPACE_TO_DEPTH: same0(2),
  RESIZE_BILINEAR: same0(2),
  RESIZE_NEAREST_NEIGHBOR: same0(2),
  REDUCE_MAX: same0(2),
  REDUCE_MIN: same0(2),
  CONCATENATION: { version: 2, sameScale: 'all' },
  MAXIMUM: { version: 2, sameScale: 'all' },
  MINIMUM: { version: 2, sameScale: 'all' },
  SELECT_V2: { version: 1, sameScale: [1, 2] },
  ABS: { version: 2 },
  RSQRT: { version: 2 },
  SUM: { version: 2 },
  ARG_MAX: { version: 2 },
  ARG_MIN: { version: 2 },
  // Output 0 is input 0's values as stored (TFLite's quantization spec: same scale and zero point): with its own
  // parameters the top scores were read on another grid (a detector's scores ~15% low at output cosine 0.998).
  TOPK_V2: same0(2),
  PACK: { version: 2, sameScale: 'all' },
  UNPACK: same0(2),
  GATHER_ND: same0(1),
  REVERSE_V2: same0(1),
  EQUAL: { version: 2 },
  NOT_EQUAL: { version: 2 },
  LESS: { version: 2 },
  LESS_EQUAL: { version: 2 },
  GREATER: { version: 2 },
  GREATER_EQUAL: { version: 2 },
};

/** Op versions of the boundary ops the pass adds. */
export const QUANTIZE_VERSION = 1;
export const DEQUANTIZE_INT8_VERSION = 2;
