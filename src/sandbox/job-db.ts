/**
 * Durable jobs: every accepted job is a row before the API answers (SQLite WAL: a kill -9 keeps it), and
 * every state change is one UPDATE. A daemon start reads back what was queued or running.
 */
import { migrate, type Db } from '../state/index.js';
import type { JobRecord, JobRequest, JobResult, JobState } from './types.js';

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

  markDone(id: string, result: JobResult, at: number): void {
    this.finishStmt.run(JSON.stringify(result), at, id);
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
    return this.pruneStmt.run(before).changes;
  }
}
