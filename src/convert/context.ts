// The conversion context: the growing TFLite subgraph, the layout of every converted ONNX value, and the
// helpers op converters call. Transposes are placed here (the layout pass), never by op converters.
import { isStaticShape, type DType, type Graph, type Node, type Tensor } from '../ir/types';
import type { TflOperator, TflOptionValue, TflSubgraph, TflTensor, TflType } from '../tflite/model';
import { constantBytes, float32Bytes, int32Bytes, tflType } from './constdata';
import { Perm, channelLast, identity, isIdentity, permute, sameMemoryOrder, samePerm, transposeBetween } from './layout';
import { ConvertError, type RefusalCode } from './types';
import { emitPermute } from './permute-ops';
import { dynamicDimsAdvice } from './input-values';
import { attrInts } from './attrs';
import { regathered, resliced } from './regather';
import { commonPerm } from './elementwise-layout';
import { twinCopy } from './twin-copies';
import { viaViewSource } from './view-copy';

export interface ValueRef {
  index: number;
  perm: Perm;
}

/** What a body subgraph takes and gives: ONNX value names, each kept in ONNX layout. */
export interface BodySpec {
  name: string;
  inputs: string[];
  outputs: string[];
  /** Layouts of the inputs (default, or an undefined entry: ONNX order). */
  inputPerms?: (Perm | undefined)[];
  /** Layouts of the outputs; an undefined entry takes the layout the value has (ONNX order or channel-last) and is
   *  filled in with it. Default: ONNX order. */
  outputPerms?: (Perm | undefined)[];
  /** Adds tensors/ops around the converted body and returns the subgraph's final inputs and outputs. */
  wrap?: (ctx: ConvertContext, inputs: number[], outputs: number[]) => { inputs: number[]; outputs: number[] };
}

export class ConvertContext {
  readonly tensors: TflTensor[] = [];
  readonly operators: TflOperator[] = [];
  readonly warnings: string[] = [];
  /** Every stored version of an ONNX value: perm key → tensor index. The first one is its primary layout. */
  private readonly versions = new Map<string, Map<string, number>>();
  private readonly primary = new Map<string, ValueRef>();
  /** ONNX value → ONNX value it is an alias of (Identity, Dropout, folded BN...). */
  private readonly aliases = new Map<string, string>();
  /** Tensor index → the ONNX value and layout it stores (for metadata). */
  readonly tensorOrigin = new Map<number, { onnx: string; perm: Perm }>();
  /** ONNX dtype of values whose TFLite type differs (int64 → INT32). */
  readonly narrowed = new Map<string, DType>();
  current?: Node;
  /** The model's other subgraphs (IF branches, WHILE cond/body): subgraph i + 1. Shared by nested contexts. */
  subgraphs: TflSubgraph[] = [];
  /** Converts an ONNX body graph into a new TFLite subgraph and returns its index (set by the converter). */
  bodyConverter?: (parent: ConvertContext, body: Graph, spec: BodySpec) => number;

  constructor(
    readonly graph: Graph,
    readonly constants: Map<string, Tensor>,
    readonly opset: number,
    /** Values whose consumers want channel-last (computed before conversion). */
    readonly prefersChannelLast: Set<string>,
  ) {}

  // ---- what the ONNX graph says ----

  resolve(name: string): string {
    let n = name;
    while (this.aliases.has(n)) n = this.aliases.get(n)!;
    return n;
  }

  constant(name: string): Tensor | undefined {
    return this.constants.get(this.resolve(name)) ?? this.constants.get(name);
  }

  isConstant(name: string): boolean {
    return name !== '' && this.constant(name) !== undefined;
  }

  shape(name: string): number[] {
    const c = this.constant(name);
    if (c) return [...c.dims];
    const v = this.graph.values.get(this.resolve(name)) ?? this.graph.values.get(name);
    if (!v?.shape) throw new ConvertError(`the shape of "${name}" is unknown`, this.current?.name, 'unknown-shape');
    if (!isStaticShape(v.shape)) {
      // With every input's dims fixed, what is left is set by an input's value (--input-value freezes it) or sized by
      // values computed inside (a length from predicted durations, a count of selected elements): no --input-shape fixes it.
      const advice = dynamicDimsAdvice(this.graph, this.constants, this.resolve(name), this.current?.opType ?? 'this op');
      throw new ConvertError(`"${name}" has dynamic dims [${v.shape.join(', ')}]; ${advice}`, this.current?.name, 'dynamic-shape');
    }
    return [...v.shape];
  }

