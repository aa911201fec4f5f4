/**
 * The time budget of one `pure bench` invocation, so `pure bench all` with its defaults ends in about the
 * time it promises (14 minutes on a 2-core machine) however slow the machine or the peers are that day.
 *
 * The budget is shared out as the run goes: each experiment, when it starts, gets its weight's share of what
 * is left (an experiment that finished early leaves its time to the next ones), and each case, when it starts,
 * gets an equal share of what is left of its experiment. The runner stops starting measured rounds once a
 * case's deadline has passed and every candidate has at least `MIN_RUNS` samples; the report says so. A
 * case may overrun by its minimum runs, so the total is a target, not a hard limit.
 */
import type { ExperimentName } from './experiment.js';

/** Default budget of `pure bench all` (and of any set of experiments), in minutes. */
export const DEFAULT_BUDGET_MIN = 14;

/** Every case keeps at least this many measured runs, deadline or not (fewer only when fewer were asked). */
export const MIN_RUNS = 3;

/** Relative share of each experiment, from where the time goes on a 2-core VM (io dominates). */
export const WEIGHTS: Record<ExperimentName, number> = { boot: 0.15, io: 0.45, net: 0.15, overhead: 0.25 };

export class TimeBudget {
  readonly #now: () => number;
  readonly #end: number;
  readonly #pending: ExperimentName[];
  #experimentEnd = 0;

  /** `totalMs`: the whole invocation's budget; `experiments`: the ones that will run, in order. */
  constructor(totalMs: number, experiments: readonly ExperimentName[], now: () => number = Date.now) {
    this.#now = now;
    this.#end = now() + totalMs;
    this.#pending = [...experiments];
  }

  /** Call when experiment `e` starts: its deadline is its weight's share of the time left. */
  startExperiment(e: ExperimentName): number {
    const weight = (x: ExperimentName): number => WEIGHTS[x];
    const total = this.#pending.reduce((s, x) => s + weight(x), 0);
    const left = Math.max(0, this.#end - this.#now());
    this.#experimentEnd = this.#now() + (total > 0 ? (left * weight(e)) / total : 0);
    const i = this.#pending.indexOf(e);
    if (i >= 0) this.#pending.splice(i, 1);
    return this.#experimentEnd;
  }

  /** The deadline (ms since the epoch) of a case that starts now, with `casesLeft` cases (itself included). */
  caseDeadline(casesLeft: number): number {
    const left = Math.max(0, this.#experimentEnd - this.#now());
    return this.#now() + left / Math.max(1, casesLeft);
  }
}
