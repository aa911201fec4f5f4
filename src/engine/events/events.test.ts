import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, matchesEvent, parseEventFilters } from './index.js';

void test('the bus numbers events, keeps the last ones, and tells subscribers until they unsubscribe', () => {
  let t = Date.parse('2026-11-26T12:00:00Z');
  const bus = new EventBus({ capacity: 2, now: () => new Date(t) });
  const seen: string[] = [];
  const off = bus.subscribe((e) => seen.push(e.action));
  bus.publish({ type: 'container', action: 'create', id: 'a' });
  t += 1000;
  bus.publish({ type: 'container', action: 'start', id: 'a' });
  off();
  bus.publish({ type: 'container', action: 'die', id: 'a' });
  assert.deepEqual(seen, ['create', 'start']);
  assert.deepEqual(bus.recent().map((e) => [e.action, e.seq]), [['start', 2], ['die', 3]]);
  assert.deepEqual(bus.recent('2026-11-26T12:00:01Z').map((e) => e.action), ['start', 'die']);
  assert.equal(bus.lastSeq, 3);
});

void test('filters: keys AND-ed, values OR-ed; container by name or id, label by key or key=value', () => {
  const bus = new EventBus();
  const e = bus.publish({ type: 'container', action: 'start', id: 'abcdef0123', attributes: { name: 'web', image: 'busybox', tier: 'front' } });
  const m = (...f: string[]) => matchesEvent(e, parseEventFilters(f));
  assert.ok(m('type=container', 'event=start'));
  assert.ok(m('event=die', 'event=start'));
  assert.ok(!m('type=image'));
  assert.ok(m('container=web') && m('container=abcdef') && !m('container=db'));
  assert.ok(m('label=tier') && m('label=tier=front') && !m('label=tier=back'));
  assert.ok(m('image=busybox'));
  assert.ok(!m('network=web'), 'a container event is not a network event');
});

void test('a bad filter names itself and the reason', () => {
  assert.throws(() => parseEventFilters(['colour=red']), /invalid filter "colour=red": unknown key "colour"/);
  assert.throws(() => parseEventFilters(['type=pod']), /invalid filter "type=pod": type is container, image, network or volume/);
  assert.throws(() => parseEventFilters(['nokey']), /invalid filter "nokey": use key=value/);
});
