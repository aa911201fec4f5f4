/**
 * The job queue: bounded, prioritised, durable, with a concurrency limit.
 *
 * submit() checks every job of a batch, then writes them all in one transaction before answering: an
 * accepted job survives a kill -9. Dispatch takes the highest priority first, oldest first within a
 * priority. A daemon start re-queues jobs that were running when the last one died (at most once more:
 * a job that keeps killing daemons is reported internal_error), and finished results are kept for
 * `retentionMs`. A finished job's callbackUrl is delivered through the durable outbox (callback-outbox.ts):
 * its row is written with the result, so neither a retry nor a daemon restart loses it.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Db } from '../state/index.js';
import { NotFound, Unavailable, InvalidArgument } from '../errors/index.js';
import { JobDb, type StoredJob } from './job-db.js';
import type { JobRunner } from './runner.js';
import { internalError } from './runner.js';
import { CallbackOutbox, type CallbackOutboxOptions } from './callback-outbox.js';
import type { JobRecord, JobRequest, JobResult } from './types.js';

/** The queue is full: the API answers 429 with Retry-After. */
export class QueueFull extends Unavailable {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export interface SandboxServiceOptions {
  db: Db;
  runner: JobRunner;
  /** Jobs running at once. Default: 2 × CPUs. */
  concurrency: number;
  /** Jobs waiting at most; more are refused with QueueFull. Default 1000. */
  maxQueued?: number;
  /** Keep finished results this long, ms. Default 1 h. */
  retentionMs?: number;
  /** Largest batch in one submit. Default 1000. */
  maxBatch?: number;
  now?: () => number;
  onError?: (e: unknown) => void;
  /** Callback delivery: attempts, backoff, per-attempt timeout, the POST itself (tests). Defaults in callback-outbox.ts. */
  callbacks?: Pick<CallbackOutboxOptions, 'attempts' | 'backoffMs' | 'maxBackoffMs' | 'timeoutMs' | 'parallel' | 'post'>;
}

export interface QueueMetrics {
  queued: number;
  running: number;
  concurrency: number;
  capacity: number;
  accepted: number;
  rejected: number;
  completed: number;
  byStatus: Record<string, number>;
  /** Mean time from accept to start, and from start to result, over the last 1000 jobs, ms. */
  meanQueueMs: number;
  meanRunMs: number;
}

interface Pending {
  id: string;
  priority: number;
  seq: number;
}

const MAX_ATTEMPTS = 2;

export class SandboxService {
  private readonly jobs: JobDb;
  private readonly pending: Pending[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly events = new EventEmitter();
  private readonly now: () => number;
  private seq: number;
  private closed = false;
  private readonly stats = { accepted: 0, rejected: 0, completed: 0, byStatus: {} as Record<string, number>, queueMs: [] as number[], runMs: [] as number[] };
  private readonly pruner: NodeJS.Timeout;
  private readonly outbox: CallbackOutbox;

  constructor(private readonly o: SandboxServiceOptions) {
    this.jobs = new JobDb(o.db);
    this.now = o.now ?? Date.now;
    this.seq = this.jobs.maxSeq();
    this.events.setMaxListeners(0);
    this.pruner = setInterval(() => this.jobs.prune(this.now() - (o.retentionMs ?? 3_600_000)), 60_000);
    this.pruner.unref();
    this.outbox = new CallbackOutbox({
      jobs: this.jobs,
      view: (id) => {
        const j = this.jobs.get(id);
        return j ? this.view(j) : undefined;
      },
      now: this.now,
      ...o.callbacks,
      ...(o.onError ? { onError: o.onError } : {}),
    });
  }

  /** Re-queue what a previous daemon accepted but did not finish. Call once, at daemon start. */
  recover(): { requeued: number; failed: number } {
    let requeued = 0;
    let failed = 0;
    for (const j of this.jobs.unfinished()) {
      if (j.state === 'running' && j.attempts >= MAX_ATTEMPTS) {
        this.jobs.markDone(j.id, internalError(`the daemon stopped ${j.attempts} times while this job ran`), this.now(), j.request.callbackUrl);
        failed++;
        continue;
      }
      if (j.state === 'running') this.jobs.requeue(j.id);
      this.pending.push({ id: j.id, priority: j.priority, seq: j.seq });
      requeued++;
    }
    this.dispatch();
    this.outbox.start();
    return { requeued, failed };
  }

  /** Accept a batch (all or none). InvalidArgument/NotFound for bad input, QueueFull when it does not fit. */
  submit(requests: readonly JobRequest[]): JobRecord[] {
    if (this.closed) throw new Unavailable('the sandbox queue is shutting down');
    if (requests.length === 0) throw new InvalidArgument('no jobs given');
    if (requests.length > (this.o.maxBatch ?? 1000)) throw new InvalidArgument(`too many jobs in one batch: ${requests.length} (at most ${this.o.maxBatch ?? 1000})`);
    requests.forEach((r, i) => {
      try {
        this.o.runner.check(r);
      } catch (e) {
        if (requests.length === 1) throw e;
        throw new InvalidArgument(`job ${i}: ${(e as Error).message}`, { cause: e });
      }
    });
    const capacity = this.o.maxQueued ?? 1000;
    if (this.pending.length + requests.length > capacity) {
      this.stats.rejected += requests.length;
      const perJob = Math.max(0.05, mean(this.stats.runMs) / 1000 / this.o.concurrency);
      const retry = Math.max(1, Math.ceil((this.pending.length + requests.length - capacity) * perJob));
      throw new QueueFull(`the sandbox queue is full: ${this.pending.length} jobs waiting (capacity ${capacity})`, retry);
    }
    const at = this.now();
    const stored: StoredJob[] = requests.map((request) => ({
      id: randomBytes(8).toString('hex'),
      seq: ++this.seq,
      state: 'queued',
      priority: request.priority ?? 0,
      attempts: 0,
      request,
      createdAt: at,
    }));
    this.jobs.insert(stored);
    this.stats.accepted += stored.length;
    for (const j of stored) this.pending.push({ id: j.id, priority: j.priority, seq: j.seq });
    this.dispatch();
    return stored.map((j) => this.view(j));
  }

  get(id: string): JobRecord {
    const j = this.jobs.get(id);
    if (!j) throw new NotFound(`no such job: "${id}"`);
    return this.view(j);
  }

  /** The job once done, or as it is after `ms`. */
  async wait(id: string, ms: number): Promise<JobRecord> {
    const first = this.get(id);
    if (first.state === 'done' || ms <= 0) return first;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.events.once(`done:${id}`, done);
    });
    this.events.removeAllListeners(`done:${id}`);
    return this.get(id);
  }

