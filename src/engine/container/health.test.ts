/** The health state machine and the monitor's schedule, on a fake clock and a fake probe runner (no sleeping). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthConfig, HealthState, HealthStatus } from '../../api/types.js';
import { applyProbe, HealthMonitor, HEALTH_OUTPUT_LIMIT, PROBE_NOT_RUN, type HealthSubject, type ProbeOutcome } from './health.js';

const probe = (exitCode: number, output = '') => ({ start: 't0', end: 't1', exitCode, output });
const starting: HealthState = { status: 'starting', failingStreak: 0, log: [] };

void test('a pass makes it healthy and clears the streak, in or out of the start period', () => {
  assert.equal(applyProbe(starting, probe(0), { retries: 3, inStartPeriod: true }).status, 'healthy');
  const unhealthy: HealthState = { status: 'unhealthy', failingStreak: 4, log: [] };
  assert.deepEqual(applyProbe(unhealthy, probe(0), { retries: 3, inStartPeriod: false }), { status: 'healthy', failingStreak: 0, log: [probe(0)] });
});

void test('fails during the start period do not count while starting', () => {
  const s = applyProbe(starting, probe(1), { retries: 1, inStartPeriod: true });
  assert.equal(s.status, 'starting');
  assert.equal(s.failingStreak, 0);
  assert.equal(s.log.length, 1);
});

void test('fails count after the start period, and once healthy even inside it; retries fails make it unhealthy', () => {
  let s = applyProbe(starting, probe(1), { retries: 2, inStartPeriod: false });
  assert.deepEqual([s.status, s.failingStreak], ['starting', 1]);
  s = applyProbe(s, probe(1), { retries: 2, inStartPeriod: false });
  assert.deepEqual([s.status, s.failingStreak], ['unhealthy', 2]);
  const healthy: HealthState = { status: 'healthy', failingStreak: 0, log: [] };
  s = applyProbe(healthy, probe(1), { retries: 2, inStartPeriod: true });
  assert.deepEqual([s.status, s.failingStreak], ['healthy', 1]);
});

void test('the log keeps the last 5 probes, each output cut to 4 KiB', () => {
  let s = starting;
  for (let i = 0; i < 7; i++) s = applyProbe(s, probe(i, i === 6 ? 'x'.repeat(10_000) : `p${i}`), { retries: 100, inStartPeriod: false });
  assert.deepEqual(s.log.map((p) => p.exitCode), [2, 3, 4, 5, 6]);
  assert.equal(s.log.at(-1)?.output.length, HEALTH_OUTPUT_LIMIT);
});

/** Timers that fire only when the test advances the clock. */
class FakeClock {
  t = Date.parse('2026-11-26T12:00:00Z');
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 0;
  now = (): Date => new Date(this.t);
  timers = {
    setTimeout: (fn: () => void, ms: number): unknown => {
      const h = ++this.#next;
      this.#timers.set(h, { at: this.t + ms, fn });
      return h;
    },
    clearTimeout: (h: unknown): void => void this.#timers.delete(h as number),
  };
  pending(): number {
    return this.#timers.size;
  }
  /** Move time forward, firing due timers in order; lets the probes' promises settle after each. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.t = until;
  }
}

function harness(check: HealthConfig, results: ProbeOutcome[]) {
  const clock = new FakeClock();
  const subject: HealthSubject = { status: 'running', startedAt: clock.now().toISOString(), healthcheck: check };
  const events: HealthStatus[] = [];
  const runs: { argv: string[]; at: number; timeoutMs: number }[] = [];
  const monitor = new HealthMonitor({
    runProbe: async (_id, argv, o) => {
      runs.push({ argv, at: clock.t, timeoutMs: o.timeoutMs });
      return results.shift() ?? { exitCode: 0, output: 'ok' };
    },
    load: () => subject,
    save: (_id, s) => void (subject.health = s),
    onStatus: (_id, s) => void events.push(s),
    now: clock.now,
    timers: clock.timers,
  });
  return { clock, subject, events, runs, monitor };
}

void test('monitor: starting at begin, first probe one interval later, unhealthy after retries, healthy again', async () => {
  const h = harness({ test: ['CMD-SHELL', 'test -e /tmp/ok'], intervalMs: 200, timeoutMs: 1000, retries: 2 }, [
    { exitCode: 1, output: '' },
    { exitCode: 1, output: '' },
    { exitCode: 0, output: '' },
  ]);
  h.monitor.begin('c');
  assert.deepEqual(h.subject.health, { status: 'starting', failingStreak: 0, log: [] });
  assert.deepEqual(h.events, ['starting']);
  await h.clock.advance(199);
  assert.equal(h.runs.length, 0, 'Docker: the first probe waits one interval');
  await h.clock.advance(1);
  assert.deepEqual(h.runs[0], { argv: ['/bin/sh', '-c', 'test -e /tmp/ok'], at: h.clock.t, timeoutMs: 1000 });
  await h.clock.advance(200);
  assert.equal(h.subject.health?.status, 'unhealthy');
  await h.clock.advance(200);
  assert.equal(h.subject.health?.status, 'healthy');
  assert.deepEqual(h.events, ['starting', 'unhealthy', 'healthy']);
  assert.equal(h.subject.health?.log.length, 3);
});

void test('monitor: the start period forgives fails while starting', async () => {
  const h = harness({ test: ['CMD', 'false'], intervalMs: 100, retries: 1, startPeriodMs: 250 }, [
    { exitCode: 1, output: '' },
    { exitCode: 1, output: '' },
    { exitCode: 1, output: '' },
  ]);
  h.monitor.begin('c');
  await h.clock.advance(200);
  assert.deepEqual([h.subject.health?.status, h.subject.health?.failingStreak], ['starting', 0]);
  await h.clock.advance(100);
  assert.equal(h.subject.health?.status, 'unhealthy');
});

void test('monitor: a timed-out probe is a failure; end stops probing and drops a probe in flight', async () => {
  const h = harness({ test: ['CMD', 'sleep', '9'], intervalMs: 100, timeoutMs: 50, retries: 1 }, [{ exitCode: PROBE_NOT_RUN, output: 'timeout' }]);
  h.monitor.begin('c');
  await h.clock.advance(100);
  assert.equal(h.subject.health?.status, 'unhealthy');
  assert.equal(h.subject.health?.log[0]?.exitCode, PROBE_NOT_RUN);
  h.monitor.end('c');
  assert.equal(h.clock.pending(), 0);
  await h.clock.advance(1000);
  assert.equal(h.runs.length, 1);
});

void test('monitor: a probe with no verdict (the container stopped running meanwhile) records nothing', async () => {
  const h = harness({ test: ['CMD', 'true'], intervalMs: 100, retries: 1 }, []);
  let verdict = false;
  const monitor = new HealthMonitor({
    runProbe: async () => (verdict ? { exitCode: 1, output: '' } : null),
    load: () => h.subject,
    save: (_id, s) => void (h.subject.health = s),
    onStatus: (_id, s) => void h.events.push(s),
    now: h.clock.now,
    timers: h.clock.timers,
  });
  monitor.begin('c');
  await h.clock.advance(300);
  assert.deepEqual(h.subject.health, { status: 'starting', failingStreak: 0, log: [] });
  verdict = true;
  await h.clock.advance(100);
  assert.equal(h.subject.health?.status, 'unhealthy');
});

void test('monitor: a paused container is not probed; a stopped one ends the watch', async () => {
  const h = harness({ test: ['CMD', 'true'], intervalMs: 100 }, []);
  h.monitor.begin('c');
  h.subject.status = 'paused';
  await h.clock.advance(300);
  assert.equal(h.runs.length, 0);
  h.subject.status = 'running';
  await h.clock.advance(100);
  assert.equal(h.runs.length, 1);
  h.subject.status = 'exited';
  await h.clock.advance(100);
  assert.deepEqual(h.monitor.watched(), []);
});

void test('monitor: resume keeps the stored state (daemon restart); a new start resets it but keeps the log', async () => {
  const h = harness({ test: ['CMD', 'true'], intervalMs: 100 }, []);
  h.subject.health = { status: 'healthy', failingStreak: 0, log: [probe(0)] };
  h.monitor.begin('c', { resume: true });
  assert.equal(h.subject.health.status, 'healthy');
  assert.deepEqual(h.events, []);
  h.monitor.begin('c');
  assert.deepEqual(h.subject.health, { status: 'starting', failingStreak: 0, log: [probe(0)] });
  assert.deepEqual(h.events, ['starting']);
  assert.equal(h.clock.pending(), 1, 'one timer per container');
});