  /** The value's dims with -1 for a dim known only at run time (NonZero's count, a Slice with computed bounds...);
   *  shape() refuses such values, so only converters that handle them call this. */
  dims(name: string): number[] {
    const c = this.constant(name);
    if (c) return [...c.dims];
    const v = this.graph.values.get(this.resolve(name)) ?? this.graph.values.get(name);
    if (!v?.shape) throw new ConvertError(`the shape of "${name}" is unknown`, this.current?.name);
    return v.shape.map((d) => (typeof d === 'number' ? d : -1));
  }

  /** Some dim of the value is known only at run time. */
  isDynamic(name: string): boolean {
    return this.dims(name).some((d) => d < 0);
  }

  rank(name: string): number {
    return this.dims(name).length;
  }

  dtype(name: string): DType {
    const c = this.constant(name);
    if (c) return c.dtype;
    const v = this.graph.values.get(this.resolve(name)) ?? this.graph.values.get(name);
    if (!v?.dtype) throw new ConvertError(`the element type of "${name}" is unknown`, this.current?.name, 'unknown-shape');
    return v.dtype;
  }

  /** The element type when known, else undefined (no error: for the contract's dtype check). */
  knownDtype(name: string): DType | undefined {
    if (!name) return undefined;
    return this.constant(name)?.dtype ?? (this.graph.values.get(this.resolve(name)) ?? this.graph.values.get(name))?.dtype;
  }

  has(name: string): boolean {
    return this.primary.has(this.resolve(name)) || this.isConstant(name);
  }

  /** The layout the value is stored in (identity for constants, which are materialized in any layout). */
  permOf(name: string): Perm {
    const p = this.primary.get(this.resolve(name));
    if (p) return p.perm;
    return identity(this.rank(name));
  }

  // ---- getting inputs in a layout ----

  /** The value stored in layout `perm`, adding a TRANSPOSE (once per value and layout) when needed. */
  input(name: string, perm?: Perm): number {
    const r = this.resolve(name);
    const want = perm ?? this.permOf(r);
    const key = want.join(',');
    const c = this.constant(r);
    const vers = this.versions.get(r);
    const have = vers?.get(key);
    if (have !== undefined) return have;
    if (c) {
      const { type, shape, bytes } = constantBytes(c, want);
      const idx = this.addTensor({ name: r, type, shape, data: bytes });
      this.remember(r, want, idx, false);
      return idx;
    }
    const prim = this.primary.get(r);
    if (!prim) throw new ConvertError(`value "${name}" has not been converted yet`, this.current?.name, 'internal');
    if (prim.perm.length !== want.length) {
      throw new ConvertError(`value "${name}" has rank ${prim.perm.length}, not ${want.length}`, this.current?.name, 'internal');
    }
    // A layer's slice of a stacked cache: Gathered again from the stack moved once.
    const again = regathered(this, r, want) ?? resliced(this, r, want);
    if (again !== undefined) {
      this.remember(r, want, again, false);
      return again;
    }
    const twin = twinCopy(r, prim, want, this.primary, this.versions) ?? viaViewSource(this, r, prim.perm, want);
    if (twin !== undefined) {
      this.remember(r, want, twin, false);
      return twin;
    }
    const t = this.tensors[prim.index];
    const dims = this.dims(r);
    const out = this.addTensor({ name: `${r}__perm_${key.replace(/,/g, '_')}`, type: t.type, shape: permute(dims, want),
      quantization: t.quantization });
    if (sameMemoryOrder(dims, prim.perm, want) && dims.filter((d) => d < 0).length <= 1) {
      // Only unit dims move: the bytes are already in the wanted order.
      const shape = permute(dims, want);
      this.emit('RESHAPE', [prim.index, this.constInt32(shape, `${r}__reshape`)], [out], { newShape: shape });
    } else {
      emitPermute(this, prim.index, transposeBetween(prim.perm, want), out, r);
    }
    this.remember(r, want, out, false);
    return out;
  }

  /** The layouts `name` is already stored in (its primary and the copies made for readers). */
  copiesOf(name: string): Perm[] {
    const r = this.resolve(name);
    return [...(this.versions.get(r)?.keys() ?? [])].map((k) => k.split(',').map(Number));
  }

  /** The value in ONNX order. */
  inputOnnx(name: string): number {
    return this.input(name, identity(this.rank(name)));
  }

  /** The value channel-last (NHWC for 4-D). */
  inputChannelLast(name: string): number {
    return this.input(name, channelLast(this.rank(name)));
  }

  /** The value in whatever layout it already has. */
  inputAny(name: string): ValueRef {
    const r = this.resolve(name);
    const perm = this.permOf(r);
    return { index: this.input(r, perm), perm };
  }

