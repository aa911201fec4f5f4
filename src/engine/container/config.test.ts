/** The health check merge of a create request and its image (docker's rules, field by field). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecord, healthArgv, resolveHealthcheck } from './config.js';
import type { ImageView } from './ports.js';

const S = 1e9; // nanoseconds, as an image's config holds them
const imageCheck = { Test: ['CMD-SHELL', 'wget -q -O- localhost'], Interval: 5 * S, Timeout: 2 * S, StartPeriod: 10 * S, Retries: 4 };

void test('no request check: the image HEALTHCHECK applies, in milliseconds', () => {
  assert.deepEqual(resolveHealthcheck(undefined, imageCheck), {
    test: ['CMD-SHELL', 'wget -q -O- localhost'],
    intervalMs: 5000,
    timeoutMs: 2000,
    startPeriodMs: 10_000,
    retries: 4,
  });
});

void test('no check anywhere: none', () => {
  assert.equal(resolveHealthcheck(undefined, undefined), undefined);
});

void test('request fields override the image field by field; unset ones come from the image', () => {
  assert.deepEqual(resolveHealthcheck({ test: [], intervalMs: 200, retries: 2 }, imageCheck), {
    test: ['CMD-SHELL', 'wget -q -O- localhost'],
    intervalMs: 200,
    timeoutMs: 2000,
    startPeriodMs: 10_000,
    retries: 2,
  });
  assert.deepEqual(resolveHealthcheck({ test: ['CMD', 'true'] }, imageCheck)?.test, ['CMD', 'true']);
});

void test('docker defaults fill what neither sets', () => {
  assert.deepEqual(resolveHealthcheck({ test: ['CMD-SHELL', 'true'] }, undefined), {
    test: ['CMD-SHELL', 'true'],
    intervalMs: 30_000,
    timeoutMs: 30_000,
    startPeriodMs: 0,
    retries: 3,
  });
});

void test('["NONE"] disables the image check; an empty test with no image test is no check', () => {
  assert.equal(resolveHealthcheck({ test: ['NONE'] }, imageCheck), undefined);
  assert.equal(resolveHealthcheck({ test: [], intervalMs: 1000 }, undefined), undefined);
  assert.equal(resolveHealthcheck(undefined, { Test: ['NONE'] }), undefined);
});

void test('a malformed test or a negative value is refused with the value', () => {
  assert.throws(() => resolveHealthcheck({ test: ['RUN', 'x'] }, undefined), /invalid healthcheck test \["RUN","x"\]/);
  assert.throws(() => resolveHealthcheck({ test: ['CMD'] }, undefined), /invalid healthcheck test \["CMD"\]/);
  assert.throws(() => resolveHealthcheck({ test: ['CMD-SHELL', 'a', 'b'] }, undefined), /invalid healthcheck test/);
  assert.throws(() => resolveHealthcheck({ test: ['CMD', 'true'], intervalMs: -5 }, undefined), /invalid healthcheck intervalMs -5: it cannot be negative/);
  assert.throws(() => resolveHealthcheck({ test: ['CMD', 'true'], timeoutMs: 0.5 }, undefined), /at least 1ms/);
  assert.throws(() => resolveHealthcheck({ test: ['CMD', 'true'], retries: 1.5 }, undefined), /retries 1.5/);
});

void test('CMD-SHELL runs under /bin/sh -c, CMD runs its argv', () => {
  assert.deepEqual(healthArgv(['CMD-SHELL', 'test -e /tmp/ok']), ['/bin/sh', '-c', 'test -e /tmp/ok']);
  assert.deepEqual(healthArgv(['CMD', 'test', '-e', '/x']), ['test', '-e', '/x']);
});

void test('buildRecord stores the effective check (or none) in the record config', () => {
  const image: ImageView = { id: 'sha256:aa', repoTags: ['x'], config: { Cmd: ['sh'], Healthcheck: imageCheck } };
  const base = { id: 'c1', name: 'n', image, created: 't', snapshotter: 's', runtime: 'r' };
  const withImage = buildRecord({ ...base, req: { image: 'x' } }).record;
  assert.equal(withImage.config.healthcheck?.intervalMs, 5000);
  const disabled = buildRecord({ ...base, req: { image: 'x', healthcheck: { test: ['NONE'] } } }).record;
  assert.equal(disabled.config.healthcheck, undefined);
});
