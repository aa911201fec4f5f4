import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../state/index.js';
import { CallbackOutbox } from './callback-outbox.js';
import { JobDb } from './job-db.js';
import { internalError } from './runner.js';

void describe('CallbackOutbox', () => {
  void it('gives up after the attempts with doubling backoff, and a new outbox over the same database resumes a pending row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pure-outbox-'));
    const db = openDatabase(join(dir, 'state.db'));
    let now = 1_000;
    const calls: number[] = [];
    const jobs = new JobDb(db);
    jobs.insert([{ id: 'j1', seq: 1, state: 'queued', priority: 0, attempts: 0, request: { command: ['true'], callbackUrl: 'http://127.0.0.1:9/' }, createdAt: 0 }]);
    jobs.markDone('j1', internalError('x'), now, 'http://127.0.0.1:9/');
    const outbox = (): CallbackOutbox =>
      new CallbackOutbox({
        jobs,
        view: (id) => jobs.get(id),
        attempts: 3,
        backoffMs: 100,
        now: () => now,
        post: () => {
          calls.push(now);
          return Promise.resolve({ ok: false, error: 'HTTP 503' });
        },
      });
    const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
    try {
      let o = outbox();
      o.start();
      await tick();
      await o.close();
      assert.deepEqual(jobs.callback('j1'), { jobId: 'j1', url: 'http://127.0.0.1:9/', state: 'pending', attempts: 1, nextAt: 1_100, lastError: 'HTTP 503' });
      // each "restart" is a new outbox over the same rows: not due before its time, then due
      for (const step of [50, 50, 200]) {
        now += step;
        o = outbox();
        o.start();
        await tick();
        await o.close();
      }
      const c = jobs.callback('j1');
      assert.equal(c?.state, 'failed');
      assert.equal(c?.attempts, 3);
      assert.equal(c?.lastError, 'HTTP 503');
      assert.deepEqual(calls, [1_000, 1_100, 1_300]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
