// TFLite's same-scale rules as groups of tensors: the int8 pass gives every float activation of a group one set of
// parameters (the union of its members' ranges, or a fixed output's), and the compatibility view reads the same
// groups to tell which tensors share an attention mask's range (int8-kept-float.ts).
import type { TflOperator, TflSubgraph, TflTensor } from '../tflite/model';
import { isConst } from './graph';
import { floatIslands } from './int8-float-islands';
import { INT8_OPS } from './int8-ops';
import type { QParams } from './params';

class UnionFind {
  private readonly parent = new Map<number, number>();
  find(a: number): number {
    let p = this.parent.get(a) ?? a;
    if (p !== a) { p = this.find(p); this.parent.set(a, p); }
    return p;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

export function sameScaleInputs(op: TflOperator, tensors: TflTensor[]): number[] {
  const spec = INT8_OPS[op.opcode];
  if (!spec?.sameScale) return [];
  const pos = spec.sameScale === 'all' ? op.inputs.map((_, i) => i) : spec.sameScale;
  return pos.map((p) => op.inputs[p]).filter((i) => i !== undefined && i >= 0 && tensors[i].type === 'FLOAT32');
}

export interface ScaleGroups {
  /** The group (a member's index) tensor `i` belongs to. */
  find(i: number): number;
  /** Fixed output parameters by tensor (LOGISTIC, SOFTMAX, TANH ...: INT8_OPS' `fixed`). */
  fixed: Map<number, QParams>;
}

/** The same-scale groups of subgraph `sg` (ops in float islands, and the ops `apart` names, keep their own scales;
 *  the inputs `cut` names by op stay out of that op's group: int8.ts requantizes them into it,
 *  int8-requantized-joins.ts). */
export function scaleGroups(sg: TflSubgraph, apart: ReadonlySet<number> = new Set(), cut: ReadonlyMap<number, ReadonlySet<number>> = new Map()): ScaleGroups {
  const t = sg.tensors;
  const uf = new UnionFind();
  const fixed = new Map<number, QParams>();
  const islands = floatIslands(sg);
  for (const [k, op] of sg.operators.entries()) {
    const spec = INT8_OPS[op.opcode];
    if (!spec || islands.has(k) || apart.has(k)) continue;
    const outs = op.outputs.filter((o) => t[o].type === 'FLOAT32');
    if (spec.fixed) for (const o of outs) if (!fixed.has(o)) fixed.set(o, spec.fixed);
    if (spec.sameScale && outs.length) {
      for (const i of sameScaleInputs(op, t)) if (!isConst(t[i]) && !cut.get(k)?.has(i)) uf.union(i, outs[0]);
      for (const o of outs.slice(1)) uf.union(o, outs[0]);
    }
  }
  return { find: (i) => uf.find(i), fixed };
}
