// Coarse to fine ranking, the one rule both of the int8 search's rankings take (sensitivity.ts: activations'
// rounding points; precise-weights.ts: weight ops): the items are measured in groups of ~√n consecutive ones (the
// float model with a whole group rounded), and only the worst groups' items one by one (refinedGroups), so the cost is
// ~√n + max(REFINE_RUNS, 2·√n) LiteRT runs instead of n. Each run is a candidate model over the search's samples: on
// DEKR (167 weight ops, ~2.4 s a run on a quiet machine) ranking the weights one op per run took 395 s of the
// search's 600.

/** Points measured one by one after the groups: the worst groups' points, whole groups in order from the worst, up
 *  to max(REFINE_RUNS, 2·√n) runs (at least one group). The worst quarter of the groups, as before, when that fits:
 *  every model up to 156 points ranks as it did; CREStereo's ~730 refined 196 points (7 groups of 28), LiteRT runs of
 *  3-10 s each at load 20-25 that took its whole 600-s search, and now 56 (2 groups). */
export const REFINE_RUNS = 48;

/** How many of the groups (their sizes, worst first) are refined point by point: the worst quarter, as long as their
 *  points fit max(REFINE_RUNS, 2 · size) runs, and at least one. */
export function refinedGroups(sizes: number[], size: number): number {
  const budget = Math.max(REFINE_RUNS, 2 * size);
  let runs = 0;
  let k = 0;
  for (const n of sizes.slice(0, Math.max(1, Math.ceil(sizes.length / 4)))) {
    const cost = n > 1 ? n : 0;
    if (k > 0 && runs + cost > budget) break;
    runs += cost;
    k++;
  }
  return k;
}

/** The group size for n items (~√n). */
export const groupSize = (n: number): number => Math.max(1, Math.ceil(Math.sqrt(n)));

/** The most runs the grouped ranking of n items takes: every group once, then at most max(REFINE_RUNS, 2·size) items
 *  alone. */
export function groupedRuns(n: number): number {
  const size = groupSize(n);
  return Math.ceil(n / size) + Math.max(REFINE_RUNS, 2 * size);
}

export interface GroupedRanking<T> {
  /** The search's measure (higher is better) of the float model with `items` (only) rounded. */
  measure(items: T[]): Promise<number>;
  /** One of `n` items' share of a group's measure (Scorer.share). */
  share(measure: number, n: number): number;
  /** Past the time limit: the groups not measured rank last (Infinity), the points not refined take their group's
   *  share. */
  stop: () => boolean;
  progress?: (done: number, total: number, stage: 'groups' | 'points') => void;
}

/** The items with their measures, grouped then refined (see above): the groups worst first, the refined ones' items
 *  sorted, the others' in graph order; the caller sorts (most sensitive first). Unmeasured items (past the time limit)
 *  read Infinity. */
export async function rankInGroups<T extends { measure: number }>(items: T[], r: GroupedRanking<T>): Promise<T[]> {
  const size = groupSize(items.length);
  const groups: { members: T[]; measure: number }[] = [];
  for (let i = 0; i < items.length; i += size) {
    const members = items.slice(i, i + size);
    // Past the search's time limit the groups not measured rank last (as if rounding them cost nothing).
    groups.push({ members, measure: r.stop() ? Infinity : await r.measure(members) });
    r.progress?.(groups.length, Math.ceil(items.length / size), 'groups');
  }
  groups.sort((a, b) => a.measure - b.measure);
  // The worst groups hold most of the error (a group's error is about the sum of its points').
  const refine = groups.slice(0, refinedGroups(groups.map((g) => g.members.length), size));
  // Past the search's time limit (`stop`), the points not measured yet keep their group's share, as unrefined
  // groups' points do.
  // Each point measured alone is a candidate model: reported as the groups are (a long silence otherwise: Attention
  // U-Net's 2 worst groups took 80 s at load 18).
  const alone = refine.filter((g) => g.members.length > 1).reduce((n, g) => n + g.members.length, 0);
  let refined = 0;
  for (const g of refine) {
    if (g.members.length === 1) { g.members[0].measure = g.measure; continue; }
    for (const p of g.members) {
      if (r.stop()) { p.measure = r.share(g.measure, g.members.length); continue; }
      p.measure = await r.measure([p]);
      r.progress?.(++refined, alone, 'points');
    }
    g.members.sort((a, b) => a.measure - b.measure);
  }
  // Unrefined groups' points get an equal share of their group's loss (a group's error is about the sum of its
  // points'), so they compare with the points measured alone: the group's measure itself would rank each of them as
  // bad as all of them together, ahead of worse points measured alone.
  for (const g of groups.slice(refine.length)) for (const p of g.members) p.measure = r.share(g.measure, g.members.length);
  return groups.flatMap((g) => g.members);
}
