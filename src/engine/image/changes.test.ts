import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChanges } from './changes.js';

void test('CMD in exec form and shell form', () => {
  assert.deepEqual(parseChanges(['CMD ["sh"]']).Cmd, ['sh']);
  assert.deepEqual(parseChanges(['CMD echo hi']).Cmd, ['/bin/sh', '-c', 'echo hi']);
});

void test('ENV, LABEL, EXPOSE, WORKDIR, USER, STOPSIGNAL accumulate', () => {
  const c = parseChanges(['ENV A=1 B="two words"', 'ENV C 3', 'LABEL team=core', 'EXPOSE 80 53/udp', 'WORKDIR /srv', 'USER app', 'STOPSIGNAL SIGINT']);
  assert.deepEqual(c.Env, ['A=1', 'B=two words', 'C=3']);
  assert.deepEqual(c.Labels, { team: 'core' });
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '53/udp']);
  assert.equal(c.WorkingDir, '/srv');
  assert.equal(c.User, 'app');
  assert.equal(c.StopSignal, 'SIGINT');
});

void test('unsupported instructions and bad JSON are refused by name', () => {
  assert.throws(() => parseChanges(['RUN apt-get update']), /RUN is not supported/);
  assert.throws(() => parseChanges(['CMD ["sh"']), /not a JSON array/);
  assert.throws(() => parseChanges(['EXPOSE http']), /bad port "http"/);
});

void test('HEALTHCHECK: options as Go durations in nanoseconds, CMD in shell or exec form, NONE', () => {
  assert.deepEqual(parseChanges(['HEALTHCHECK --interval=5s --timeout=1m30s --start-period=500ms --retries=4 CMD wget -q -O- localhost']).Healthcheck, {
    Interval: 5e9,
    Timeout: 90e9,
    StartPeriod: 5e8,
    Retries: 4,
    Test: ['CMD-SHELL', 'wget -q -O- localhost'],
  });
  assert.deepEqual(parseChanges(['HEALTHCHECK CMD ["test", "-e", "/ok"]']).Healthcheck, { Test: ['CMD', 'test', '-e', '/ok'] });
  assert.deepEqual(parseChanges(['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.throws(() => parseChanges(['HEALTHCHECK --interval=5q CMD true']), /--interval "5q": unknown unit "q"/);
  assert.throws(() => parseChanges(['HEALTHCHECK --colour=red CMD true']), /bad HEALTHCHECK option --colour=red/);
  assert.throws(() => parseChanges(['HEALTHCHECK --interval=5s']), /HEALTHCHECK needs CMD command or NONE/);
});
