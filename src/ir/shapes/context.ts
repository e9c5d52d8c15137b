// What an op's shape function sees (its node's inputs, constant values and attributes) and the registry
// of shape functions, filled by the per-family files of this folder.
import { toNumbers } from '../tensor';
import { AttrValue, DType, Dim, Graph, ModelError, Node, Shape, Tensor } from '../types';
import { DimNamer } from './dims';

export interface OutInfo { dtype?: DType; shape?: Shape }

export interface ShapeCtx {
  readonly node: Node;
  /** The opset of the node's domain. */
  readonly opset: number;
  readonly namer: DimNamer;
  /** Number of inputs (including omitted optional ones). */
  readonly count: number;
  /** The input is given (not omitted with ''). */
  has(i: number): boolean;
  dtype(i: number): DType | undefined;
  shape(i: number): Shape | undefined;
  /** The constant value of an input, when known. */
  value(i: number): Tensor | undefined;
  /** A 0-D/1-D integer input as dims: constant numbers, or symbolic dims traced from Shape. */
  dims(i: number): Dim[] | undefined;
  attr(name: string): AttrValue | undefined;
  /** Infers a subgraph given its input infos; returns its output infos. */
  subgraph(g: Graph, inputs: OutInfo[]): OutInfo[];
  warn(message: string): void;
}

export type ShapeFn = (c: ShapeCtx) => (OutInfo | undefined)[];

const REGISTRY = new Map<string, ShapeFn>();

function key(domain: string, op: string): string {
  return domain === '' || domain === 'ai.onnx' ? op : `${domain}:${op}`;
}

export function register(ops: string | string[], fn: ShapeFn, domain = ''): void {
  for (const op of Array.isArray(ops) ? ops : [ops]) REGISTRY.set(key(domain, op), fn);
}

export function shapeFn(domain: string, op: string): ShapeFn | undefined {
  return REGISTRY.get(key(domain, op));
}

export function registeredOps(): string[] {
  return [...REGISTRY.keys()];
}

// ---- attribute helpers ----

export function attrInt(c: ShapeCtx, name: string, def: number): number;
export function attrInt(c: ShapeCtx, name: string): number | undefined;
export function attrInt(c: ShapeCtx, name: string, def?: number): number | undefined {
  const a = c.attr(name);
  if (!a) return def;
  if (a.type === 'int' || a.type === 'float') return a.value;
  throw new ModelError(`attribute ${name} should be an int`, c.node.name);
}

export function attrFloat(c: ShapeCtx, name: string, def: number): number {
  const a = c.attr(name);
  if (!a) return def;
  if (a.type === 'int' || a.type === 'float') return a.value;
  throw new ModelError(`attribute ${name} should be a float`, c.node.name);
}

export function attrInts(c: ShapeCtx, name: string): number[] | undefined {
  const a = c.attr(name);
  if (!a) return undefined;
  if (a.type === 'ints' || a.type === 'floats') return a.value;
  if (a.type === 'int') return [a.value];
  throw new ModelError(`attribute ${name} should be a list of ints`, c.node.name);
}

export function attrStr(c: ShapeCtx, name: string, def: string): string {
  const a = c.attr(name);
  if (!a) return def;
  if (a.type === 'string') return a.value;
  throw new ModelError(`attribute ${name} should be a string`, c.node.name);
}

/** The integer values of a constant input, when known. */
export function intsOf(c: ShapeCtx, i: number): number[] | undefined {
  const v = c.has(i) ? c.value(i) : undefined;
  return v ? toNumbers(v) : undefined;
}

/** The ints of an attribute (older opsets) or of a constant input (newer ones); `null` = not given. */
export function attrOrInput(c: ShapeCtx, name: string, input: number): number[] | null | undefined {
  const a = attrInts(c, name);
  if (a) return a;
  if (!c.has(input)) return null;
  return intsOf(c, input);
}

/** Same dtype and shape as input i. */
export function like(c: ShapeCtx, i = 0, dtype?: DType): OutInfo {
  return { dtype: dtype ?? c.dtype(i), shape: c.shape(i) };
}
