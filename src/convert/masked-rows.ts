// Boolean-mask indexing computed row by row: `out[mask] = f(x[mask], w[mask, :])` (VITS / Piper's rational-quadratic
// spline: NonZero → Transpose → GatherND, a spline over the N selected rows, ScatterND back at the mask's positions).
// N is known only at run time, so every op between the gathers and the scatters would have a dynamic first dim. When
// the mask's shape is static and every op in between works on each row alone (rows-analysis.ts), the same values
// come from computing every position: the gathers become a RESHAPE of the whole tensor ([P, ...] rows, P the mask's
// element count), the computation runs on the P rows with static shapes, and each scatter becomes
// Where(mask, rows, data). Checked twice: by taint before the rewrite (no selected row reaches an output or an op
// that mixes rows), and on the rewritten graph's static shapes and folded constants (axes, slices, scatter indices).
import { shapeCopy } from '../ir/shape-copy';
import { inferShapes } from '../ir/shapes';
import { makeTensor } from '../ir/tensor';
import type { Graph, Model, Node, Tensor } from '../ir/types';
import { isStaticShape } from '../ir/types';
import { analyzeRows, checkRows, RowsPlan } from './rows-analysis';

type Consts = Map<string, Tensor>;

/** Every position of `dims` in row-major order, as NonZero writes them: [rank, P] int64. */
function allPositions(dims: number[]): bigint[] {
  const P = dims.reduce((a, b) => a * b, 1);
  const out = new Array<bigint>(dims.length * P);
  for (let p = 0; p < P; p++) {
    let rest = p;
    for (let a = dims.length - 1; a >= 0; a--) {
      out[a * P + p] = BigInt(rest % dims[a]);
      rest = Math.floor(rest / dims[a]);
    }
  }
  return out;
}

function rewrite(model: Model, plan: RowsPlan): Model {
  const g = model.graph;
  const initializers = new Map(g.initializers);
  const values = new Map(g.values);
  for (const name of plan.tainted) if (!g.inputs.some((v) => v.name === name)) values.delete(name);
  const shapeOf = (name: string) => g.values.get(name)!.shape as number[];
  const nodes: Node[] = [];
  const make = (opType: string, inputs: string[], outputs: string[], name: string): Node => ({ name, opType, domain: '', inputs, outputs, attrs: new Map() });
  const constant = (name: string, t: Tensor) => { initializers.set(name, t); values.set(name, { name, dtype: t.dtype, shape: [...t.dims] }); };
  for (const n of g.nodes) {
    if (plan.nonZeros.has(n)) {
      const dims = shapeOf(n.inputs[0]);
      const P = dims.reduce((a, b) => a * b, 1);
      constant(n.outputs[0], makeTensor(n.outputs[0], 'int64', [dims.length, P], allPositions(dims)));
    } else if (plan.gathers.has(n)) {
      // GatherND(x, every position) = x's leading (mask) dims flattened into rows.
      const mask = shapeOf(plan.gathers.get(n)!);
      const xs = shapeOf(n.inputs[0]);
      const target = `${n.outputs[0]}__rows_shape`;
      constant(target, makeTensor(target, 'int64', [1 + xs.length - mask.length],
        [mask.reduce((a, b) => a * b, 1), ...xs.slice(mask.length)].map(BigInt)));
      nodes.push(make('Reshape', [n.inputs[0], target], n.outputs, n.name));
    } else if (plan.scatters.has(n)) {
      const mask = plan.scatters.get(n)!;
      const target = `${n.outputs[0]}__rows_shape`;
      const dims = shapeOf(n.inputs[0]);
      constant(target, makeTensor(target, 'int64', [dims.length], dims.map(BigInt)));
      nodes.push(make('Reshape', [n.inputs[2], target], [`${n.outputs[0]}__rows`], `${n.name}/rows`));
      nodes.push(make('Where', [mask, `${n.outputs[0]}__rows`, n.inputs[0]], n.outputs, n.name));
    } else nodes.push(n);
  }
  const graph: Graph = { ...g, nodes, initializers, values };
  return { ...model, graph };
}

/** The model with each NonZero replaced by all positions but the last (gathers and scatters as they are). */
function selectFewer(model: Model, plan: RowsPlan): Model {
  const g = model.graph;
  const initializers = new Map(g.initializers);
  const values = new Map(g.values);
  for (const name of plan.tainted) if (!g.inputs.some((v) => v.name === name)) values.delete(name);
  for (const n of plan.nonZeros) {
    const dims = g.values.get(n.inputs[0])!.shape as number[];
    const P = dims.reduce((a, b) => a * b, 1);
    const all = allPositions(dims);
    const some = Array.from({ length: dims.length * (P - 1) }, (_, i) => all[Math.floor(i / (P - 1)) * P + (i % (P - 1))]);
    initializers.set(n.outputs[0], makeTensor(n.outputs[0], 'int64', [dims.length, P - 1], some));
  }
  return { ...model, graph: { ...g, nodes: g.nodes.filter((n) => !plan.nonZeros.has(n)), initializers, values } };
}

/**
 * The model with its masked-row regions computed on every row (see the file's comment), or undefined when it has none
 * or any check fails (the model then keeps its NonZero and converts, or is refused, as before).
 */
export function computeMaskedRows(model: Model, consts: Consts, inputShapes?: Map<string, number[]>): Model | undefined {
  // Initializers join the folded values only after preparation: both are constants here.
  const known = (g: Graph, c: Consts) => new Map([...g.initializers, ...c]);
  const plan = analyzeRows(model.graph, known(model.graph, consts));
  if (!plan) return undefined;
  for (const n of plan.nonZeros) if (!isStaticShape(model.graph.values.get(n.inputs[0])?.shape)) return undefined;
  const next = rewrite(model, plan);
  const probe = shapeCopy(next);
  const { constants } = inferShapes(probe, { inputShapes });
  // The same region with one row fewer selected: what the row count computes must not change with it.
  const fewer = shapeCopy(selectFewer(model, plan));
  const { constants: fewerConsts } = inferShapes(fewer, { inputShapes });
  return checkRows(probe.graph, known(probe.graph, constants), known(fewer.graph, fewerConsts), plan) ? next : undefined;
}
