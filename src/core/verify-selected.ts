// The self-check's outputs whose rows a top-k inside the model selected (src/compare/selected-rows.ts): paired as
// sets of rows before they are compared, so that near-tied proposals ranked the other way (RF-DETR under fp16) are
// not read as whole-row errors.
import type { Tensor } from '../ir/types';
import { toFloat32 } from '../ir/tensor';
import type { TflModel } from '../tflite/model';
import { pairSelectedRows, selectionGroups, unpairedWithinEdge, type SelectionOutput } from '../compare/selected-rows';
import { compareViews, onnxView } from '../compare/metrics';
import { runWithFedIndices } from './verify-fed-indices';

/** What the self-check reports of the selected rows (`--json` `verification.selected`). */
export interface SelectedRowsCheck {
  outputs: string[];
  rows: number;
  paired: number;
  /** Paired rows not at the same index. */
  reordered: number;
  /** Reference rows without a pair (their box matched none of LiteRT's). */
  unpaired: number;
  /** Present when more rows were unpaired than a near-tie at the k-th score explains: onnxruntime was run again with
   *  LiteRT's top-k indices (verify-fed-indices.ts) and the selected outputs compared by position — `maxRel` /
   *  `cosine` (worst output) — and each side's own k ranked scores as sorted lists (`scoresMaxRel` / `scoresCosine`).
   *  Both count in the verification's maxRel / cosine. */
  fedIndices?: { maxRel: number; cosine: number; scoresMaxRel: number; scoresCosine: number };
}

/** What the self-check ran, for onnxruntime's second run with LiteRT's top-k indices. */
export interface FedIndicesContext {
  onnx: string | Uint8Array;
  /** The .tflite's feeds and onnxruntime's (frozen inputs included). */
  device: Tensor[];
  onnxFeeds: Tensor[];
}

/** Longer selections are compared by position (the pairing is quadratic in the rows). */
const MAX_SELECTED_ROWS = 2048;

/** The selected-row outputs (positions in the output list, not in `skip`) with their rows paired: `outs` by position
 *  (reference and LiteRT rows in pairs order), or undefined when the model has none. A selection with more unpaired
 *  rows than its edge allows is compared by position against onnxruntime given LiteRT's top-k indices when `fed` is
 *  given and that run succeeds (`scores`: both sides' own ranked scores, sorted, to be measured too). */
export async function selectedRowsPaired(model: TflModel, tensors: number[], refs: (Tensor | undefined)[], views: (Tensor | undefined)[],
  names: string[], skip: Set<number>, fed?: FedIndicesContext)
  : Promise<{ outs: Map<number, SelectionOutput>; check: SelectedRowsCheck; scores: SelectionOutput[] } | undefined> {
  const scores: SelectionOutput[] = [];
  const outs = new Map<number, SelectionOutput>();
  const check: SelectedRowsCheck = { outputs: [], rows: 0, paired: 0, reordered: 0, unpaired: 0 };
  const missing = new Set(refs.flatMap((r, k) => (r && views[k] ? [] : [k])));
  for (const g of selectionGroups(model, tensors, refs.map((r) => r?.dims), new Set([...skip, ...missing]))) {
    if (g.k > MAX_SELECTED_ROWS) continue;
    const members = g.members.map((k) => ({ ref: toFloat32(refs[k]!), got: toFloat32(views[k]!) }));
    if (members.some((m) => m.ref.length !== m.got.length || m.ref.length % (g.outer * g.k) !== 0)) continue;
    const p = pairSelectedRows(members, g.outer, g.k);
    const run = fed && !unpairedWithinEdge(p.unpaired, p.rows)
      ? await runWithFedIndices(fed.onnx, model, g.op, fed.device, fed.onnxFeeds, g.members.map((k) => names[k]!)) : undefined;
    const byPosition = run && g.members.map((k, i) => ({ ref: toFloat32(run.ref.get(names[k]!)!), got: members[i]!.got }));
    if (run && byPosition && byPosition.every((m) => m.ref.length === m.got.length)) {
      const rows = byPosition.map((m) => compareViews(onnxView(m.ref, [m.ref.length]), onnxView(m.got, [m.got.length])));
      const s = compareViews(onnxView(run.scores.ref, [run.scores.ref.length]), onnxView(run.scores.got, [run.scores.got.length]));
      const worse = (a: number | undefined, b: number) => Math.max(a ?? 0, b);
      check.fedIndices = {
        maxRel: worse(check.fedIndices?.maxRel, Math.max(...rows.map((m) => m.rel))),
        cosine: Math.min(check.fedIndices?.cosine ?? 1, ...rows.map((m) => m.cosine)),
        scoresMaxRel: worse(check.fedIndices?.scoresMaxRel, s.rel), scoresCosine: Math.min(check.fedIndices?.scoresCosine ?? 1, s.cosine),
      };
      scores.push(run.scores);
      g.members.forEach((k, i) => outs.set(k, byPosition[i]!));
    } else g.members.forEach((k, i) => outs.set(k, p.paired[i]!));
    check.outputs.push(...g.members.map((k) => names[k]!));
    check.rows += p.rows;
    check.paired += p.pairs;
    check.reordered += p.reordered;
    check.unpaired += p.unpaired;
  }
  return check.outputs.length ? { outs, check, scores } : undefined;
}
