// Which TFLite builtin ops TensorFlow Lite for Microcontrollers (TFLM) has kernels for, and the
// MicroMutableOpResolver method that registers each: the one table `onnx2lite micro` and the registry test
// (test/micro/registry.test.ts: every ONNX op marked `micro` emits only ops listed here) share.
// Source: the Add* methods of tensorflow/lite/micro/micro_mutable_op_resolver.h in tflite-micro (2025); custom-op
// helpers there (AddCircularBuffer, AddDetectionPostprocess, AddEthosU, the signal ops) are left out: onnx2lite
// refuses custom ops. Older TFLM releases lack some of the newer methods (e.g. AddBatchMatMul, AddReverseV2).

/** Builtin op name (schema.fbs BuiltinOperator) → MicroMutableOpResolver method. */
export const MICRO_OPS: Readonly<Record<string, string>> = {
  ABS: 'AddAbs', ADD: 'AddAdd', ADD_N: 'AddAddN', ARG_MAX: 'AddArgMax', ARG_MIN: 'AddArgMin',
  ASSIGN_VARIABLE: 'AddAssignVariable', AVERAGE_POOL_2D: 'AddAveragePool2D', BATCH_MATMUL: 'AddBatchMatMul',
  BATCH_TO_SPACE_ND: 'AddBatchToSpaceNd', BROADCAST_ARGS: 'AddBroadcastArgs', BROADCAST_TO: 'AddBroadcastTo',
  CALL_ONCE: 'AddCallOnce', CAST: 'AddCast', CEIL: 'AddCeil', CONCATENATION: 'AddConcatenation', CONV_2D: 'AddConv2D',
  COS: 'AddCos', CUMSUM: 'AddCumSum', DEPTH_TO_SPACE: 'AddDepthToSpace', DEPTHWISE_CONV_2D: 'AddDepthwiseConv2D',
  DEQUANTIZE: 'AddDequantize', DIV: 'AddDiv', EMBEDDING_LOOKUP: 'AddEmbeddingLookup', ELU: 'AddElu',
  EQUAL: 'AddEqual', EXP: 'AddExp', EXPAND_DIMS: 'AddExpandDims', FILL: 'AddFill', FLOOR: 'AddFloor',
  FLOOR_DIV: 'AddFloorDiv', FLOOR_MOD: 'AddFloorMod', FULLY_CONNECTED: 'AddFullyConnected', GATHER: 'AddGather',
  GATHER_ND: 'AddGatherNd', GREATER: 'AddGreater', GREATER_EQUAL: 'AddGreaterEqual', HARD_SWISH: 'AddHardSwish',
  IF: 'AddIf', L2_NORMALIZATION: 'AddL2Normalization', L2_POOL_2D: 'AddL2Pool2D', LEAKY_RELU: 'AddLeakyRelu',
  LESS: 'AddLess', LESS_EQUAL: 'AddLessEqual', LOG: 'AddLog', LOGICAL_AND: 'AddLogicalAnd',
  LOGICAL_NOT: 'AddLogicalNot', LOGICAL_OR: 'AddLogicalOr', LOGISTIC: 'AddLogistic', LOG_SOFTMAX: 'AddLogSoftmax',
  MAXIMUM: 'AddMaximum', MAX_POOL_2D: 'AddMaxPool2D', MIRROR_PAD: 'AddMirrorPad', MEAN: 'AddMean',
  MINIMUM: 'AddMinimum', MUL: 'AddMul', NEG: 'AddNeg', NOT_EQUAL: 'AddNotEqual', PACK: 'AddPack', PAD: 'AddPad',
  PADV2: 'AddPadV2', PRELU: 'AddPrelu', QUANTIZE: 'AddQuantize', READ_VARIABLE: 'AddReadVariable',
  REDUCE_MAX: 'AddReduceMax', REDUCE_MIN: 'AddReduceMin', RELU: 'AddRelu', RELU6: 'AddRelu6', RESHAPE: 'AddReshape',
  RESIZE_BILINEAR: 'AddResizeBilinear', RESIZE_NEAREST_NEIGHBOR: 'AddResizeNearestNeighbor',
  REVERSE_V2: 'AddReverseV2', ROUND: 'AddRound', RSQRT: 'AddRsqrt', SELECT_V2: 'AddSelectV2', SHAPE: 'AddShape',
  SIN: 'AddSin', SLICE: 'AddSlice', SOFTMAX: 'AddSoftmax', SPACE_TO_BATCH_ND: 'AddSpaceToBatchNd',
  SPACE_TO_DEPTH: 'AddSpaceToDepth', SPLIT: 'AddSplit', SPLIT_V: 'AddSplitV', SQUEEZE: 'AddSqueeze', SQRT: 'AddSqrt',
  SQUARE: 'AddSquare', SQUARED_DIFFERENCE: 'AddSquaredDifference', STRIDED_SLICE: 'AddStridedSlice', SUB: 'AddSub',
  SUM: 'AddSum', SVDF: 'AddSvdf', TANH: 'AddTanh', TRANSPOSE_CONV: 'AddTransposeConv', TRANSPOSE: 'AddTranspose',
  UNPACK: 'AddUnpack', UNIDIRECTIONAL_SEQUENCE_LSTM: 'AddUnidirectionalSequenceLSTM', VAR_HANDLE: 'AddVarHandle',
  WHILE: 'AddWhile', ZEROS_LIKE: 'AddZerosLike',
};

/** Builtin ops whose TFLM reference kernel takes int16 activations (16x8: int8 weights, int64 biases where they
 *  have weights), checked against the kernels' type switches in tensorflow/lite/micro/kernels/. Ops that only move
 *  bytes around but switch on the type (GATHER: float32 and int8 only) are deliberately absent when they lack it. */
export const MICRO_INT16_OPS: ReadonlySet<string> = new Set([
  'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'TRANSPOSE_CONV', 'ADD', 'SUB', 'MUL', 'MAX_POOL_2D',
  'AVERAGE_POOL_2D', 'CONCATENATION', 'MEAN', 'PAD', 'PADV2', 'RESHAPE', 'RELU', 'RELU6',
  'LEAKY_RELU', 'LOGISTIC', 'TANH', 'SOFTMAX', 'SPLIT', 'SLICE', 'STRIDED_SLICE', 'TRANSPOSE', 'QUANTIZE',
  'DEQUANTIZE',
]);

/** Ops that run other subgraphs in TFLM (control flow): a model with more than one subgraph needs one of them. */
export const MICRO_SUBGRAPH_OPS: ReadonlySet<string> = new Set(['IF', 'WHILE', 'CALL_ONCE']);

/** The resolver method for a builtin op, or undefined when TFLM has no kernel for it. */
export function microMethod(op: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(MICRO_OPS, op) ? MICRO_OPS[op] : undefined;
}
