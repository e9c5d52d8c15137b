// The int8 search's time limit (`--search-time`, mixed-precision.ts SEARCH_SECONDS) and how its rankings share it.
// A ranking is worth only the steps that use it: each ranking (the activations', then the weights') may take at most
// RANK_SHARE of the time left when it starts, and the steps after it get the rest. DEKR on a quiet machine (main at
// 1a3fff6): the activations' ranking took 201 s, the weights' 167 runs the next 395 s, and the 600-s limit stopped the
// search before any weights step was measured. Models whose search ends sooner are not touched: the search is
// deterministic unless the limit, or a ranking's share of it, stops it.

/** The share of the time left that a ranking may take. */
export const RANK_SHARE = 0.5;

export class SearchBudget {
  private readonly t0: number;
  private over = false;
  private cut = false;
  /** Candidate models measured so far (the search counts them). */
  candidates = 0;
  /** `now`: the clock (ms); a test may give one that counts candidates instead of time. */
  constructor(readonly seconds: number, private readonly now: () => number = () => performance.now()) {
    this.t0 = now();
  }

  /** Past the time limit: no further candidate is measured (and none after it). */
  readonly stop = (): boolean => (this.over ||= this.elapsedMs() > this.seconds * 1000);

  /** The stop for a ranking starting now: the time limit, or RANK_SHARE of the time left now, whichever comes first. */
  ranking(share = RANK_SHARE): () => boolean {
    const start = this.now();
    const left = this.seconds * 1000 - (start - this.t0);
    let cut = false;
    return () => {
      if (this.stop()) return true;
      if (!cut && this.now() - start > share * left) cut = this.cut = true;
      return cut;
    };
  }

  elapsedMs(): number {
    return this.now() - this.t0;
  }

  /** Whether the limit stopped the search (`--json`'s searchStopped). */
  get stopped(): boolean {
    return this.over;
  }

  /** Whether a ranking stopped at its share of the time left (reported on the progress lines): the ranking, and so
   *  the result, depend on the time taken. */
  get rankingCut(): boolean {
    return this.cut;
  }
}
