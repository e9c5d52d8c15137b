// A reshape whose input must move and whose output is wanted in a layout that no RESHAPE of a whole-group move
// reaches: BEVFormer's deformable value, a Linear's [B, N, h·d] output that the model moves to [B, h·d, N] and views
// [B·h, d, H, W] for grid_sample, which reads it channel-last. Moving the input to ONNX order, reshaping and moving
// the map to NHWC takes two TRANSPOSEs; over the common refinement of the two shapes (the atoms each in and out dim
// is a run of: [B, N, h, d] here) the stored order [B, N, h, d] and the wanted one [B, h, N, d] are both atom
// orders, so one TRANSPOSE of the atoms between two RESHAPEs lands it.
import type { ConvertContext } from './context';
import type { Perm } from './layout';
import { emitPermute } from './permute-ops';

/** The atoms of a reshape (sizes > 1) and the atoms each in / out dim is made of, or undefined when the two shapes
 *  have no common refinement (a dim that is not a product of whole dims of the other side's runs). */
export function reshapeAtoms(inDims: readonly number[], outDims: readonly number[]):
  { atoms: number[]; ofIn: number[][]; ofOut: number[][] } | undefined {
  const atoms: number[] = [];
  const ofIn: number[][] = inDims.map(() => []);
  const ofOut: number[][] = outDims.map(() => []);
  let i = 0;
  let o = 0;
  let ri = inDims[0] ?? 1;
  let ro = outDims[0] ?? 1;
  for (;;) {
    while (i < inDims.length && ri === 1) ri = inDims[++i] ?? 1;
    while (o < outDims.length && ro === 1) ro = outDims[++o] ?? 1;
    if (i >= inDims.length || o >= outDims.length) return i >= inDims.length && o >= outDims.length ? { atoms, ofIn, ofOut } : undefined;
    if (ri < 1 || ro < 1) return undefined;
    const a = Math.min(ri, ro);
    if (ri % a !== 0 || ro % a !== 0) return undefined;
    ofIn[i].push(atoms.length);
    ofOut[o].push(atoms.length);
    atoms.push(a);
    ri /= a;
    ro /= a;
  }
}

/** The one atom move from `x` stored in `have` to a tensor that a RESHAPE makes `y` stored in `target` (at most
 *  rank 6 once atoms that stay together are merged); undefined when there is none. Writes the RESHAPE into atoms
 *  and the move, returns the moved tensor (the caller writes the RESHAPE into `y`). */
export function refinedMove(ctx: ConvertContext, x: string, inDims: readonly number[], outDims: readonly number[], have: Perm, target: Perm, y: string): number | undefined {
  const r = reshapeAtoms(inDims, outDims);
  if (!r) return undefined;
  const stored = have.flatMap((d) => r.ofIn[d]);
  const wanted = target.flatMap((d) => r.ofOut[d]);
  // Runs of atoms adjacent in both orders move as one dim.
  const runs: number[][] = [];
  for (const a of stored) {
    const last = runs[runs.length - 1];
    if (last && wanted.indexOf(a) === wanted.indexOf(last[last.length - 1]) + 1) last.push(a);
    else runs.push([a]);
  }
  if (runs.length > 6) return undefined;
  const shape = runs.map((run) => run.reduce((p, a) => p * r.atoms[a], 1));
  const order = [...runs.keys()].sort((p, q) => wanted.indexOf(runs[p][0]) - wanted.indexOf(runs[q][0]));
  if (order.every((p, k) => p === k)) return undefined;
  const src = ctx.input(x, have);
  const type = ctx.tensors[src].type;
  const viewed = ctx.temp(shape, type, `${y}__atoms`);
  ctx.emit('RESHAPE', [src, ctx.constInt32(shape, `${y}__atoms_shape`)], [viewed], { newShape: shape });
  const moved = ctx.temp(order.map((p) => shape[p]), type, `${y}__atoms_moved`);
  emitPermute(ctx, viewed, order, moved, `${y}__atoms`);
  return moved;
}
