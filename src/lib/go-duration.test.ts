import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from './go-duration.js';

void test('Go durations: units, compounds, fractions, a bare 0', () => {
  assert.equal(parseGoDuration('30s', 'x'), 30_000);
  assert.equal(parseGoDuration('500ms', 'x'), 500);
  assert.equal(parseGoDuration('1m30s', 'x'), 90_000);
  assert.equal(parseGoDuration('1h2m3.5s', 'x'), 3_723_500);
  assert.equal(parseGoDuration('1.5s', 'x'), 1500);
  assert.equal(parseGoDuration('.5s', 'x'), 500);
  assert.equal(parseGoDuration('2000us', 'x'), 2);
  assert.equal(parseGoDuration('1000000ns', 'x'), 1);
  assert.equal(parseGoDuration('0', 'x'), 0);
  assert.equal(parseGoDuration('-1s', 'x'), -1000);
});

void test('a bad duration names the value and the reason', () => {
  assert.throws(() => parseGoDuration('5q', '--health-interval'), /invalid --health-interval "5q": unknown unit "q" \(examples/);
  assert.throws(() => parseGoDuration('30', '--health-interval'), /invalid --health-interval "30": missing unit/);
  assert.throws(() => parseGoDuration('', '--health-timeout'), /invalid --health-timeout "": not a duration/);
  assert.throws(() => parseGoDuration('s', '--health-timeout'), /invalid --health-timeout "s": not a duration/);
  assert.throws(() => parseGoDuration('1m 30s', 'x'), /invalid x "1m 30s"/);
  assert.throws(() => parseGoDuration('1sx', 'x'), /invalid x "1sx": unknown unit "x"/);
});
