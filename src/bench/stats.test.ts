import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, percentile } from './stats.js';

void test('summarize of no samples is null, not zeros', () => {
  assert.equal(summarize([]), null);
});

void test('summarize reports order statistics independent of input order', () => {
  const s = summarize([5, 1, 4, 2, 3])!;
  assert.deepEqual(s, { n: 5, min: 1, median: 3, p90: 5, p99: 5, max: 5, mean: 3 });
});

void test('median of an even count is the mean of the two middle samples', () => {
  assert.equal(summarize([1, 2, 3, 10])!.median, 2.5);
});

void test('nearest-rank percentiles pick a real sample', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 90), 90);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 50), 7);
});
