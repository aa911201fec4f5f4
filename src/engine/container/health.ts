/**
 * Health checks, with Docker's model.
 *
 * Words: a container's *health check* (config.healthcheck, already merged with the image's: config.ts) is a
 * *test* run inside the container every *interval*; one run is a *probe*. A probe passes when the test exits
 * 0 within *timeout*; otherwise it fails (a probe past its timeout is killed and counts as a failure, exit -1).
 * The *failing streak* counts consecutive failures. *Status*:
 *
 *   start ──► starting ──pass──► healthy ◄──pass── unhealthy
 *                │                  │                ▲
 *                └──── fail × retries (streak) ──────┘
 *
 *   - a pass at any time: healthy, streak 0 (also during the start period);
 *   - a fail while still `starting` and inside the *start period* (counted from the container's start) does not
 *     count; any other fail adds 1 to the streak, and at `retries` the status becomes unhealthy;
 *   - the last 5 probes are kept (output cut to 4 KiB), oldest first.
 *
 * The monitor runs one probe at a time per container: the first one `interval` after the start (Docker's
 * rule; compose users set short intervals), the next one `interval` after the previous one ended. A paused
 * container is not probed (its processes are frozen). It stops when the container stops; `begin` with
 * `resume` (daemon restart) continues from the stored state instead of resetting it to `starting`.
 *
 * Decisions (applyProbe) are a pure function; time, timers, the probe runner and storage are parameters, so
 * the unit tests drive it with a fake clock and never sleep.
 */
import type { ContainerStatus, HealthConfig, HealthState, HealthStatus } from '../../api/types.js';
import { HEALTH_DEFAULTS, healthArgv } from './config.js';

export type HealthProbe = HealthState['log'][number];

/** Probes kept in HealthState.log, and the output kept of each (bytes of UTF-8), as Docker. */
export const HEALTH_LOG_SIZE = 5;
export const HEALTH_OUTPUT_LIMIT = 4096;

/** Exit code recorded for a probe that timed out or could not run (Docker's -1). */
export const PROBE_NOT_RUN = -1;

