import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, timingTable, writeReport } from './report.js';
import type { RunnerResult } from './runner.js';

void test('markdownTable escapes pipes so a reason cannot break the table', () => {
  assert.equal(markdownTable(['a', 'b'], [['x|y', 'z']]), '| a | b |\n| --- | --- |\n| x\\|y | z |');
});

void test('timingTable lists a skipped candidate with its reason and ratios of the others', () => {
  const result: RunnerResult = {
    runs: 1,
    plannedRuns: 1,
    warmup: 0,
    baseline: 'runc',
    candidates: [
      { name: 'runc', status: 'ok', warmupNs: [], samplesNs: [2e6], summaryMs: { n: 1, min: 2, median: 2, p90: 2, p99: 2, max: 2, mean: 2 }, ratioToBaseline: 1, phasesNs: {}, phaseSummaryMs: null },
      { name: 'pure', status: 'skipped', reason: "'pure' is not on PATH", warmupNs: [], samplesNs: [], summaryMs: null, ratioToBaseline: null, phasesNs: {}, phaseSummaryMs: null },
    ],
  };
  const table = timingTable(result);
  assert.match(table, /\| runc \| ok \| 1 \| 2\.00 \| 2\.00 \|.*\| 1\.00x \|/);
  assert.match(table, /\| pure \| skipped: 'pure' is not on PATH \|/);
});

void test('writeReport writes pretty JSON named after the benchmark and the date', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pure-bench-report-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = await writeReport(dir, 'run-true', { x: 1 }, new Date('2026-01-02T03:04:05.678Z'));
  assert.equal(path, join(dir, 'run-true-2026-01-02T03-04-05Z.json'));
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { x: 1 });
});
