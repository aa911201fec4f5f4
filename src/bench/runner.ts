/**
 * The measuring loop. Candidates are set up once, warmed up (samples kept but reported apart), then run
 * INTERLEAVED — one run of each candidate per round, the starting candidate rotating every round — so a slow
 * drift of the machine (page cache, thermal, a background job) spreads over every candidate instead of
 * landing on whichever ran last. Each run is timed with process.hrtime.bigint() around `run()` only.
 *
 * A candidate is never dropped silently: one with a `skipReason`, or whose setup throws, is reported as
 * `skipped` (setup throwing `Unavailable` gives its message as the reason); one whose run throws or exceeds the run timeout is reported as `failed` with that reason and
 * takes no further part (its samples so far stay in the raw data, but it gets no summary or ratio).
 */
import { FailedPrecondition, InvalidArgument, codeOf } from '../errors/index.js';
import { summarize, type Summary } from './stats.js';

export interface Candidate {
  /** Row label in the report, unique within one benchmark, e.g. "docker run". */
  name: string;
  /** One-time preparation outside the measurement; throwing skips the candidate with the error as reason. */
  setup?(): Promise<void>;
  /**
   * The operation measured. Must throw when the operation did not really succeed. It may report phases it
   * timed itself (create, start, exec…); with `totalNs` it replaces the runner's own timing of the call, so
   * untimed per-run cleanup (removing the container) stays out of the sample.
   */
  run(): Promise<void | RunOutcome>;
  /** Undo of setup; called once even when setup or a run failed. Errors are reported, not thrown. */
  teardown?(): Promise<void>;
  /** When set, the candidate is not run at all and is reported as skipped with this reason. */
  skipReason?: string;
}

/** Durations in nanoseconds, by phase name. */
export type PhaseSamples = Record<string, number>;

export interface RunOutcome {
  phasesNs: PhaseSamples;
  totalNs?: number;
}

export type CandidateStatus = 'ok' | 'skipped' | 'failed';

export interface CandidateResult {
  name: string;
  status: CandidateStatus;
  reason?: string;
  /** Warm-up durations, nanoseconds (discarded from the summary, kept for the record). */
  warmupNs: number[];
  /** Measured durations, nanoseconds, in run order. */
  samplesNs: number[];
  /** Summary of samplesNs in milliseconds; null unless status is "ok". */
  summaryMs: Summary | null;
  /** median / baseline median; null when either is missing. */
  ratioToBaseline: number | null;
  /** Measured phase durations, nanoseconds, by phase, in run order (empty when the candidate has no phases). */
  phasesNs: Record<string, number[]>;
  /** Summary of each phase in milliseconds; null unless status is "ok". */
  phaseSummaryMs: Record<string, Summary> | null;
  /** Teardown error, if any (the numbers stay valid). */
  teardownError?: string;
}

export interface RunnerOptions {
  /** Measured rounds. Default 30. */
  runs?: number;
  /** Warm-up rounds before measuring. Default 3. */
  warmup?: number;
  /** Name of the candidate the ratios are relative to. Default: the first candidate. */
  baseline?: string;
  /** A run slower than this counts as failed. Default 120 000 ms. */
  runTimeoutMs?: number;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
  /** Monotonic clock in nanoseconds. Default process.hrtime.bigint. */
  clock?: () => bigint;
  /**
   * Time budget: no round starts after this time (ms since the epoch, per `now`): warm-ups are skipped, and
   * measured rounds stop once every candidate still running has `minRuns` samples. Default: none.
   */
  deadlineMs?: number;
  /** Measured runs kept whatever the deadline (capped at `runs`). Default 3. */
  minRuns?: number;
  /** Wall clock for the deadline, ms. Default Date.now. */
  now?: () => number;
  /** Stop between runs (Ctrl-C): the runner tears every candidate down, then throws. */
  signal?: AbortSignal;
}

export interface RunnerResult {
  /** Measured rounds done (fewer than `plannedRuns` when the time budget ran out). */
  runs: number;
  plannedRuns: number;
  warmup: number;
  baseline: string;
  candidates: CandidateResult[];
}

const MAX_RUNS = 100_000;

