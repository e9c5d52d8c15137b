// The in-memory TFLite model that the converter builds, the writer serializes and the reader parses back.
// Writer (src/tflite/writer.ts) and reader (src/tflite/reader.ts) are exact inverses on this shape, so a tool can
// read a .tflite, change it (add outputs for a debug copy, corrupt a weight in a test) and write it again.

/** TFLite TensorType names, as in schema.fbs. */
export type TflType =
  | 'FLOAT32' | 'FLOAT16' | 'INT32' | 'UINT8' | 'INT64' | 'STRING' | 'BOOL' | 'INT16' | 'COMPLEX64' | 'INT8'
  | 'FLOAT64' | 'COMPLEX128' | 'UINT64' | 'RESOURCE' | 'VARIANT' | 'UINT32' | 'UINT16' | 'INT4' | 'BFLOAT16'
  | 'INT2' | 'UINT4' | 'FLOAT8_E4M3FN' | 'FLOAT8_E5M2';

export interface TflQuantization {
  scale: number[];
  zeroPoint: number[];
  /** Channel axis for per-channel quantization (0 when per-tensor). */
  quantizedDimension?: number;
  min?: number[];
  max?: number[];
}

export interface TflTensor {
  name: string;
  type: TflType;
  shape: number[];
  /** -1 marks a dynamic dimension (shape_signature); omitted when all are static. */
  shapeSignature?: number[];
  /** Constant contents (little-endian element bytes); undefined for activations. The reader gives views into the
   *  file's bytes (no copy). */
  data?: Uint8Array;
  quantization?: TflQuantization;
  isVariable?: boolean;
}

/** An option value: numbers, booleans, enum names (strings, e.g. padding 'SAME', fusedActivationFunction 'RELU6'),
 *  or int arrays (e.g. ReshapeOptions.newShape, SqueezeOptions.squeezeDims). */
export type TflOptionValue = number | boolean | string | number[];

export interface TflOperator {
  /** BuiltinOperator name from schema.fbs, e.g. 'CONV_2D'; 'CUSTOM' with customCode for custom ops. */
  opcode: string;
  /** Operator version (OperatorCode.version); defaults to 1. */
  version?: number;
  customCode?: string;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** Builtin options with camelCase field names as in schema.fbs (e.g. { padding: 'SAME', strideW: 1, strideH: 1,
   *  fusedActivationFunction: 'RELU6' } for CONV_2D); the writer picks the options table from the opcode. */
  options?: Record<string, TflOptionValue>;
  /** The options table when it is not the usual one for the opcode (set by the reader for such files; the writer
   *  otherwise picks it from the opcode, see src/tflite/options.ts). */
  optionsTable?: string;
  /** Custom operators' options (usually a FlexBuffer), kept as bytes. */
  customOptions?: Uint8Array;
  /** The ONNX node this op came from (not serialized in the op; the converter records it in metadata). */
  onnxNode?: string;
}

export interface TflSubgraph {
  name: string;
  tensors: TflTensor[];
  operators: TflOperator[];
  inputs: number[];
  outputs: number[];
}

export interface TflModel {
  /** Schema version: 3. */
  version: number;
  description: string;
  /** Subgraph 0 is the main graph; more for control flow (WHILE/IF bodies). */
  subgraphs: TflSubgraph[];
  /** Named metadata entries (Model.metadata → buffer), e.g. 'onnx2lite' → UTF-8 JSON. */
  metadata: Map<string, Uint8Array>;
  /** SignatureDefs. When undefined the writer emits a default 'serving_default' one for subgraph 0 (inputs and
   *  outputs named by tensor name); an empty array writes none. The reader always sets it (empty when the file has
   *  none), so parse and serialize are exact inverses. */
  signatures?: TflSignature[];
}

/** A SignatureDef: named inputs and outputs of a subgraph (LiteRT runs models through these). */
export interface TflSignature {
  key: string;
  inputs: { name: string; tensor: number }[];
  outputs: { name: string; tensor: number }[];
  /** Subgraph index; 0 when omitted. */
  subgraph?: number;
}
