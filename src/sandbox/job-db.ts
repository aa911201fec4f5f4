/**
 * Durable jobs: every accepted job is a row before the API answers (SQLite WAL: a kill -9 keeps it), and
 * every state change is one UPDATE. A daemon start reads back what was queued or running.
 */
import { migrate, type Db } from '../state/index.js';
import type { CallbackState, JobRecord, JobRequest, JobResult, JobState } from './types.js';

const MIGRATIONS = [
  `CREATE TABLE sandbox_jobs (
     id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL,
     state TEXT NOT NULL,
     priority INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     request TEXT NOT NULL,
     result TEXT,
     created_at INTEGER NOT NULL,
     started_at INTEGER,
     finished_at INTEGER
   );
   CREATE INDEX sandbox_jobs_state ON sandbox_jobs (state, finished_at);`,
  // the callback outbox: written in the transaction that finishes the job, so a kill -9 between the result
  // and its delivery loses neither
  `CREATE TABLE sandbox_callbacks (
     job_id TEXT PRIMARY KEY,
     url TEXT NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at INTEGER NOT NULL,
     last_error TEXT
   );
   CREATE INDEX sandbox_callbacks_due ON sandbox_callbacks (state, next_at);`,
];

interface Row {
  id: string;
  seq: number;
  state: JobState;
  priority: number;
  attempts: number;
  request: string;
  result: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface StoredJob extends JobRecord {
  seq: number;
  attempts: number;
}

/** One pending (or ended) callback delivery of the outbox. */
export interface StoredCallback {
  jobId: string;
  url: string;
  state: CallbackState;
  attempts: number;
  /** When the next attempt is due, ms since epoch. */
  nextAt: number;
  lastError?: string;
}

interface CallbackRow {
  job_id: string;
  url: string;
  state: CallbackState;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

function callbackFromRow(r: CallbackRow): StoredCallback {
  return { jobId: r.job_id, url: r.url, state: r.state, attempts: r.attempts, nextAt: r.next_at, ...(r.last_error !== null ? { lastError: r.last_error } : {}) };
}

function fromRow(r: Row): StoredJob {
  const job: StoredJob = {
    id: r.id,
    seq: r.seq,
    state: r.state,
    priority: r.priority,
    attempts: r.attempts,
    request: JSON.parse(r.request) as JobRequest,
    createdAt: r.created_at,
  };
  if (r.result !== null) job.result = JSON.parse(r.result) as JobResult;
  if (r.started_at !== null) job.startedAt = r.started_at;
  if (r.finished_at !== null) job.finishedAt = r.finished_at;
  return job;
}

export class JobDb {
  private readonly insertStmt;
  private readonly startStmt;
  private readonly finishStmt;
  private readonly requeueStmt;
  private readonly getStmt;
  private readonly pruneStmt;
  private readonly maxSeqStmt;
  private readonly cbInsertStmt;
  private readonly cbGetStmt;
  private readonly cbDueStmt;
  private readonly cbNextStmt;
  private readonly cbUpdateStmt;
  private readonly cbPruneStmt;

  constructor(private readonly db: Db) {
    migrate(db, 'sandbox', MIGRATIONS);
    this.insertStmt = db.prepare(
      'INSERT INTO sandbox_jobs (id, seq, state, priority, request, created_at) VALUES (@id, @seq, @state, @priority, @request, @createdAt)',
    );
    this.startStmt = db.prepare("UPDATE sandbox_jobs SET state = 'running', attempts = attempts + 1, started_at = ? WHERE id = ?");
    this.finishStmt = db.prepare("UPDATE sandbox_jobs SET state = 'done', result = ?, finished_at = ? WHERE id = ?");
    this.requeueStmt = db.prepare("UPDATE sandbox_jobs SET state = 'queued', started_at = NULL WHERE id = ?");
    this.getStmt = db.prepare('SELECT * FROM sandbox_jobs WHERE id = ?');
    this.pruneStmt = db.prepare("DELETE FROM sandbox_jobs WHERE state = 'done' AND finished_at < ?");
    this.maxSeqStmt = db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM sandbox_jobs');
    this.cbInsertStmt = db.prepare("INSERT OR REPLACE INTO sandbox_callbacks (job_id, url, state, attempts, next_at) VALUES (?, ?, 'pending', 0, ?)");
    this.cbGetStmt = db.prepare('SELECT * FROM sandbox_callbacks WHERE job_id = ?');
    this.cbDueStmt = db.prepare("SELECT * FROM sandbox_callbacks WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?");
    this.cbNextStmt = db.prepare("SELECT MIN(next_at) AS t FROM sandbox_callbacks WHERE state = 'pending'");
    this.cbUpdateStmt = db.prepare('UPDATE sandbox_callbacks SET state = ?, attempts = ?, next_at = ?, last_error = ? WHERE job_id = ?');
    this.cbPruneStmt = db.prepare('DELETE FROM sandbox_callbacks WHERE job_id NOT IN (SELECT id FROM sandbox_jobs)');
  }

  maxSeq(): number {
    return (this.maxSeqStmt.get() as { s: number }).s;
  }

  /** Insert a batch in one transaction: all accepted or none. */
  insert(jobs: readonly StoredJob[]): void {
    this.db.transaction(() => {
      for (const j of jobs) {
        this.insertStmt.run({ id: j.id, seq: j.seq, state: j.state, priority: j.priority, request: JSON.stringify(j.request), createdAt: j.createdAt });
      }
    })();
  }

  markRunning(id: string, at: number): void {
    this.startStmt.run(at, id);
  }

  /** Store the result and, when the job named a callbackUrl, its delivery as due now: one transaction. */
  markDone(id: string, result: JobResult, at: number, callbackUrl?: string): void {
    this.db.transaction(() => {
      this.finishStmt.run(JSON.stringify(result), at, id);
      if (callbackUrl !== undefined) this.cbInsertStmt.run(id, callbackUrl, at);
    })();
  }

  callback(jobId: string): StoredCallback | undefined {
    const r = this.cbGetStmt.get(jobId) as CallbackRow | undefined;
    return r ? callbackFromRow(r) : undefined;
  }

  /** Pending deliveries due at `now`, soonest first. */
  dueCallbacks(now: number, limit: number): StoredCallback[] {
    return (this.cbDueStmt.all(now, limit) as CallbackRow[]).map(callbackFromRow);
  }

  /** When the soonest pending delivery is due; undefined when none is pending. */
  nextCallbackAt(): number | undefined {
    return (this.cbNextStmt.get() as { t: number | null }).t ?? undefined;
  }

  updateCallback(c: StoredCallback): void {
    this.cbUpdateStmt.run(c.state, c.attempts, c.nextAt, c.lastError ?? null, c.jobId);
  }

  requeue(id: string): void {
    this.requeueStmt.run(id);
  }

  get(id: string): StoredJob | undefined {
    const r = this.getStmt.get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Jobs not finished, in queue order (for a daemon start). */
  unfinished(): StoredJob[] {
    const rows = this.db.prepare("SELECT * FROM sandbox_jobs WHERE state != 'done' ORDER BY seq").all() as Row[];
    return rows.map(fromRow);
  }

  counts(): Record<JobState, number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM sandbox_jobs GROUP BY state').all() as { state: JobState; n: number }[];
    const out: Record<JobState, number> = { queued: 0, running: 0, done: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  /** Forget finished jobs older than `before` (ms since epoch). */
  prune(before: number): number {
    const n = this.pruneStmt.run(before).changes;
    if (n > 0) this.cbPruneStmt.run();
    return n;
  }
}