export async function runCandidates(candidates: readonly Candidate[], opts: RunnerOptions = {}): Promise<RunnerResult> {
  const runs = boundedCount(opts.runs ?? 30, 'runs');
  const warmup = boundedCount(opts.warmup ?? 3, 'warmup');
  const baseline = opts.baseline ?? candidates[0]?.name ?? '';
  const timeoutMs = opts.runTimeoutMs ?? 120_000;
  const log = opts.log ?? (() => {});
  const clock = opts.clock ?? ((): bigint => process.hrtime.bigint());
  const names = new Set(candidates.map((c) => c.name));
  if (names.size !== candidates.length) throw new InvalidArgument(`candidate names must be unique: ${candidates.map((c) => c.name).join(', ')}`);

  const results = candidates.map<CandidateResult>((c) => ({
    name: c.name,
    status: 'ok',
    warmupNs: [],
    samplesNs: [],
    summaryMs: null,
    ratioToBaseline: null,
    phasesNs: {},
    phaseSummaryMs: null,
  }));
  const wasSetUp: boolean[] = candidates.map(() => false);
  let measured = runs;

  try {
    for (const [i, c] of candidates.entries()) {
      const r = results[i]!;
      if (c.skipReason !== undefined) {
        skip(r, c.skipReason);
        log(`skip ${c.name}: ${c.skipReason}`);
        continue;
      }
      try {
        wasSetUp[i] = true;
        await c.setup?.();
      } catch (e) {
        // An `Unavailable` from setup is the expected "this peer is not here" answer; anything else is a fault.
        skip(r, codeOf(e) === 'unavailable' ? messageOf(e) : `setup failed: ${messageOf(e)}`);
        log(`skip ${c.name}: ${r.reason}`);
      }
    }

    const timeOne = async (i: number, isWarmup: boolean, label: string): Promise<void> => {
      const c = candidates[i]!;
      const r = results[i]!;
      const start = clock();
      let outcome: void | RunOutcome;
      try {
        outcome = await withTimeout(c.run(), timeoutMs, `${c.name} did not finish within ${timeoutMs} ms`);
      } catch (e) {
        r.status = 'failed';
        r.reason = `${label} failed: ${messageOf(e)}`;
        log(`fail ${c.name}: ${r.reason}`);
        return;
      }
      const elapsed = Number(clock() - start);
      const total = outcome?.totalNs ?? elapsed;
      if (isWarmup) {
        r.warmupNs.push(total);
        return;
      }
      r.samplesNs.push(total);
      for (const [phase, ns] of Object.entries(outcome?.phasesNs ?? {})) (r.phasesNs[phase] ??= []).push(ns);
      log(`${c.name} ${label}: ${(total / 1e6).toFixed(1)} ms`);
    };

    const rounds = warmup + runs;
    const minRuns = Math.min(runs, opts.minRuns ?? 3);
    const now = opts.now ?? Date.now;
    const enoughSamples = (): boolean => results.every((r) => r.status !== 'ok' || r.samplesNs.length >= minRuns);
    for (let round = 0; round < rounds; round++) {
      const isWarmup = round < warmup;
      const pastDeadline = opts.deadlineMs !== undefined && now() >= opts.deadlineMs;
      if (isWarmup && pastDeadline) {
        log(`time budget reached: warm-up ${round + 1} skipped`);
        continue;
      }
      if (!isWarmup && pastDeadline && enoughSamples()) {
        measured = round - warmup;
        log(`time budget reached: ${measured} of ${runs} runs`);
        break;
      }
      for (const i of rotation(candidates.length, round)) {
        if (opts.signal?.aborted) throw new FailedPrecondition('interrupted');
        const r = results[i]!;
        if (r.status !== 'ok') continue;
        const label = isWarmup ? `warm-up ${round + 1}` : `run ${round - warmup + 1}`;
        await timeOne(i, isWarmup, label);
      }
      if ((round + 1) % 10 === 0 || round + 1 === rounds) log(`round ${round + 1}/${rounds}`);
    }
  } finally {
    for (const [i, c] of candidates.entries()) {
      if (!wasSetUp[i] || !c.teardown) continue;
      try {
        await c.teardown();
      } catch (e) {
        results[i]!.teardownError = messageOf(e);
      }
    }
  }

  for (const r of results) {
    if (r.status !== 'ok') continue;
    r.summaryMs = summarize(r.samplesNs.map((ns) => ns / 1e6));
    const phases = Object.entries(r.phasesNs);
    if (phases.length > 0) r.phaseSummaryMs = Object.fromEntries(phases.map(([p, xs]) => [p, summarize(xs.map((ns) => ns / 1e6))!]));
  }
  const base = results.find((r) => r.name === baseline)?.summaryMs?.median;
  for (const r of results) {
    if (r.summaryMs && base !== undefined && base > 0) r.ratioToBaseline = r.summaryMs.median / base;
  }
  return { runs: measured, plannedRuns: runs, warmup, baseline, candidates: results };
}

/** Candidate indices for one round: every candidate once, starting at `round mod count`. */
export function rotation(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, k) => (round + k) % count);
}

function skip(r: CandidateResult, reason: string): void {
  r.status = 'skipped';
  r.reason = reason;
}

function boundedCount(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_RUNS) throw new InvalidArgument(`${what} must be an integer in 0..${MAX_RUNS}, got ${n}`);
  return n;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
