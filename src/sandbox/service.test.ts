import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../state/index.js';
import { SandboxService, QueueFull } from './service.js';
import type { JobRunner } from './runner.js';
import type { JobRequest, JobResult } from './types.js';

/** A runner that records the order jobs ran in and answers at once (or when released). */
function fakeRunner(gate?: Promise<void>): { runner: JobRunner; ran: string[] } {
  const ran: string[] = [];
  const runner = {
    check: (r: JobRequest) => {
      if (r.command.length === 0) throw new Error('bad');
      return {};
    },
    run: async (r: JobRequest): Promise<JobResult> => {
      await gate;
      ran.push(r.command.join(' '));
      return { status: 'ok', exitCode: 0, signal: null, stdout: r.command.join(' '), stderr: '', stdoutTruncated: false, stderrTruncated: false, cpuTimeMs: 0, wallTimeMs: 0, peakMemoryBytes: 0, files: [] };
    },
  } as unknown as JobRunner;
  return { runner, ran };
}

void describe('SandboxService (the queue)', () => {
  void it('runs higher priorities first, oldest first within a priority', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pure-sbxq-'));
    const db = openDatabase(join(dir, 'state.db'));
    let release!: () => void;
    const { runner, ran } = fakeRunner(new Promise<void>((r) => (release = r)));
    const s = new SandboxService({ db, runner, concurrency: 1 });
    try {
      const jobs = s.submit([{ command: ['first'] }, { command: ['low'], priority: -1 }, { command: ['a'] }, { command: ['high'], priority: 5 }, { command: ['b'] }]);
      release();
      for (const j of jobs) assert.equal((await s.wait(j.id, 5000)).state, 'done');
      // the whole batch is queued before dispatch: priority decides even among jobs of one batch
      assert.deepEqual(ran, ['high', 'first', 'a', 'b', 'low']);
    } finally {
      await s.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('refuses a batch that does not fit with QueueFull and a Retry-After, accepting none of it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pure-sbxq-'));
    const db = openDatabase(join(dir, 'state.db'));
    const { runner } = fakeRunner(new Promise<void>(() => undefined));
    const s = new SandboxService({ db, runner, concurrency: 1, maxQueued: 3 });
    try {
      s.submit([{ command: ['x'] }, { command: ['y'] }]);
      assert.throws(() => s.submit([{ command: ['1'] }, { command: ['2'] }, { command: ['3'] }]), (e: unknown) => e instanceof QueueFull && e.retryAfterSeconds >= 1);
      assert.equal(s.metrics().queued, 1);
      assert.equal(s.metrics().rejected, 3);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('re-queues accepted jobs after a restart and finishes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pure-sbxq-'));
    const db = openDatabase(join(dir, 'state.db'));
    const stuck = new SandboxService({ db, runner: fakeRunner(new Promise<void>(() => undefined)).runner, concurrency: 1 });
    const ids = stuck.submit([{ command: ['one'] }, { command: ['two'] }]).map((j) => j.id);
    db.close();
    const db2 = openDatabase(join(dir, 'state.db'));
    const { runner, ran } = fakeRunner();
    const s = new SandboxService({ db: db2, runner, concurrency: 1 });
    try {
      assert.deepEqual(s.recover(), { requeued: 2, failed: 0 });
      for (const id of ids) assert.equal((await s.wait(id, 5000)).result?.status, 'ok');
      assert.deepEqual(ran, ['one', 'two']);
    } finally {
      await s.close();
      db2.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
