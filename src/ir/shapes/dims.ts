// Dimension arithmetic for shape inference: numbers stay numbers, symbolic dims (strings) are carried
// through where the result is certain (broadcast of 'batch' and 1 is 'batch') and made fresh otherwise.
import { Dim, ModelError, Shape } from '../types';

/** Makes fresh symbolic dims (`unk_N`) unique within one inference run. */
export class DimNamer {
  private next = 0;
  readonly fresh = new Set<string>();
  constructor(private readonly taken: Set<string> = new Set()) {}
  private readonly memo = new Map<string, string>();
  make(): string {
    let name: string;
    do name = `unk_${this.next++}`; while (this.taken.has(name));
    this.fresh.add(name);
    return name;
  }
  /** The same fresh dim for the same computation (`key` names it, e.g. "win(height;k3;s2;p1,1)"). */
  derived(key: string): string {
    let name = this.memo.get(key);
    if (!name) this.memo.set(key, (name = this.make()));
    return name;
  }
}

export function isNum(d: Dim | undefined): d is number {
  return typeof d === 'number';
}

/** A node the model is invalid at (onnxruntime cannot load or run it either): shape inference records why. */
export class InvalidNodeError extends ModelError {}

/** Inputs whose known dims do not broadcast: the model is invalid at that node (onnxruntime cannot run it either). */
export class BroadcastError extends InvalidNodeError {}

/** Numpy-style multidirectional broadcast. Throws ModelError when two known dims disagree. */
export function broadcastShapes(shapes: Shape[], namer: DimNamer): Shape {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const dims = shapes.map((s) => s[s.length - rank + i]).filter((d) => d !== undefined && d !== 1) as Dim[];
    const nums = [...new Set(dims.filter(isNum))];
    const syms = [...new Set(dims.filter((d) => !isNum(d)))];
    if (nums.length > 1) throw new BroadcastError(`cannot broadcast shapes ${shapes.map(fmt).join(' and ')}`);
    if (nums.length === 1) out.push(nums[0]);
    else if (syms.length === 0) out.push(1);
    else if (syms.length === 1) out.push(syms[0]);
    else out.push(namer.make());
  }
  return out;
}

export function fmt(s: Shape | undefined): string {
  return s ? `[${s.join(',')}]` : '(unknown)';
}

/** A product of dims as a number times a multiset of symbols. */
export interface DimProduct { n: number; syms: string[] }

export function product(dims: readonly Dim[]): DimProduct {
  let n = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (isNum(d)) n *= d;
    else syms.push(d);
  }
  return { n, syms };
}

/** a / b when it is certain (symbols cancel); a fresh dim otherwise. */
export function divideProducts(a: DimProduct, b: DimProduct, namer: DimNamer): Dim {
  const rest = [...a.syms];
  for (const s of b.syms) {
    const i = rest.indexOf(s);
    if (i < 0) return namer.make();
    rest.splice(i, 1);
  }
  if (b.n === 0) return a.n === 0 && rest.length === 0 ? 0 : namer.make();
  if (rest.length === 0) {
    const q = a.n / b.n;
    // Known counts that do not divide: onnxruntime cannot run the node either (torch 1.13's flatten(-2) after a stack
    // whose axis its traced shape arithmetic lost: twenty-seventh sweep, V-JEPA 2-AC's RoPE).
    if (!Number.isInteger(q)) throw new InvalidNodeError(`cannot split ${a.n} elements into parts of ${b.n}`);
    return q;
  }
  if (rest.length === 1 && a.n === b.n) return rest[0];
  return namer.make();
}

export function dimMul(a: Dim, b: Dim, namer: DimNamer): Dim {
  if (isNum(a) && isNum(b)) return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  return namer.derived(`mul(${[a, b].sort().join(',')})`);
}

export function dimAdd(a: Dim, b: Dim, namer: DimNamer): Dim {
  if (isNum(a) && isNum(b)) return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return namer.derived(`add(${[a, b].sort().join(',')})`);
}

/**
 * Applies a numeric function when every dim is known. Otherwise a fresh dim: the same one for the same `key`
 * (a description of the computation) and dims, a new one when no key is given.
 */
export function dimMap(dims: Dim[], f: (...n: number[]) => number, namer: DimNamer, key?: string): Dim {
  if (dims.every(isNum)) return f(...(dims as number[]));
  return key ? namer.derived(`${key}(${dims.join(',')})`) : namer.make();
}

/** Two candidate shapes for the same value (If branches, loop iterations): keep what agrees. */
export function mergeShapes(a: Shape | undefined, b: Shape | undefined, namer: DimNamer): Shape | undefined {
  if (!a || !b || a.length !== b.length) return undefined;
  return a.map((d, i) => (d === b[i] ? d : namer.make()));
}

export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ModelError(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}