  /**
   * Picks one layout for the inputs of a layout-agnostic op (elementwise): the layout most of its non-constant
   * full-rank inputs already have; the rules are in elementwise-layout.ts.
   */
  commonPerm(names: string[], rank: number): Perm {
    return commonPerm(this, names, rank);
  }

  /**
   * An input of a broadcasting op, stored so that it broadcasts against an output of rank `rank` in layout
   * `perm`: lower-rank values get leading unit dims first (constants are reshaped here; other values through
   * a RESHAPE op).
   */
  inputBroadcast(name: string, rank: number, perm: Perm): number {
    const r = this.rank(name);
    if (r === rank) return this.input(name, perm);
    if (isIdentity(perm) && r <= rank) return this.input(name, identity(r));
    const full = [...new Array<number>(rank - r).fill(1), ...this.shape(name)];
    const c = this.constant(name);
    if (c) {
      const key = `${this.resolve(name)}__rank${rank}`;
      if (!this.constants.has(key)) this.constants.set(key, { ...c, name: key, dims: full });
      return this.input(key, perm);
    }
    const src = this.inputOnnx(name);
    // When the permutation moves only unit dims (a scalar, a [C] against NHWC...), one RESHAPE lays it out.
    const target = permute(full, perm);
    const order = perm.filter((p) => full[p] !== 1);
    if (order.every((p, k) => k === 0 || order[k - 1] < p)) {
      const out = this.temp(target, this.tensors[src].type, `${this.resolve(name)}__rank${rank}_perm`);
      this.emit('RESHAPE', [src, this.constInt32(target, `${this.resolve(name)}__shape${rank}`)], [out], { newShape: target });
      return out;
    }
    const reshaped = this.temp(full, this.tensors[src].type, `${this.resolve(name)}__rank${rank}`);
    this.emit('RESHAPE', [src, this.constInt32(full, `${this.resolve(name)}__shape${rank}`)], [reshaped], { newShape: full });
    if (isIdentity(perm)) return reshaped;
    const out = this.temp(permute(full, perm), this.tensors[src].type, `${this.resolve(name)}__rank${rank}_perm`);
    this.emit('TRANSPOSE', [reshaped, this.constInt32(transposeBetween(identity(rank), perm), `${this.resolve(name)}__bperm`)], [out]);
    return out;
  }

  // ---- making outputs ----

  /** Creates the tensor for ONNX value `name` stored in layout `perm`; it becomes the value's primary version. */
  output(name: string, perm: Perm, type?: TflType): number {
    const dt = this.dtype(name);
    const tt = type ?? tflType(dt);
    if (!tt) throw new ConvertError(`element type ${dt} of "${name}" has no TFLite equivalent`, this.current?.name, 'dtype');
    if (dt === 'int64' || dt === 'uint64' || dt === 'uint32' || dt === 'float64') this.narrowed.set(name, dt);
    const idx = this.addTensor({ name, type: tt, shape: permute(this.dims(name), perm) });
    this.remember(name, perm, idx, true);
    return idx;
  }

  /** Like output(), for a value the op sizes at run time: `dims` (ONNX order, -1 where known only at run time)
   *  replace what shape inference (or the model's declared shapes) said, so later ops see the value as dynamic. */
  dynamicOutput(name: string, perm: Perm, dims: number[], type?: TflType): number {
    const v = this.graph.values.get(this.resolve(name)) ?? this.graph.values.get(name);
    const shape = dims.map((d, i) => (d >= 0 ? d : `${name}_${i}`));
    if (v) v.shape = shape;
    else this.graph.values.set(name, { name, dtype: this.dtype(name), shape });
    return this.output(name, perm, type);
  }

  /** Makes ONNX value `name` the same stored tensor as `index` (layout `perm`): no op emitted. */
  bind(name: string, index: number, perm: Perm): void {
    this.remember(name, perm, index, true);
  }

  /** Declares a value the converter makes up (an intermediate that has no ONNX name), so output() can type it. */
  declare(name: string, dtype: DType, shape: number[]): void {
    this.graph.values.set(name, { name, dtype, shape: [...shape] });
  }

  /** `out` is just another name for `src` (Identity, Dropout in inference, a Concat with an empty cache). A graph
   *  output whose source is stored in an order no output keeps (a lazy head split: Qwen3's prompt-step `present`
   *  key / value) is the source moved to ONNX order once, now, so its other readers use that copy too. */
  alias(out: string, src: string): void {
    const p = this.primary.get(this.resolve(src));
    const rank = p?.perm.length ?? 0;
    if (p && this.graph.outputs.some((o) => o.name === out) && !isIdentity(p.perm)
      && !(rank >= 3 && samePerm(p.perm, channelLast(rank)))) {
      this.bind(out, this.inputOnnx(src), identity(rank));
      return;
    }
    this.aliases.set(out, this.resolve(src));
  }

