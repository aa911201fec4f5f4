/**
 * The callback outbox: durable, bounded delivery of finished jobs to their callbackUrl.
 *
 *   job ends ──► one transaction: result + outbox row (pending, due now)          (job-db.ts markDone)
 *   kick()   ──► due rows, up to `parallel` at once: one POST each (postCallback)
 *                  2xx             → delivered
 *                  refused/5xx/…   → attempts+1; due again after backoff·2^(attempts−1) (capped at maxBackoffMs),
 *                                    or failed once `attempts` are used up
 *   timer    ──► armed for the soonest pending row
 *   daemon start ──► start(): every row still pending is due as scheduled (an attempt the dead daemon had in
 *                flight was leased a few seconds ahead and counts as not made: delivery is at least once, so a
 *                receiver may see a job twice and should key on its id — the X-Pure-Job-Id header)
 *
 * The body is the job as GET /v1/jobs/{id} shows it at the time of the attempt.
 */
import type { JobDb, StoredCallback } from './job-db.js';
import { postCallback } from './callback.js';
import type { JobRecord } from './types.js';

export interface CallbackOutboxOptions {
  jobs: JobDb;
  /** The job as the API shows it (the body of the POST); undefined once pruned. */
  view: (id: string) => JobRecord | undefined;
  /** Attempts per job at most. Default 8. */
  attempts?: number;
  /** Wait before the second attempt, doubled after each, ms. Default 500. */
  backoffMs?: number;
  /** Longest wait between two attempts, ms. Default 60 s. */
  maxBackoffMs?: number;
  /** Per attempt, ms. Default 5000. */
  timeoutMs?: number;
  /** Deliveries in flight at once. Default 8. */
  parallel?: number;
  /** One attempt (default postCallback). */
  post?: (url: string, payload: string, o: { signal: AbortSignal; timeoutMs: number; headers: Record<string, string> }) => Promise<{ ok: boolean; error?: string }>;
  now?: () => number;
  onError?: (e: unknown) => void;
}

export class CallbackOutbox {
  private readonly now: () => number;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly stop = new AbortController();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: CallbackOutboxOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Begin delivering what is pending (daemon start: including what a previous daemon left). */
  start(): void {
    this.kick();
  }

  /** Attempt every due delivery now (a job just finished) and re-arm the timer for the next one. */
  kick(): void {
    if (this.closed) return;
    const parallel = this.o.parallel ?? 8;
    const room = parallel - this.inFlight.size;
    if (room > 0) {
      for (const c of this.o.jobs.dueCallbacks(this.now(), room + this.inFlight.size)) {
        if (this.inFlight.has(c.jobId) || this.inFlight.size >= parallel) continue;
        const p = this.attempt(c)
          .catch((e: unknown) => this.o.onError?.(e))
          .finally(() => {
            this.inFlight.delete(c.jobId);
            this.kick();
          });
        this.inFlight.set(c.jobId, p);
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.o.jobs.nextCallbackAt();
    if (next === undefined || this.closed) return;
    // rows in flight are leased into the future (attempt); a due row that found no free slot is started by
    // the kick in an attempt's finally, so a full house only needs a slow safety tick
    const wait = Math.max(next - this.now(), this.inFlight.size >= (this.o.parallel ?? 8) ? 1000 : 0);
    this.timer = setTimeout(() => this.kick(), Math.min(wait, 2 ** 31 - 1));
    this.timer.unref();
  }

  private async attempt(c: StoredCallback): Promise<void> {
    const job = this.o.view(c.jobId);
    const attempts = c.attempts + 1;
    if (!job) {
      this.o.jobs.updateCallback({ ...c, state: 'failed', attempts: c.attempts, lastError: 'the job was pruned before its callback was delivered' });
      return;
    }
    const timeoutMs = this.o.timeoutMs ?? 5000;
    // leased while in flight: not due again (nor re-armed for) until the attempt has had its time
    this.o.jobs.updateCallback({ ...c, nextAt: this.now() + timeoutMs + 1000 });
    const r = await (this.o.post ?? postCallback)(c.url, JSON.stringify(job), {
      signal: this.stop.signal,
      timeoutMs,
      headers: { 'x-pure-job-id': c.jobId, 'x-pure-delivery-attempt': String(attempts) },
    });
    // closing mid-attempt: the row stays pending (its lease runs out soon after the next daemon start)
    if (this.stop.signal.aborted && !r.ok) return;
    if (r.ok) {
      this.o.jobs.updateCallback({ jobId: c.jobId, url: c.url, state: 'delivered', attempts, nextAt: this.now() });
      return;
    }
    const max = this.o.attempts ?? 8;
    const delay = Math.min((this.o.backoffMs ?? 500) * 2 ** (attempts - 1), this.o.maxBackoffMs ?? 60_000);
    this.o.jobs.updateCallback({
      jobId: c.jobId,
      url: c.url,
      state: attempts >= max ? 'failed' : 'pending',
      attempts,
      nextAt: this.now() + delay,
      lastError: r.error ?? 'unknown error',
    });
  }

  /** Stop: abort attempts in flight (they stay pending in SQLite) and wait for them. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.stop.abort();
    await Promise.all([...this.inFlight.values()]);
  }
}