/** The state after one probe: the transition table above. */
export function applyProbe(prev: HealthState, probe: HealthProbe, opts: { retries: number; inStartPeriod: boolean }): HealthState {
  const log = [...prev.log, { ...probe, output: truncateOutput(probe.output) }].slice(-HEALTH_LOG_SIZE);
  if (probe.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  if (prev.status === 'starting' && opts.inStartPeriod) return { ...prev, log };
  const failingStreak = prev.failingStreak + 1;
  return { status: failingStreak >= opts.retries ? 'unhealthy' : prev.status, failingStreak, log };
}

export function truncateOutput(text: string): string {
  const b = Buffer.from(text, 'utf8');
  return b.length <= HEALTH_OUTPUT_LIMIT ? text : b.subarray(0, HEALTH_OUTPUT_LIMIT).toString('utf8');
}

/** What a probe runner reports: the test's exit code (PROBE_NOT_RUN after a timeout) and its output. */
export interface ProbeOutcome {
  exitCode: number;
  output: string;
}

export interface HealthTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The container as the monitor needs to see it; undefined when it is gone. */
export interface HealthSubject {
  status: ContainerStatus;
  startedAt: string | null;
  healthcheck?: HealthConfig;
  health?: HealthState;
}

export interface HealthMonitorOptions {
  /**
   * Run `argv` in the container; must kill it at timeoutMs and then resolve with PROBE_NOT_RUN. null: no
   * verdict, the container was not running any more (it died or was paused meanwhile): nothing is recorded.
   */
  runProbe(id: string, argv: string[], opts: { timeoutMs: number; signal: AbortSignal }): Promise<ProbeOutcome | null>;
  load(id: string): HealthSubject | undefined;
  save(id: string, state: HealthState): void;
  /** Called on every status change (starting at a start, healthy, unhealthy). */
  onStatus(id: string, status: HealthStatus): void;
  onError?(id: string, e: unknown): void;
  /** Default: the system clock. */
  now?: () => Date;
  /** Default: the global setTimeout/clearTimeout, unref'd. */
  timers?: HealthTimers;
}

const realTimers: HealthTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Watch {
  timer: unknown;
  /** Aborted by end(): kills the probe in flight (the container stops, or the daemon does). */
  abort: AbortController;
  /** Bumped by every begin/end: a probe that finishes for an older watch is dropped. */
  generation: number;
}

export class HealthMonitor {
  readonly #o: HealthMonitorOptions;
  readonly #timers: HealthTimers;
  readonly #watches = new Map<string, Watch>();
  #generation = 0;

  constructor(opts: HealthMonitorOptions) {
    this.#o = opts;
    this.#timers = opts.timers ?? realTimers;
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  /** Ids being watched (for tests and the daemon's shutdown). */
  watched(): string[] {
    return [...this.#watches.keys()];
  }

  /**
   * Watch a container that just started (status reset to starting, streak 0, log kept, as Docker) or, with
   * resume, one found running at daemon start (its stored state kept). No-op without a health check.
   */
  begin(id: string, opts: { resume?: boolean } = {}): void {
    this.end(id);
    const subject = this.#o.load(id);
    const check = subject?.healthcheck;
    if (!subject || !check) return;
    const prev = subject.health;
    if (!opts.resume || !prev) {
      const next: HealthState = { status: 'starting', failingStreak: 0, log: prev?.log ?? [] };
      this.#o.save(id, next);
      if (prev?.status !== 'starting') this.#o.onStatus(id, 'starting');
    }
    const watch: Watch = { timer: undefined, abort: new AbortController(), generation: ++this.#generation };
    this.#watches.set(id, watch);
    this.#schedule(id, watch, check.intervalMs ?? HEALTH_DEFAULTS.intervalMs);
  }

  /** Stop probing (the container stopped or is removed, the daemon stops); a probe in flight is killed and dropped. */
  end(id: string): void {
    const w = this.#watches.get(id);
    if (!w) return;
    this.#timers.clearTimeout(w.timer);
    this.#watches.delete(id);
    w.abort.abort();
  }

  close(): void {
    for (const id of this.watched()) this.end(id);
  }

  #schedule(id: string, watch: Watch, ms: number): void {
    watch.timer = this.#timers.setTimeout(() => {
      this.#probe(id, watch).catch((e: unknown) => this.#o.onError?.(id, e));
    }, ms);
  }

  #current(id: string, watch: Watch): boolean {
    return this.#watches.get(id) === watch;
  }

  async #probe(id: string, watch: Watch): Promise<void> {
    if (!this.#current(id, watch)) return;
    const subject = this.#o.load(id);
    const check = subject?.healthcheck;
    if (!subject || !check || (subject.status !== 'running' && subject.status !== 'paused')) {
      this.end(id);
      return;
    }
    const interval = check.intervalMs ?? HEALTH_DEFAULTS.intervalMs;
    if (subject.status === 'paused') {
      this.#schedule(id, watch, interval);
      return;
    }
    const timeoutMs = check.timeoutMs ?? HEALTH_DEFAULTS.timeoutMs;
    const start = this.#now();
    let outcome: ProbeOutcome | null;
    try {
      outcome = await this.#o.runProbe(id, healthArgv(check.test), { timeoutMs, signal: watch.abort.signal });
    } catch (e) {
      outcome = { exitCode: PROBE_NOT_RUN, output: e instanceof Error ? e.message : String(e) };
    }
    if (!this.#current(id, watch)) return; // stopped meanwhile: the probe says nothing about the new run
    if (outcome === null) {
      this.#schedule(id, watch, interval);
      return;
    }
    const end = this.#now();
    const now = this.#o.load(id);
    const prev = now?.health ?? { status: 'starting' as const, failingStreak: 0, log: [] };
    const startedAt = now?.startedAt ? Date.parse(now.startedAt) : start.getTime();
    const next = applyProbe(
      prev,
      { start: start.toISOString(), end: end.toISOString(), exitCode: outcome.exitCode, output: outcome.output },
      { retries: check.retries ?? HEALTH_DEFAULTS.retries, inStartPeriod: start.getTime() - startedAt < (check.startPeriodMs ?? 0) },
    );
    this.#o.save(id, next);
    if (next.status !== prev.status) this.#o.onStatus(id, next.status);
    this.#schedule(id, watch, interval);
  }
}