  temp(shape: number[], type: TflType, name: string): number {
    return this.addTensor({ name: this.uniqueName(name), type, shape: [...shape] });
  }

  constFloat32(values: ArrayLike<number>, shape: number[], name: string): number {
    return this.addTensor({ name: this.uniqueName(name), type: 'FLOAT32', shape, data: float32Bytes(values) });
  }

  constInt32(values: ArrayLike<number>, name: string, shape?: number[]): number {
    return this.addTensor({ name: this.uniqueName(name), type: 'INT32', shape: shape ?? [values.length], data: int32Bytes(values) });
  }

  constTensor(t: TflTensor): number {
    return this.addTensor({ ...t, name: this.uniqueName(t.name) });
  }

  emit(opcode: string, inputs: number[], outputs: number[], options?: Record<string, TflOptionValue>, version?: number): TflOperator {
    const op: TflOperator = { opcode, inputs, outputs, onnxNode: this.current?.name };
    if (options) op.options = options;
    if (version && version > 1) op.version = version;
    this.operators.push(op);
    return op;
  }

  warn(message: string): void {
    this.warnings.push(this.current ? `node ${this.current.name}: ${message}` : message);
  }

  /** Refuses the current node from inside `convert` (a case `check` could not see before converting). */
  fail(message: string, code: RefusalCode = 'unsupported'): never {
    throw new ConvertError(message, this.current?.name, code);
  }

  /** A tensor already made that holds the value in layout `perm` — a version of its own or, for a Transpose's output
   *  left lazy, of the Transpose's input — without adding one. */
  storedAs(name: string, perm: Perm): number | undefined {
    const r = this.resolve(name);
    const own = this.versions.get(r)?.get(perm.join(','));
    if (own !== undefined) return own;
    const made = this.graph.nodes.find((n) => n.opType === 'Transpose' && n.outputs[0] === r);
    const p = made && attrInts(made, 'perm');
    return p && this.versions.get(this.resolve(made.inputs[0]))?.get(perm.map((d) => p[d]).join(','));
  }

  primaryOf(name: string): ValueRef | undefined {
    return this.primary.get(this.resolve(name));
  }

  /** The nodes still to convert or converted that read `name` (not those folded away: a Shape of it). */
  readersOf(name: string): Node[] {
    return this.graph.nodes.filter((n) => n.inputs.includes(name) && !n.outputs.every((o) => !o || this.constants.has(o)));
  }

  /** ONNX values that are other names of converted values (Identity, Dropout, single-input Concat). */
  aliasNames(): string[] {
    return [...this.aliases.keys()];
  }

  /** Every converted ONNX value with its primary tensor (for metadata). */
  convertedValues(): [string, ValueRef][] {
    return [...this.primary.entries()];
  }

  /** Converts an ONNX body graph (If branch, Loop body) into a TFLite subgraph; returns its subgraph index. */
  convertBody(body: Graph, spec: BodySpec): number {
    if (!this.bodyConverter) this.fail('control flow bodies cannot be converted here');
    return this.bodyConverter(this, body, spec);
  }

  // ---- internals ----

  private readonly names = new Set<string>();

  private uniqueName(base: string): string {
    let n = base;
    let k = 1;
    while (this.names.has(n)) n = `${base}_${k++}`;
    return n;
  }

  private addTensor(t: TflTensor): number {
    if (t.shape.some((d) => d < 0)) {
      // Sized at run time: -1 in shape_signature, 1 as the placeholder in shape (ops resize it when they run).
      t.shapeSignature = [...t.shape];
      t.shape = t.shape.map((d) => (d < 0 ? 1 : d));
    }
    t.name = this.uniqueName(t.name);
    this.names.add(t.name);
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  private remember(name: string, perm: Perm, index: number, primary: boolean): void {
    let v = this.versions.get(name);
    if (!v) this.versions.set(name, (v = new Map()));
    v.set(perm.join(','), index);
    if (primary || !this.primary.has(name)) {
      if (primary || !this.isConstant(name)) this.primary.set(name, { index, perm: [...perm] });
    }
    if (!this.tensorOrigin.has(index)) this.tensorOrigin.set(index, { onnx: name, perm: [...perm] });
  }

  sameLayout(a: Perm, b: Perm): boolean {
    return samePerm(a, b);
  }
}
