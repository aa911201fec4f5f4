/**
 * measureIdleFootprint against real processes: each "container" is a `sleep` whose argument carries its id, so
 * the monitor lookup (comm + id in argv) is exercised for real without any engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Unavailable } from '../../src/errors/index.js';
import { measureIdleFootprint, type FootprintSubject } from './idle-footprint.js';

function sleepSubject(opts: { monitorComm?: string } = {}): FootprintSubject & { children: Map<string, ChildProcess> } {
  const children = new Map<string, ChildProcess>();
  let n = 0;
  return {
    name: 'sleeps',
    monitorComm: opts.monitorComm ?? 'sleep',
    children,
    ready: () => Promise.resolve(),
    daemonPids: () => Promise.resolve([process.pid]),
    startIdle() {
      // GNU sleep takes a fractional duration: the id is a unique, valid argument.
      const id = `3600.${process.pid}0${++n}`;
      children.set(id, spawn('sleep', [id], { stdio: 'ignore' }));
      return Promise.resolve(id);
    },
    remove(id) {
      const c = children.get(id);
      if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
  };
}

const allExited = (s: { children: Map<string, ChildProcess> }): boolean =>
  [...s.children.values()].every((c) => c.exitCode !== null || c.signalCode !== null);

void test('counts the PSS of exactly one monitor per container and removes them all', async (t) => {
  const s = sleepSubject();
  t.after(() => Promise.all([...s.children.keys()].map((id) => s.remove(id))));
  const r = await measureIdleFootprint(s, 3, { settleMs: 100 });
  assert.equal(r.status, 'ok', r.reason);
  assert.equal(r.monitorCount, 3);
  assert.ok(r.monitorPssBytes! > 0);
  assert.ok(r.daemonIdleRssBytes! > 0);
  assert.equal(r.perContainerBytes, (r.monitorPssBytes! + r.daemonGrowthBytes!) / 3);
  assert.ok(allExited(s), 'every container was removed');
});

void test('fails, naming the count, when the monitors are not found, and still removes the containers', async (t) => {
  const s = sleepSubject({ monitorComm: 'no-such-monitor' });
  t.after(() => Promise.all([...s.children.keys()].map((id) => s.remove(id))));
  const r = await measureIdleFootprint(s, 2, { settleMs: 0 });
  assert.equal(r.status, 'failed');
  assert.match(r.reason!, /found 0 no-such-monitor processes for 2 containers/);
  assert.ok(allExited(s));
});

void test('an engine that is not ready is skipped with its reason and starts nothing', async () => {
  const s = sleepSubject();
  s.ready = () => Promise.reject(new Unavailable('dockerd socket /var/run/docker.sock is absent'));
  const r = await measureIdleFootprint(s, 2);
  assert.equal(r.status, 'skipped');
  assert.equal(r.reason, 'dockerd socket /var/run/docker.sock is absent');
  assert.equal(s.children.size, 0);
});
