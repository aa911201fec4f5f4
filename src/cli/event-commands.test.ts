import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventLine, eventTime } from './event-commands.js';

void test('an event prints as docker prints it: time type action id (attributes sorted)', () => {
  const line = eventLine({ type: 'container', action: 'start', id: 'ab12', attributes: { name: 'web', image: 'busybox' }, time: '2026-11-26T16:40:00.123Z', seq: 3 });
  assert.equal(line, '2026-11-26T16:40:00.123Z container start ab12 (image=busybox, name=web)\n');
  assert.equal(eventLine({ type: 'volume', action: 'create', id: 'v', attributes: {}, time: 't', seq: 1 }), 't volume create v\n');
});

void test('--since takes RFC 3339, Unix seconds or a duration ago', () => {
  const now = Date.parse('2026-11-26T16:40:00Z');
  assert.equal(eventTime('2026-11-26T16:00:00+01:00', '--since', now), '2026-11-26T15:00:00.000Z');
  assert.equal(eventTime('1700000000', '--since', now), '2023-11-14T22:13:20.000Z');
  assert.equal(eventTime('10m', '--since', now), '2026-11-26T16:30:00.000Z');
  assert.throws(() => eventTime('yesterday', '--since', now), /invalid --since "yesterday": use an RFC 3339 time/);
});
