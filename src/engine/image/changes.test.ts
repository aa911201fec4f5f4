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
