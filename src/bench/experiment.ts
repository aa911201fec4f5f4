/**
 * What every experiment shares: the options of one `pure bench` invocation, the result of one "case" (one
 * table: a set of candidates measured interleaved on the same workload), and the runner call that produces it.
 */
import { messageOf } from '../errors/index.js';
import { runCandidates, type Candidate, type RunnerResult } from './runner.js';
import type { TimeBudget } from './budget.js';

export const EXPERIMENTS = ['boot', 'io', 'net', 'overhead'] as const;
export type ExperimentName = (typeof EXPERIMENTS)[number];

export interface BenchOptions {
  /** Measured runs per case (experiments cap the slowest cases lower, and say so). */
  runs: number;
  /** Warm-up runs per case, discarded from the summaries. */
  warmup: number;
  /** A few runs, small sizes: for a smoke test or a first look. */
  quick: boolean;
  /** Keep only candidates whose name contains one of these words (case-insensitive); null = all. */
  only: readonly string[] | null;
  /** Where images, databases and file sets are cached between runs. */
  cache: string;
  /** The Pure daemon being benchmarked. */
  pureSocket: string;
  /** One line per step. */
  log(line: string): void;
  /** The invocation's time budget (see budget.ts); none: every case does all its runs. */
  budget?: TimeBudget;
  /** Aborted on Ctrl-C: the current case stops between runs and every candidate and private daemon is torn down. */
  signal?: AbortSignal;
}

export interface CaseResult {
  experiment: ExperimentName;
  /** Unique within the report, e.g. "sqlite 2.6 MB in a volume". */
  name: string;
  description: string;
  /** Phase names in the order they happen, e.g. create, start, exec. */
  phases: string[];
  /** Which phase sum the headline ("total") stands for, e.g. "create + start + exec". */
  totalMeans: string;
  /** Runs and warm-ups used for this case when they differ from the options (slow cases), with why. */
  note?: string;
  result: RunnerResult;
}

export function keepOnly(candidates: readonly Candidate[], only: readonly string[] | null): Candidate[] {
  if (!only) return [...candidates];
  const words = only.map((w) => w.toLowerCase());
  return candidates.filter((c) => words.some((w) => c.name.toLowerCase().includes(w)));
}

/**
 * Run one case. The ratio baseline is `preferred` when it produced numbers; otherwise the first candidate
 * that did, so a missing peer never leaves a table without ratios (the report names the baseline used).
 */
export async function runCase(
  opts: BenchOptions,
  c: Omit<CaseResult, 'result'> & { candidates: readonly Candidate[]; baseline: string; runs?: number; warmup?: number; casesLeft?: number; minRuns?: number },
): Promise<CaseResult> {
  const candidates = keepOnly(c.candidates, opts.only);
  const log = (line: string): void => opts.log(`${c.experiment} · ${c.name}: ${line}`);
  log(`${candidates.map((x) => x.name).join(', ') || 'no candidate left by --only'}`);
  let result: RunnerResult;
  try {
    const deadline = opts.budget?.caseDeadline(c.casesLeft ?? 1);
    result = await runCandidates(candidates, {
      runs: c.runs ?? opts.runs,
      warmup: c.warmup ?? opts.warmup,
      baseline: c.baseline,
      log,
      runTimeoutMs: 600_000,
      ...(deadline !== undefined ? { deadlineMs: deadline } : {}),
      ...(c.minRuns !== undefined ? { minRuns: c.minRuns } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    log(`failed: ${messageOf(e)}`);
    throw e;
  }
  rebase(result);
  const { candidates: _unused, baseline: _b, runs: _r, warmup: _w, casesLeft: _l, minRuns: _m, ...rest } = c;
  return { ...rest, result };
}

/** Recompute ratios against the first ok candidate when the chosen baseline has no numbers. */
export function rebase(result: RunnerResult): void {
  const has = (name: string): boolean => result.candidates.some((r) => r.name === name && r.summaryMs);
  if (has(result.baseline)) return;
  const first = result.candidates.find((r) => r.summaryMs);
  if (!first?.summaryMs) return;
  result.baseline = first.name;
  for (const r of result.candidates) r.ratioToBaseline = r.summaryMs && first.summaryMs.median > 0 ? r.summaryMs.median / first.summaryMs.median : null;
}
