// The int8 search's budget (`--search-time`, mixed-precision.ts SEARCH_SECONDS) and how its rankings share it.
// The budget counts work, not time: each candidate model the search measures is charged the cost model's estimate of
// its LiteRT runs (cost-model.ts `estimatedMs`, one run a sample) plus a fixed cost a candidate and an op (building,
// writing and compiling it): `candidateWorkMs`. So the same model and calibration give the same file at any load:
// chinese_ocr's DBNet was written at load 2-5 (54 candidates, 241 s) and refused at load 25-30 (the 600-s wall-clock
// limit stopped its search). The work is in estimated milliseconds of an idle machine of the kind the cost model was
// fitted on (one LiteRT thread, WASM XNNPack), so `--search-time S` reads as seconds there; on a loaded machine the
// same search takes longer and writes the same bytes. A wall-clock ceiling of WALL_CAP × S stays as a last resort
// (a model the cost model underprices by that much): reaching it is reported as such, and only then does the load
// decide.
// A ranking is worth only the steps that use it: each ranking (the activations', then the weights') may take at most
// RANK_SHARE of the work left when it starts, and the steps after it get the rest. DEKR on a quiet machine (main at
// 1a3fff6): the activations' ranking took 201 s, the weights' 167 runs the next 395 s, and the 600-s limit stopped the
// search before any weights step was measured.
import type { TflModel } from '../tflite/model';
import { estimatedMs } from './cost-model';
import type { Scorer } from './sensitivity';

/** The share of the work left that a ranking may take. */
export const RANK_SHARE = 0.5;
/** The wall-clock ceiling, a multiple of the work budget: far above an idle machine's time for that work. */
export const WALL_CAP = 10;
/** A candidate's work beside its runs (ms): quantizing a copy of the model, writing it, its debug copy, LiteRT's
 *  compile; a fixed part and one per op. With RUN_FACTOR, fitted to the process CPU time per candidate
 *  (ONNX2LITE_TRACE_BUDGET; CPU time barely moves with the load) on 2026-12-07 (s27-search4): FastestDet 190 ops,
 *  estimated 10 ms a run, 240 ms; chinese_ocr's DBNet 192 ops, 313 ms a run, 3.4 s; chains of 1x1 convs on 4x4 maps
 *  (runs ~0) of 70 / 410 ops, 50 / 127 ms (charged 78 / 214 ms: the per-op part is set by the real models). */
export const CANDIDATE_MS = 50;
export const OP_MS = 0.4;
/** LiteRT's runs of a candidate against the cost model's estimate (the debug copy's taps, each run's set-up). */
export const RUN_FACTOR = 1.3;

/** The work one candidate model run on `samples` samples is charged (estimated ms). */
export function candidateWorkMs(model: TflModel, samples: number): number {
  const ops = model.subgraphs.reduce((n, sg) => n + sg.operators.length, 0);
  return CANDIDATE_MS + OP_MS * ops + RUN_FACTOR * samples * estimatedMs(model);
}

export class SearchBudget {
  private readonly t0: number;
  private work = 0;
  private over = false;
  private capped = false;
  private cut = false;
  /** Candidate models measured so far (the search counts them). */
  candidates = 0;
  /** `seconds`: the work budget (estimated seconds, see above); `now`: the wall clock (ms) of the safety ceiling, which
   *  is `wallSeconds` (WALL_CAP × `seconds` unless given). */
  constructor(readonly seconds: number, private readonly now: () => number = () => performance.now(),
    readonly wallSeconds: number = WALL_CAP * seconds) {
    this.t0 = now();
  }

  /** One candidate measured: `workMs` is its charge (candidateWorkMs). */
  charge(workMs: number): void {
    this.candidates++;
    this.work += workMs;
  }

  /** The work charged so far (estimated ms). */
  get workMs(): number {
    return this.work;
  }

  /** Past the budget (or, as a last resort, the wall-clock ceiling): no further candidate is measured. */
  readonly stop = (): boolean => {
    if (this.over) return true;
    if (this.work > this.seconds * 1000) return (this.over = true);
    if (this.elapsedMs() > this.wallSeconds * 1000) return (this.over = this.capped = true);
    return false;
  };

  /** The stop for a ranking starting now: the budget, or RANK_SHARE of the work left now, whichever comes first. */
  ranking(share = RANK_SHARE): () => boolean {
    const start = this.work;
    const left = this.seconds * 1000 - start;
    let cut = false;
    return () => {
      if (this.stop()) return true;
      if (!cut && this.work - start > share * left) cut = this.cut = true;
      return cut;
    };
  }

  elapsedMs(): number {
    return this.now() - this.t0;
  }

  /** Whether the budget (or the ceiling) stopped the search (`--json`'s searchStopped). */
  get stopped(): boolean {
    return this.over;
  }

  /** Whether the wall-clock ceiling stopped it: only then does the result depend on the machine's load. */
  get wallCapped(): boolean {
    return this.capped;
  }

  /** Whether a ranking stopped at its share of the work left (reported on the progress lines). */
  get rankingCut(): boolean {
    return this.cut;
  }
}

/** `scorer` with each candidate charged to `budget` (candidateWorkMs over `samples` samples). With
 *  ONNX2LITE_TRACE_BUDGET set, each charge is printed beside the process CPU time the candidate took (to fit the
 *  constants above: CPU time, unlike wall time, barely moves with the load). */
export function chargedScorer(scorer: Scorer, budget: SearchBudget, samples: number): Scorer {
  const trace = process.env.ONNX2LITE_TRACE_BUDGET ? (l: string) => console.error(l) : undefined;
  const cpu = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  let last = process.cpuUsage();
  return {
    ...scorer,
    async score(model, metadata) {
      const work = candidateWorkMs(model, samples);
      budget.charge(work);
      const c0 = process.cpuUsage();
      const s = await scorer.score(model, metadata);
      trace?.(`budget: candidate ${budget.candidates} charged ${work.toFixed(0)} ms (estimated ${estimatedMs(model).toFixed(2)} ms a run, `
        + `${model.subgraphs[0].operators.length} ops), took ${cpu(process.cpuUsage(c0)).toFixed(0)} ms CPU, ${cpu(process.cpuUsage(last)).toFixed(0)} ms CPU since the last`);
      last = process.cpuUsage();
      return s;
    },
  };
}
