// Which graph inputs' *values* set a value's dims that are still unknown with every input's dims fixed. The walk
// follows the unknown dims back to the ops that make them (a Resize by computed scales, a Range, a Reshape to a
// computed shape, NonZero's count) and from there only the values that size their outputs: the small shape-like
// inputs (scales, sizes, starts, counts) or the data of an op whose output counts selected elements. A Shape / Size
// read goes back to the dims it reads. The dynamic-shape refusal advises --input-value only when every source is a
// setting input (a few elements); a count that the data decides (FunASR's CIF: tokens fire where the cumulated
// alphas cross an integer) has no such fix.
import { elementCount, isStaticShape } from '../ir/types';
import type { Graph, Tensor } from '../ir/types';
import { readersOf } from './simplify-util';

/** Inputs of rank 0 or 1 and this size or smaller are settings one can freeze (a scale, a rate, a count), not data
 *  (a [1, 12] row of token ids is data). */
export const SETTING_MAX_ELEMENTS = 16;

/** Ops whose output length is the number of elements their data selects. */
const COUNTING = new Set(['NonZero', 'Compress', 'Unique', 'NonMaxSuppression']);

export interface DimsSources {
  /** Setting inputs (static dims, rank <= 1, at most SETTING_MAX_ELEMENTS elements) whose values size the value. */
  settings: string[];
  /** Whether other graph inputs' values (data) size it too. */
  data: boolean;
}

/** The graph inputs whose values set `name`'s unknown dims. */
export function dimsSources(graph: Graph, constants: Map<string, Tensor>, name: string): DimsSources {
  // Folded nodes have no entry: the walk never asks for the producer of a constant.
  const { producer } = readersOf(graph, constants);
  const inputs = new Map(graph.inputs.map((i) => [i.name, i]));
  const known = (v: string) => constants.has(v) || isStaticShape(graph.values.get(v)?.shape ?? [-1]);
  const small = (v: string) => {
    const s = graph.values.get(v)?.shape;
    return !!s && isStaticShape(s) && elementCount(s as number[]) <= SETTING_MAX_ELEMENTS;
  };
  const settings = new Set<string>();
  let data = false;
  const seenDims = new Set<string>();
  const seenValues = new Set<string>();
  const values = (v: string): void => {
    if (!v || seenValues.has(v) || constants.has(v)) return;
    seenValues.add(v);
    if (inputs.has(v)) {
      const s = inputs.get(v)!.shape;
      if (s && isStaticShape(s) && s.length <= 1 && elementCount(s as number[]) <= SETTING_MAX_ELEMENTS) settings.add(v);
      else data = true;
      return;
    }
    const p = producer.get(v);
    if (!p) return;
    if (p.opType === 'Shape' || p.opType === 'Size') dims(p.inputs[0]);
    else for (const i of p.inputs) values(i);
  };
  const dims = (v: string): void => {
    if (!v || seenDims.has(v) || known(v)) return;
    seenDims.add(v);
    const p = producer.get(v);
    if (!p) return;
    p.inputs.forEach((i, k) => {
      if (!i || constants.has(i)) return;
      if (!known(i)) dims(i);
      else if (small(i) || (COUNTING.has(p.opType) && k === 0)) values(i);
    });
  };
  dims(name);
  return { settings: [...settings].sort(), data };
}
