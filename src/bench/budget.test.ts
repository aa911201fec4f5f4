import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeBudget } from './budget.js';

void test('experiments share what is left by weight; cases share their experiment equally', () => {
  let t = 0;
  const b = new TimeBudget(1000, ['boot', 'io', 'net', 'overhead'], () => t);
  assert.equal(b.startExperiment('boot'), 150);
  assert.equal(b.caseDeadline(1), 150);
  t = 50; // boot ended early: its time goes to the rest
  const ioEnd = b.startExperiment('io');
  assert.equal(Math.round(ioEnd), Math.round(50 + (950 * 0.45) / 0.85));
  assert.equal(b.caseDeadline(4), 50 + (ioEnd - 50) / 4);
  t = ioEnd + 10; // io overran: the case deadline is now, not in the past
  assert.equal(b.caseDeadline(2), t);
});

void test('an experiment that starts after the end gets no time', () => {
  let t = 0;
  const b = new TimeBudget(100, ['net'], () => t);
  t = 500;
  assert.equal(b.startExperiment('net'), 500);
});
