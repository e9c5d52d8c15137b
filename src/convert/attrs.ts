// Typed attribute getters for op converters.
import type { Node } from '../ir/types';

export function attrInt(n: Node, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  return a?.type === 'int' ? a.value : a?.type === 'float' ? Math.trunc(a.value) : dflt;
}

export function attrFloat(n: Node, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  return a?.type === 'float' || a?.type === 'int' ? a.value : dflt;
}

export function attrInts(n: Node, name: string): number[] | undefined {
  const a = n.attrs.get(name);
  return a?.type === 'ints' ? [...a.value] : undefined;
}

export function attrFloats(n: Node, name: string): number[] | undefined {
  const a = n.attrs.get(name);
  return a?.type === 'floats' ? [...a.value] : undefined;
}

export function attrString(n: Node, name: string, dflt: string): string {
  const a = n.attrs.get(name);
  return a?.type === 'string' ? a.value : dflt;
}

/** Normalizes a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
