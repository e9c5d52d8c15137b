// A small builder for converters that lower one ONNX op to several TFLite ops (Softplus, Selu, LayerNormalization,
// NegativeLogLikelihoodLoss...): each call emits one op into a fresh intermediate tensor (or into `out` when given)
// and returns its tensor index. Shapes and types follow the inputs (numpy broadcasting); comparisons give BOOL.
import type { DType, Node } from '../../ir/types';
import type { TflOptionValue, TflType } from '../../tflite/model';
import type { ConvertContext } from '../context';
import type { OpConverter } from '../types';
import { MAX_OPSET, refuse, takesDtype } from '../types';
import type { Refusal } from '../types';
import { broadcastShape } from './_elementwise';

/** Ops whose options table has fused_activation_function. */
const FUSED = new Set(['ADD', 'SUB', 'MUL', 'DIV']);
const COMPARE = new Set(['LESS', 'LESS_EQUAL', 'GREATER', 'GREATER_EQUAL', 'EQUAL', 'NOT_EQUAL', 'LOGICAL_AND', 'LOGICAL_OR', 'LOGICAL_NOT']);

export class Emitter {
  private n = 0;
  constructor(readonly ctx: ConvertContext, readonly node: Node) {}

  private name(what: string): string {
    return `${this.node.outputs[0] || this.node.name}__${what}${this.n++}`;
  }

  /** The tensor's dims, -1 where known only at run time. */
  shape(t: number): number[] {
    const x = this.ctx.tensors[t];
    return x.shapeSignature ?? x.shape;
  }

  type(t: number): TflType {
    return this.ctx.tensors[t].type;
  }

  /** A float32 (or `type`) scalar constant. */
  scalar(v: number, type: TflType = 'FLOAT32'): number {
    if (type === 'FLOAT32') return this.ctx.constFloat32([v], [], this.name('c'));
    if (type === 'INT32') return this.ctx.constInt32([v], this.name('c'), []);
    throw new Error(`no scalar constant of type ${type}`);
  }

  /** Emits `opcode` with an output of the given shape and type (a new intermediate unless `out` is given). */
  op(opcode: string, inputs: number[], shape: number[], type: TflType, options?: Record<string, TflOptionValue>, out?: number): number {
    const y = out ?? this.ctx.temp(shape, type, this.name(opcode.toLowerCase()));
    const opts = FUSED.has(opcode) ? { fusedActivationFunction: 'NONE', ...options } : options;
    this.ctx.emit(opcode, inputs, [y], opts);
    return y;
  }

  /** An elementwise op on one input (shape and type of x). */
  un(opcode: string, x: number, out?: number, options?: Record<string, TflOptionValue>): number {
    return this.op(opcode, [x], this.shape(x), COMPARE.has(opcode) ? 'BOOL' : this.type(x), options, out);
  }

  /** A broadcasting binary op. */
  bin(opcode: string, a: number, b: number, out?: number): number {
    const type = COMPARE.has(opcode) ? 'BOOL' : this.type(a);
    return this.op(opcode, [a, b], broadcastShape(this.shape(a), this.shape(b)), type, undefined, out);
  }

  /** cond ? a : b, broadcasting. */
  select(cond: number, a: number, b: number, out?: number): number {
    const shape = broadcastShape(broadcastShape(this.shape(cond), this.shape(a)), this.shape(b));
    return this.op('SELECT_V2', [cond, a, b], shape, this.type(a), undefined, out);
  }

  cast(x: number, type: TflType, out?: number): number {
    return this.op('CAST', [x], this.shape(x), type, undefined, out);
  }

  /** RESHAPE to `shape` (one -1 allowed). The -1 stays in the op's new shape, but when x's size is known at
   *  conversion the output tensor gets the resolved dim: a -1 there would mark it (and everything computed from it)
   *  sized at run time, which full int8, fp16 and TFLite Micro refuse or treat apart. */
  reshape(x: number, shape: number[], out?: number): number {
    return this.op('RESHAPE', [x, this.ctx.constInt32(shape, this.name('shape'))], resolvedShape(this.shape(x), shape), this.type(x), { newShape: shape }, out);
  }

  /** A reduction (SUM, MEAN, REDUCE_MAX...) over TFLite axes. */
  reduce(opcode: string, x: number, axes: number[], keep: boolean, out?: number): number {
    const s = this.shape(x);
    const shape = keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
    return this.op(opcode, [x, this.ctx.constInt32(axes, this.name('axes'))], shape, this.type(x), { keepDims: keep }, out);
  }
}

/** `shape` with its one -1 replaced by what the element count of `from` leaves, when `from` is fully known (else as
 *  given). */
function resolvedShape(from: number[], shape: number[]): number[] {
  const unknown = shape.filter((d) => d < 0).length;
  if (unknown !== 1 || from.some((d) => d < 0)) return shape;
  const total = from.reduce((a, d) => a * d, 1);
  const known = shape.reduce((a, d) => (d < 0 ? a : a * d), 1);
  if (known === 0 || total % known !== 0) return shape;
  return shape.map((d) => (d < 0 ? total / known : d));
}

/** float64 runs as FLOAT32 (see constdata.ts). */
const FLOATS: DType[] = ['float32', 'float64'];

interface CompositeDecl {
  dtypes?: DType[];
  opset?: [number, number];
  int8?: boolean;
  micro?: boolean;
  check?: OpConverter['check'];
}

/**
 * An elementwise op lowered to several TFLite ops, layout-agnostic: `build` gets the input (in whatever layout it
 * has) and the output tensor to write last.
 */
export function composite(op: string, emits: string[], build: (e: Emitter, x: number, y: number, node: Node) => void,
  d: CompositeDecl = {}): OpConverter {
  return {
    op, emits, opset: d.opset ?? [1, MAX_OPSET], inputs: [1, 1], dtypes: d.dtypes ?? FLOATS, int8: d.int8 ?? false, micro: d.micro,
    layout: 'any',
    check: d.check ?? ((node, ctx) => dtypeReason(node, ctx, d.dtypes ?? FLOATS)),
    convert(node, ctx) {
      const x = ctx.inputAny(node.inputs[0]);
      const y = ctx.output(node.outputs[0], x.perm);
      build(new Emitter(ctx, node), x.index, y, node);
    },
  };
}

/** log(1 + exp(x)) as relu(x) + log(1 + exp(-|x|)), so that large inputs do not overflow (Softplus, Mish). */
export function softplusOf(e: Emitter, x: number, out?: number): number {
  const t = e.un('EXP', e.un('NEG', e.un('ABS', x)));
  const l = e.un('LOG', e.bin('ADD', t, e.scalar(1)));
  return e.bin('ADD', e.un('RELU', x), l, out);
}

/** Why a converter declaring `dtypes` refuses the element type of the node's first input, or undefined. */
export function dtypeReason(node: Node, ctx: ConvertContext, dtypes: DType[]): Refusal | undefined {
  const dt = ctx.dtype(node.inputs[0]);
  return takesDtype(dtypes, dt) ? undefined : refuse('dtype', `${node.opType} on ${dt} is not supported (${dtypes.join(', ')} only)`);
}