  metrics(): QueueMetrics {
    return {
      queued: this.pending.length,
      running: this.running.size,
      concurrency: this.o.concurrency,
      capacity: this.o.maxQueued ?? 1000,
      accepted: this.stats.accepted,
      rejected: this.stats.rejected,
      completed: this.stats.completed,
      byStatus: { ...this.stats.byStatus },
      meanQueueMs: Math.round(mean(this.stats.queueMs)),
      meanRunMs: Math.round(mean(this.stats.runMs)),
    };
  }

  private dispatch(): void {
    while (!this.closed && this.running.size < this.o.concurrency && this.pending.length > 0) {
      const next = this.takeNext();
      const run = this.runOne(next.id).finally(() => {
        this.running.delete(next.id);
        this.dispatch();
      });
      this.running.set(next.id, run);
    }
  }

  /** Highest priority first; the oldest of those. */
  private takeNext(): Pending {
    let best = 0;
    for (let i = 1; i < this.pending.length; i++) {
      const a = this.pending[i]!;
      const b = this.pending[best]!;
      if (a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq)) best = i;
    }
    return this.pending.splice(best, 1)[0]!;
  }

  private async runOne(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return;
    const startedAt = this.now();
    this.jobs.markRunning(id, startedAt);
    let result: JobResult;
    try {
      result = await this.o.runner.run(job.request);
    } catch (e) {
      // input that was valid at submit may not be now (an image removed meanwhile)
      result = internalError((e as Error).message);
    }
    const at = this.now();
    this.jobs.markDone(id, result, at, job.request.callbackUrl);
    this.record(this.stats.queueMs, startedAt - job.createdAt);
    this.record(this.stats.runMs, at - startedAt);
    this.stats.completed++;
    this.stats.byStatus[result.status] = (this.stats.byStatus[result.status] ?? 0) + 1;
    this.events.emit(`done:${id}`);
    if (job.request.callbackUrl) this.outbox.kick();
  }

  /** What the API shows: the stored job without queue internals, with its callback's delivery once done. */
  private view(j: StoredJob): JobRecord {
    const { seq: _seq, attempts: _attempts, ...rest } = j;
    if (j.state !== 'done' || j.request.callbackUrl === undefined) return rest;
    const c = this.jobs.callback(j.id);
    if (!c) return rest;
    return {
      ...rest,
      callback: {
        state: c.state,
        attempts: c.attempts,
        ...(c.state === 'pending' ? { nextAttemptAt: c.nextAt } : {}),
        ...(c.lastError !== undefined && c.state !== 'delivered' ? { lastError: c.lastError } : {}),
      },
    };
  }

  private record(list: number[], v: number): void {
    list.push(v);
    if (list.length > 1000) list.shift();
  }

  /** Stop dispatching; wait for running jobs (their wall limits bound this). Queued jobs stay in the database. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pruner);
    await Promise.all([...this.running.values()]);
    await this.outbox.close();
  }
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
