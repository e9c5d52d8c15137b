// Which builtin options table each TFLite operator carries (the convention of TensorFlow's converter and
// flatbuffer_conversions: CONV_2D → Conv2DOptions, MEAN → ReducerOptions, ...). Tables of the second union
// (BuiltinOptions2: StableHLO ops, DILATE, REDUCE_WINDOW) are listed too; the writer finds the union from the table.
// Operators absent here (LOGISTIC, RELU, TANH, FLOOR, ...) have no options.

const SAME_NAME: Record<string, string> = {
  ADD: 'Add', CONCATENATION: 'Concatenation', CONV_2D: 'Conv2D', DEPTHWISE_CONV_2D: 'DepthwiseConv2D',
  DEPTH_TO_SPACE: 'DepthToSpace', DEQUANTIZE: 'Dequantize', FULLY_CONNECTED: 'FullyConnected',
  L2_NORMALIZATION: 'L2Norm', LOCAL_RESPONSE_NORMALIZATION: 'LocalResponseNormalization',
  LSH_PROJECTION: 'LSHProjection', LSTM: 'LSTM', MUL: 'Mul', RESHAPE: 'Reshape', RESIZE_BILINEAR: 'ResizeBilinear',
  RNN: 'RNN', SOFTMAX: 'Softmax', SPACE_TO_DEPTH: 'SpaceToDepth', SVDF: 'SVDF', CONCAT_EMBEDDINGS: 'ConcatEmbeddings',
  SKIP_GRAM: 'SkipGram', CALL: 'Call', EMBEDDING_LOOKUP_SPARSE: 'EmbeddingLookupSparse', PAD: 'Pad',
  UNIDIRECTIONAL_SEQUENCE_RNN: 'SequenceRNN', GATHER: 'Gather', BATCH_TO_SPACE_ND: 'BatchToSpaceND',
  SPACE_TO_BATCH_ND: 'SpaceToBatchND', TRANSPOSE: 'Transpose', SUB: 'Sub', DIV: 'Div', SQUEEZE: 'Squeeze',
  UNIDIRECTIONAL_SEQUENCE_LSTM: 'UnidirectionalSequenceLSTM', STRIDED_SLICE: 'StridedSlice',
  BIDIRECTIONAL_SEQUENCE_RNN: 'BidirectionalSequenceRNN', EXP: 'Exp', TOPK_V2: 'TopKV2', SPLIT: 'Split',
  LOG_SOFTMAX: 'LogSoftmax', BIDIRECTIONAL_SEQUENCE_LSTM: 'BidirectionalSequenceLSTM', CAST: 'Cast',
  MAXIMUM: 'MaximumMinimum', MINIMUM: 'MaximumMinimum', ARG_MAX: 'ArgMax', LESS: 'Less', NEG: 'Neg', PADV2: 'PadV2',
  GREATER: 'Greater', GREATER_EQUAL: 'GreaterEqual', LESS_EQUAL: 'LessEqual', SELECT: 'Select', SLICE: 'Slice',
  TRANSPOSE_CONV: 'TransposeConv', SPARSE_TO_DENSE: 'SparseToDense', TILE: 'Tile', EXPAND_DIMS: 'ExpandDims',
  EQUAL: 'Equal', NOT_EQUAL: 'NotEqual', SHAPE: 'Shape', POW: 'Pow', ARG_MIN: 'ArgMin', FAKE_QUANT: 'FakeQuant',
  PACK: 'Pack', LOGICAL_OR: 'LogicalOr', ONE_HOT: 'OneHot', LOGICAL_AND: 'LogicalAnd', LOGICAL_NOT: 'LogicalNot',
  UNPACK: 'Unpack', FLOOR_DIV: 'FloorDiv', SQUARE: 'Square', ZEROS_LIKE: 'ZerosLike', FILL: 'Fill',
  FLOOR_MOD: 'FloorMod', RANGE: 'Range', RESIZE_NEAREST_NEIGHBOR: 'ResizeNearestNeighbor', LEAKY_RELU: 'LeakyRelu',
  SQUARED_DIFFERENCE: 'SquaredDifference', MIRROR_PAD: 'MirrorPad', ABS: 'Abs', SPLIT_V: 'SplitV',
  UNIQUE: 'Unique', REVERSE_V2: 'ReverseV2', ADD_N: 'AddN', GATHER_ND: 'GatherNd', COS: 'Cos', WHERE: 'Where',
  RANK: 'Rank', REVERSE_SEQUENCE: 'ReverseSequence', MATRIX_DIAG: 'MatrixDiag', QUANTIZE: 'Quantize',
  MATRIX_SET_DIAG: 'MatrixSetDiag', HARD_SWISH: 'HardSwish', IF: 'If', WHILE: 'While',
  NON_MAX_SUPPRESSION_V4: 'NonMaxSuppressionV4', NON_MAX_SUPPRESSION_V5: 'NonMaxSuppressionV5',
  SCATTER_ND: 'ScatterNd', SELECT_V2: 'SelectV2', DENSIFY: 'Densify', SEGMENT_SUM: 'SegmentSum',
  BATCH_MATMUL: 'BatchMatMul', CUMSUM: 'Cumsum', CALL_ONCE: 'CallOnce', BROADCAST_TO: 'BroadcastTo',
  RFFT2D: 'Rfft2d', CONV_3D: 'Conv3D', CONV_3D_TRANSPOSE: 'Conv3D', HASHTABLE: 'Hashtable',
  HASHTABLE_FIND: 'HashtableFind', HASHTABLE_IMPORT: 'HashtableImport', HASHTABLE_SIZE: 'HashtableSize',
  VAR_HANDLE: 'VarHandle', READ_VARIABLE: 'ReadVariable', ASSIGN_VARIABLE: 'AssignVariable',
  RANDOM_STANDARD_NORMAL: 'Random', RANDOM_UNIFORM: 'Random', MULTINOMIAL: 'Random', BUCKETIZE: 'Bucketize',
  GELU: 'Gelu', DYNAMIC_UPDATE_SLICE: 'DynamicUpdateSlice', UNSORTED_SEGMENT_PROD: 'UnsortedSegmentProd',
  UNSORTED_SEGMENT_MAX: 'UnsortedSegmentMax', UNSORTED_SEGMENT_SUM: 'UnsortedSegmentSum',
  UNSORTED_SEGMENT_MIN: 'UnsortedSegmentMin', ATAN2: 'ATan2', SIGN: 'Sign', BITCAST: 'Bitcast',
  BITWISE_XOR: 'BitwiseXor', RIGHT_SHIFT: 'RightShift',
  AVERAGE_POOL_2D: 'Pool2D', MAX_POOL_2D: 'Pool2D', L2_POOL_2D: 'Pool2D',
  MEAN: 'Reducer', SUM: 'Reducer', REDUCE_PROD: 'Reducer', REDUCE_MAX: 'Reducer', REDUCE_MIN: 'Reducer',
  REDUCE_ANY: 'Reducer', REDUCE_ALL: 'Reducer',
  // BuiltinOptions2
  STABLEHLO_CONCATENATE: 'StablehloConcatenate', STABLEHLO_BROADCAST_IN_DIM: 'StablehloBroadcastInDim',
  STABLEHLO_SLICE: 'StablehloSlice', STABLEHLO_CONVOLUTION: 'StablehloConvolution',
  STABLEHLO_CUSTOM_CALL: 'StablehloCustomCall', STABLEHLO_REDUCE: 'StablehloReduce',
  STABLEHLO_SCATTER: 'StablehloScatter', STABLEHLO_COMPARE: 'StablehloCompare',
  STABLEHLO_DYNAMIC_SLICE: 'StablehloDynamicSlice', STABLEHLO_PAD: 'StablehloPad', STABLEHLO_IOTA: 'StablehloIota',
  STABLEHLO_DOT_GENERAL: 'StablehloDotGeneral', STABLEHLO_REDUCE_WINDOW: 'StablehloReduceWindow',
  STABLEHLO_SORT: 'StablehloSort', STABLEHLO_WHILE: 'StablehloWhile', STABLEHLO_GATHER: 'StablehloGather',
  STABLEHLO_TRANSPOSE: 'StablehloTranspose', DILATE: 'Dilate', STABLEHLO_RNG_BIT_GENERATOR: 'StablehloRngBitGenerator',
  REDUCE_WINDOW: 'ReduceWindow', STABLEHLO_COMPOSITE: 'StableHLOComposite', STABLEHLO_SHIFT_LEFT: 'StablehloShiftLeft',
  STABLEHLO_CASE: 'StablehloCase',
};

/** The options table name for a builtin operator ('Conv2DOptions' for 'CONV_2D'), or undefined when it has none. */
export function optionsTableOf(opcode: string): string | undefined {
  const base = SAME_NAME[opcode];
  return base === undefined ? undefined : base + 'Options';
}

