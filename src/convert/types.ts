// What an op converter file (src/convert/ops/<Op>.ts) declares (OpConverter), what the registry makes of it
// (OpContract: int8 and TFLite Micro support derived from the ops it emits), the refusal codes, and the options of a
// conversion.
import type { DType, Node } from '../ir/types';
import { ModelError } from '../ir/types';
import type { ConvertContext } from './context';

export interface ConvertOptions {
  /** Fixed dims for dynamic inputs (name → dims). */
  inputShapes?: Map<string, number[]>;
  /** Inputs frozen to constants (--input-value): name → values; they leave the converted model's inputs. */
  inputValues?: Map<string, number[]>;
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

/** The newest ONNX opset the converters are written against: `opset: [from, MAX_OPSET]` means "from `from` on". */
export const MAX_OPSET = 24;

/** Why a node is refused, as a code callers switch on (compat.ts, the Problems panel) and a line a person reads. */
export type RefusalCode =
  /** No converter for the op at all (not a TFLite builtin in onnx2lite). */
  | 'no-converter'
  /** A converter exists, but not at the model's opset. */
  | 'opset'
  /** TFLite runs it only through Flex (select TF ops), which onnx2lite does not emit. */
  | 'flex-only'
  /** An op of a custom domain. */
  | 'custom-domain'
  /** The main input's element type is not among the converter's `dtypes`. */
  | 'dtype'
  /** The node has fewer or more inputs than the converter's `inputs` allows. */
  | 'arity'
  /** A rank the converter does not handle. */
  | 'rank'
  /** An attribute value (mode, axis, flag...) the converter does not handle. */
  | 'attribute'
  /** An input must be a constant (known at conversion time) and is computed in the graph. */
  | 'computed-input'
  /** Dynamic dims where the converter needs fixed ones (fixed with --input-shape). */
  | 'dynamic-shape'
  /** The shape or element type of a tensor is unknown (usually because of an unsupported node upstream). */
  | 'unknown-shape'
  /** Any other case the converter refuses. */
  | 'unsupported'
  /** The conversion itself failed (a converter bug, reported as one line). */
  | 'internal';

export interface Refusal {
  code: RefusalCode;
  message: string;
}

/** A refusal from a converter's `check`. */
export function refuse(code: RefusalCode, message: string): Refusal {
  return { code, message };
}

/** Whether a converter declaring `dtypes` takes a main input of element type `dt`: float64 values are stored as
 *  FLOAT32 (constdata.ts), so a converter that takes float32 takes float64 too (torch's export promotes to double
 *  where the model writes `10000 ** t` with an int base: DINO's sine embedding of its run-time reference boxes). */
export function takesDtype(dtypes: readonly DType[], dt: DType): boolean {
  return dtypes.includes(dt) || (dt === 'float64' && dtypes.includes('float32'));
}

/** What an op converter file declares. */
export interface OpConverter {
  /** ONNX op type, e.g. 'Conv'. */
  op: string;
  /** ONNX domain; '' for ai.onnx. */
  domain?: string;
  /** The TFLite builtin ops it can emit. */
  emits: string[];
  /** Supported opset versions, inclusive (usually `[from, MAX_OPSET]`). */
  opset: [number, number];
  /** Element types of the main input (input 0) it supports; convertNode refuses others (code 'dtype') before `check`. */
  dtypes: DType[];
  /** How many inputs it takes, [min, max] (empty optional inputs count); convertNode refuses others (code 'arity'). */
  inputs?: [number, number];
  /** Narrowing only: `false` when the ops it emits all have int8 kernels but its use of them stays float32.
   *  Otherwise derived: true when every op in `emits` (less `incidental`) is in the int8 pass's table. */
  int8?: boolean;
  /** Narrowing only: `false` when TFLite Micro should not be claimed although it has kernels for every op emitted.
   *  Otherwise derived: true when every op in `emits` (less `incidental`) is in src/micro/ops.ts. */
  micro?: boolean;
  /** Emitted ops left out of the int8/micro derivation: ops that only ever see integer index tensors (never
   *  quantized), or that are emitted only in a corner case the int8 pass and `onnx2lite micro` refuse on their own. */
  incidental?: string[];
  layout: LayoutKind;
  /** Why this node cannot be converted (attribute or shape cases it refuses), or undefined when it can.
   *  A plain string is the older form, read as code 'unsupported'. */
  check?(node: Node, ctx: ConvertContext): Refusal | undefined;
  convert(node: Node, ctx: ConvertContext): void;
}

/** A converter as the registry hands it out: the declaration with its int8 and TFLite Micro support resolved. */
export interface OpContract extends OpConverter {
  int8: boolean;
  micro: boolean;
}

/** ONNX ops that TensorFlow has but TFLite only runs through Flex (select TF ops): marked 'flex', never emitted. */
export const FLEX_ONLY: Record<string, string> = {
  MatMulInteger: 'MatMul', StringNormalizer: 'StringLower',
  RandomUniform: 'RandomUniform', Multinomial: 'Multinomial',
  Bernoulli: 'StatelessRandomBinomial',
};

/** A node the converter refuses or fails on: a ModelError (one line for the user) with the refusal's code. */
export class ConvertError extends ModelError {
  readonly code: RefusalCode;
  /** The message without the `node <name>: ` prefix. */
  readonly detail: string;
  constructor(message: string, node?: string, code: RefusalCode = 'unsupported') {
    super(node ? `node ${node}: ${message}` : message, node);
    this.code = code;
    this.detail = message;
  }
}
