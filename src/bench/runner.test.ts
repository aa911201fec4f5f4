import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCandidates, rotation, type Candidate } from './runner.js';

/** A fake clock that advances by the duration the running candidate declares, so results are exact. */
function fakeBench(durations: Record<string, number>) {
  let now = 0n;
  const order: string[] = [];
  const clock = (): bigint => now;
  const candidate = (name: string, extra: Partial<Candidate> = {}): Candidate => ({
    name,
    run: () => {
      order.push(name);
      now += BigInt(durations[name] ?? 0);
      return Promise.resolve();
    },
    ...extra,
  });
  return { clock, order, candidate };
}

void test('rotation runs every candidate once per round, starting one later each round', () => {
  assert.deepEqual(rotation(3, 0), [0, 1, 2]);
  assert.deepEqual(rotation(3, 1), [1, 2, 0]);
  assert.deepEqual(rotation(3, 5), [2, 0, 1]);
});

void test('candidates are interleaved run by run and warm-up samples are kept apart', async () => {
  const f = fakeBench({ a: 1_000_000, b: 3_000_000 });
  const r = await runCandidates([f.candidate('a'), f.candidate('b')], { runs: 3, warmup: 1, clock: f.clock });
  assert.deepEqual(f.order, ['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
  const [a, b] = r.candidates;
  assert.equal(a!.warmupNs.length, 1);
  assert.equal(a!.samplesNs.length, 3);
  assert.equal(a!.summaryMs!.median, 1);
  assert.equal(b!.summaryMs!.median, 3);
  assert.equal(b!.ratioToBaseline, 3);
  assert.equal(a!.ratioToBaseline, 1);
});

void test('a candidate with a skip reason is reported as skipped and never run or set up', async () => {
  const f = fakeBench({ a: 1 });
  let setUp = false;
  const r = await runCandidates(
    [f.candidate('a'), f.candidate('pure', { skipReason: "'pure' is not on PATH", setup: () => Promise.resolve(void (setUp = true)) })],
    { runs: 2, warmup: 0, clock: f.clock },
  );
  assert.equal(setUp, false);
  assert.deepEqual(f.order, ['a', 'a']);
  assert.equal(r.candidates[1]!.status, 'skipped');
  assert.equal(r.candidates[1]!.reason, "'pure' is not on PATH");
  assert.equal(r.candidates[1]!.summaryMs, null);
});

void test('a failing setup skips the candidate with the error as reason and still tears it down', async () => {
  const f = fakeBench({ a: 1 });
  let tornDown = false;
  const r = await runCandidates(
    [
      f.candidate('a'),
      f.candidate('docker', {
        setup: () => Promise.reject(new Error('Cannot connect to the Docker daemon')),
        teardown: () => Promise.resolve(void (tornDown = true)),
      }),
    ],
    { runs: 1, warmup: 0, clock: f.clock },
  );
  assert.equal(r.candidates[1]!.status, 'skipped');
  assert.match(r.candidates[1]!.reason!, /setup failed: Cannot connect/);
  assert.equal(tornDown, true);
});

void test('a run that throws marks the candidate failed and the others go on', async () => {
  const f = fakeBench({ a: 1, b: 1 });
  let calls = 0;
  const flaky = f.candidate('b', {
    run: () => (++calls === 2 ? Promise.reject(new Error('exit 125')) : Promise.resolve()),
  });
  const r = await runCandidates([f.candidate('a'), flaky], { runs: 4, warmup: 0, clock: f.clock, baseline: 'b' });
  assert.equal(r.candidates[0]!.samplesNs.length, 4);
  assert.equal(r.candidates[1]!.status, 'failed');
  assert.match(r.candidates[1]!.reason!, /^run 2 failed: exit 125$/);
  assert.equal(r.candidates[1]!.summaryMs, null);
  assert.equal(r.candidates[0]!.ratioToBaseline, null, 'no ratio without a baseline median');
});

void test('duplicate candidate names and unbounded run counts are refused', async () => {
  const f = fakeBench({});
  await assert.rejects(runCandidates([f.candidate('a'), f.candidate('a')]), /unique/);
  await assert.rejects(runCandidates([f.candidate('a')], { runs: 1e9 }), /runs must be/);
});

void test('phases a run reports are kept per phase and summarized, and its totalNs replaces the clock', async () => {
  let n = 0;
  const c: Candidate = {
    name: 'phased',
    run: () => {
      n += 1;
      return Promise.resolve({ phasesNs: { create: n * 1e6, start: 2e6 }, totalNs: (n + 2) * 1e6 });
    },
  };
  const r = await runCandidates([c], { runs: 3, warmup: 1 });
  const res = r.candidates[0]!;
  assert.deepEqual(res.warmupNs, [3e6]);
  assert.deepEqual(res.samplesNs, [4e6, 5e6, 6e6]);
  assert.deepEqual(res.phasesNs.create, [2e6, 3e6, 4e6]);
  assert.equal(res.phaseSummaryMs?.create?.median, 3);
  assert.equal(res.phaseSummaryMs?.start?.max, 2);
});

void test('a deadline stops measured rounds once every candidate has its minimum runs', async () => {
  const f = fakeBench({ a: 1_000_000, b: 1_000_000 });
  const wall = (): number => Number(f.clock() / 1_000_000n); // 1 ms of fake clock = 1 ms of wall
  // deadline already passed after the warm-up: only the minimum 3 runs are measured
  const r = await runCandidates([f.candidate('a'), f.candidate('b')], { runs: 10, warmup: 1, clock: f.clock, now: wall, deadlineMs: 1, minRuns: 3 });
  assert.equal(r.runs, 3);
  assert.equal(r.plannedRuns, 10);
  assert.equal(r.candidates[0]!.samplesNs.length, 3);
  assert.equal(r.candidates[0]!.warmupNs.length, 1);
  // a far deadline changes nothing
  const g = fakeBench({ a: 1_000_000 });
  const s = await runCandidates([g.candidate('a')], { runs: 5, warmup: 0, clock: g.clock, now: () => 0, deadlineMs: 1e12 });
  assert.equal(s.runs, 5);
  assert.equal(s.candidates[0]!.samplesNs.length, 5);
});

void test('warm-ups are skipped once the deadline has passed', async () => {
  const f = fakeBench({ a: 1_000_000 });
  const r = await runCandidates([f.candidate('a')], { runs: 4, warmup: 2, clock: f.clock, now: () => 10, deadlineMs: 5, minRuns: 1 });
  assert.equal(r.candidates[0]!.warmupNs.length, 0);
  assert.equal(r.runs, 1);
  assert.deepEqual(f.order, ['a']);
});

void test('an abort stops between runs, tears every candidate down, and throws', async () => {
  const f = fakeBench({ a: 1, b: 1 });
  const ac = new AbortController();
  const torn: string[] = [];
  const withTeardown = (name: string): Candidate => f.candidate(name, { teardown: () => Promise.resolve(void torn.push(name)) });
  const a = withTeardown('a');
  const run = a.run.bind(a);
  a.run = async () => {
    await run();
    ac.abort(); // Ctrl-C during a's first run
  };
  await assert.rejects(runCandidates([a, withTeardown('b')], { runs: 5, warmup: 0, clock: f.clock, signal: ac.signal }), /interrupted/);
  assert.deepEqual(f.order, ['a']);
  assert.deepEqual(torn, ['a', 'b']);
});
