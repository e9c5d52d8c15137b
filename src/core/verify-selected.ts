// The self-check's outputs whose rows a top-k inside the model selected (src/compare/selected-rows.ts): paired as
// sets of rows before they are compared, so that near-tied proposals ranked the other way (RF-DETR under fp16) are
// not read as whole-row errors.
import type { Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import type { TflModel } from '../tflite/model';
import { pairSelectedRows, selectionGroups, type SelectionOutput } from '../compare/selected-rows';

/** What the self-check reports of the selected rows (`--json` `verification.selected`). */
export interface SelectedRowsCheck {
  outputs: string[];
  rows: number;
  paired: number;
  /** Paired rows not at the same index. */
  reordered: number;
  /** Reference rows without a pair (their box matched none of LiteRT's). */
  unpaired: number;
}

/** Longer selections are compared by position (the pairing is quadratic in the rows). */
const MAX_SELECTED_ROWS = 2048;

/** The selected-row outputs (positions in the output list, not in `skip`) with their rows paired: `outs` by position
 *  (reference and LiteRT rows in pairs order), or undefined when the model has none. */
export function selectedRowsPaired(model: TflModel, tensors: number[], refs: (Tensor | undefined)[], views: (Tensor | undefined)[],
  names: string[], skip: Set<number>): { outs: Map<number, SelectionOutput>; check: SelectedRowsCheck } | undefined {
  const outs = new Map<number, SelectionOutput>();
  const check: SelectedRowsCheck = { outputs: [], rows: 0, paired: 0, reordered: 0, unpaired: 0 };
  const missing = new Set(refs.flatMap((r, k) => (r && views[k] ? [] : [k])));
  for (const g of selectionGroups(model, tensors, refs.map((r) => r?.dims), new Set([...skip, ...missing]))) {
    if (g.k > MAX_SELECTED_ROWS) continue;
    const members = g.members.map((k) => ({ ref: toFloat32(refs[k]!), got: toFloat32(views[k]!) }));
    if (members.some((m) => m.ref.length !== m.got.length || m.ref.length % (g.outer * g.k) !== 0)) continue;
    const p = pairSelectedRows(members, g.outer, g.k);
    g.members.forEach((k, i) => outs.set(k, p.paired[i]!));
    check.outputs.push(...g.members.map((k) => names[k]!));
    check.rows += p.rows;
    check.paired += p.pairs;
    check.reordered += p.reordered;
    check.unpaired += p.unpaired;
  }
  return check.outputs.length ? { outs, check } : undefined;
}
