import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerCreateRequest } from '../api/types.js';
import { applyHealthFlags, type HealthFlags } from './health-options.js';

const apply = (f: HealthFlags): ContainerCreateRequest => {
  const req: ContainerCreateRequest = { image: 'busybox' };
  applyHealthFlags(req, f);
  return req;
};

void test('--health-cmd is a CMD-SHELL test; durations are Go durations in ms', () => {
  assert.deepEqual(apply({ healthCmd: 'test -e /tmp/ok', healthInterval: '200ms', healthTimeout: '1m30s', healthStartPeriod: '2s', healthRetries: '2' }).healthcheck, {
    test: ['CMD-SHELL', 'test -e /tmp/ok'],
    intervalMs: 200,
    timeoutMs: 90_000,
    startPeriodMs: 2000,
    retries: 2,
  });
});

void test('no health flag: no healthcheck in the request (the image decides)', () => {
  assert.equal(apply({}).healthcheck, undefined);
  assert.equal(apply({ healthcheck: true }).healthcheck, undefined);
});

void test('only --health-interval: an empty test, so the image test is kept', () => {
  assert.deepEqual(apply({ healthInterval: '5s' }).healthcheck, { test: [], intervalMs: 5000 });
});

void test('--no-healthcheck is ["NONE"] and conflicts with the other flags', () => {
  assert.deepEqual(apply({ healthcheck: false }).healthcheck, { test: ['NONE'] });
  assert.throws(() => apply({ healthcheck: false, healthCmd: 'true' }), /conflicting options: --no-healthcheck and --health-cmd/);
});

void test('bad values name the flag, the value and the reason', () => {
  assert.throws(() => apply({ healthCmd: 'true', healthInterval: '5q' }), /invalid --health-interval "5q": unknown unit "q"/);
  assert.throws(() => apply({ healthCmd: 'true', healthTimeout: '-1s' }), /invalid --health-timeout "-1s": it cannot be negative/);
  assert.throws(() => apply({ healthCmd: 'true', healthRetries: 'x' }), /invalid --health-retries "x"/);
  assert.throws(() => apply({ healthCmd: 'true', healthInterval: '10us' }), /at least 1ms/);
  assert.throws(() => apply({ healthCmd: ' ' }), /invalid --health-cmd " ": a command is required/);
});
