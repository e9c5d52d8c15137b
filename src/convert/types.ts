// What an op converter file (src/convert/ops/<Op>.ts) declares, and the options of a conversion.
import type { DType, Node } from '../ir/types';
import type { ConvertContext } from './context';

export interface ConvertOptions {
  /** Fixed dims for dynamic inputs (name → dims). */
  inputShapes?: Map<string, number[]>;
  /** Keep the ONNX layout at every model input and output (transposes at the boundary if needed). */
  keepNchw?: boolean;
  /** Name of the source file, recorded in metadata. */
  source?: string;
}

/** How an op treats layouts: the layout pass asks before converting it. */
export type LayoutKind =
  /** Needs its spatial data input(s) channel-last and produces channel-last (Conv, pooling, Resize...). */
  | 'spatial'
  /** Works on whatever layout its inputs have (elementwise, activations). */
  | 'any'
  /** Remaps its axis attributes to the inputs' layout (Concat, Softmax, Reduce*, Slice, Pad, Gather...). */
  | 'axis'
  /** Needs ONNX order (MatMul, Gemm, Reshape unless it can be done in the stored order, Expand...). */
  | 'onnx';

export interface OpConverter {
  /** ONNX op type, e.g. 'Conv'. */
  op: string;
  /** ONNX domain; '' for ai.onnx. */
  domain?: string;
  /** The TFLite builtin ops it can emit. */
  emits: string[];
  /** Supported opset versions, inclusive. */
  opset: [number, number];
  /** Element types of the main input it supports. */
  dtypes: DType[];
  /** An int8 (full-integer) kernel exists for every op it emits. */
  int8: boolean;
  /** TFLite Micro has kernels for every op it emits. */
  micro: boolean;
  layout: LayoutKind;
  /** Why this node cannot be converted (attribute or shape cases it refuses), or undefined when it can. */
  check?(node: Node, ctx: ConvertContext): string | undefined;
  convert(node: Node, ctx: ConvertContext): void;
}

/** ONNX ops that TensorFlow has but TFLite only runs through Flex (select TF ops): marked 'flex', never emitted. */
export const FLEX_ONLY: Record<string, string> = {
  Einsum: 'Einsum', MatMulInteger: 'MatMul', Det: 'MatrixDeterminant', StringNormalizer: 'StringLower',
  RandomNormal: 'RandomStandardNormal', RandomUniform: 'RandomUniform', Multinomial: 'Multinomial',
  MaxUnpool: 'ScatterNd', STFT: 'Stft',
  DFT: 'FFT', Bernoulli: 'StatelessRandomBinomial',
};

export class ConvertError extends Error {
  readonly node?: string;
  constructor(message: string, node?: string) {
    super(node ? `node ${node}: ${message}` : message);
    this.name = 'ModelError';
    this.node = node;
  }
}
