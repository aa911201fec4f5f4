/**
 * The container service against in-tree fakes of the parts below it (a runtime that records calls, a monitor
 * whose exits the test triggers): the order of side effects, and what recovery does with each leftover.
 * The real runc/conmon/overlay path is covered by test/lifecycle.test.ts and test/recovery.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../state/index.js';
import { ContainerService } from './service.js';
import { recoverContainers } from './recovery.js';
import { EventBus } from '../events/index.js';
import type { CgroupPort, MonitorPort, RuntimePort, RuntimeState, SnapshotPort, SpecPort } from './ports.js';

function fakes(root: string) {
  const calls: string[] = [];
  const states = new Map<string, RuntimeState>();
  let onExit: ((id: string, code: number) => void) | undefined;
  const exits = new Map<string, number>();
  const snaps = new Set<string>();
  const runtime: RuntimePort = {
    name: 'fake',
    state: async (id) => states.get(id) ?? null,
    start: async (id) => {
      calls.push(`start ${id.slice(0, 4)}`);
      states.set(id, { status: 'running', pid: 42 });
    },
    kill: async (id, sig) => {
      calls.push(`kill ${sig}`);
      states.set(id, { status: 'stopped', pid: 0 });
      exits.set(id, 137);
      onExit?.(id, 137);
    },
    pause: async () => undefined,
    resume: async () => undefined,
    delete: async (id) => {
      calls.push(`delete ${id.slice(0, 4)}`);
      states.delete(id);
    },
    list: async () => [...states.keys()],
    exec: () => {
      throw new Error('not in this test');
    },
  };
  const monitor: MonitorPort = {
    create: async (o) => {
      calls.push(`create ${o.id.slice(0, 4)}`);
      states.set(o.id, { status: 'created', pid: 42 });
      return { pid: 42, conmonPid: process.pid };
    },
    watchExits: (cb) => {
      onExit = cb;
      return { close: () => undefined };
    },
    readExitCode: async (id) => exits.get(id) ?? null,
    clearExit: async (id) => void exits.delete(id),
    openStdin: () => Promise.reject(new Error('no')),
    resize: async () => undefined,
    cleanup: async () => undefined,
  };
  const snapshotter: SnapshotPort = {
    name: 'fake',
    prepare: async (key) => (snaps.add(key), join(root, key)),
    mount: async (key) => join(root, key),
    isMounted: async (key) => snaps.has(key),
    unmount: async () => undefined,
    remove: async (key) => void snaps.delete(key),
    list: async () => [...snaps],
    rootfs: (key) => join(root, key),
  };
  const cgroups: CgroupPort = { stats: async () => null, oomKilled: async () => false, remove: async () => undefined, list: async () => [] };
  const spec: SpecPort = { build: () => ({}), resolveUser: async () => ({ uid: 0, gid: 0, additionalGids: [] }) };
  const images = { get: () => ({ id: 'sha256:1', repoTags: ['busybox:latest'], config: { Cmd: ['sh'] } }), layerDirs: () => [] };
  return { calls, states, exits, snaps, runtime, monitor, snapshotter, cgroups, spec, images, exit: (id: string, code: number) => { exits.set(id, code); onExit?.(id, code); } };
}

async function world() {
  const root = await mkdtemp(join(tmpdir(), 'pure-svc-'));
  const f = fakes(root);
  const db = openDatabase(join(root, 'state.db'));
  const bus = new EventBus();
  const svc = new ContainerService({ root, db, ...f, resolvConf: '/dev/null', events: bus });
  svc.watch();
  return { root, f, db, svc, bus, async done() { svc.close(); db.close(); await rm(root, { recursive: true, force: true }); } };
}

void test('start runs conmon create then runtime start; an exit is recorded and runc state released', async () => {
  const w = await world();
  try {
    const { id } = await w.svc.create({ image: 'busybox', name: 'a1' });
    await w.svc.start(id);
    assert.equal(w.svc.inspect(id).state.status, 'running');
    const waited = w.svc.wait(id);
    w.f.exit(id, 3);
    assert.deepEqual(await waited, { exitCode: 3, oomKilled: false });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(w.f.calls, [`create ${id.slice(0, 4)}`, `start ${id.slice(0, 4)}`, `delete ${id.slice(0, 4)}`]);
    assert.equal(w.svc.inspect(id).state.exitCode, 3);
    await w.svc.remove(id);
    assert.equal(w.f.snaps.size, 0);
    assert.throws(() => w.svc.inspect(id), /no such container/);
  } finally {
    await w.done();
  }
});

void test('recovery undoes a create that never finished and finishes a remove', async () => {
  const w = await world();
  try {
    const { id: half } = await w.svc.create({ image: 'busybox', name: 'half' });
    w.svc.repo.addIntent(half, 'create'); // as if the daemon died in the middle of the create
    const { id: going } = await w.svc.create({ image: 'busybox', name: 'going' });
    const rec = w.svc.repo.get(going)!;
    rec.status = 'removing';
    w.svc.repo.update(rec);
    w.svc.repo.addIntent(going, 'remove');
    const report = await recoverContainers({ root: w.root, service: w.svc, runtime: w.f.runtime, monitor: w.f.monitor, snapshotter: w.f.snapshotter, cgroups: w.f.cgroups });
    assert.deepEqual(report.undoneCreates, [half]);
    assert.ok(report.finishedRemoves.includes(going));
    assert.equal(w.svc.list({ all: true }).length, 0);
    assert.equal(w.f.snaps.size, 0);
    assert.deepEqual(w.svc.repo.intents(), []);
  } finally {
    await w.done();
  }
});

void test('recovery keeps a running container, records one that exited while away, deletes runtime orphans', async () => {
  const w = await world();
  try {
    const { id: alive } = await w.svc.create({ image: 'busybox', name: 'alive' });
    await w.svc.start(alive);
    const { id: died } = await w.svc.create({ image: 'busybox', name: 'died' });
    await w.svc.start(died);
    w.f.states.set(died, { status: 'stopped', pid: 0 });
    w.f.exits.set(died, 9);
    w.f.states.set('orphan', { status: 'running', pid: 7 });
    const report = await recoverContainers({ root: w.root, service: w.svc, runtime: w.f.runtime, monitor: w.f.monitor, snapshotter: w.f.snapshotter, cgroups: w.f.cgroups });
    assert.equal(w.svc.inspect(alive).state.status, 'running');
    assert.equal(w.svc.inspect(died).state.status, 'exited');
    assert.equal(w.svc.inspect(died).state.exitCode, 9);
    assert.deepEqual(report.orphans, ['runc:orphan']);
    assert.equal(w.f.states.has('orphan'), false);
  } finally {
    await w.done();
  }
});

void test('each action publishes its container event with the labels, name and image as attributes', async () => {
  const w = await world();
  try {
    const { id } = await w.svc.create({ image: 'busybox', name: 'ev1', labels: { tier: 'front', name: 'shadowed' } });
    await w.svc.start(id);
    await w.svc.pause(id);
    await w.svc.unpause(id);
    await w.svc.stop(id, 1); // the fake runtime exits at once on any kill
    await w.svc.remove(id);
    const mine = w.bus.recent().filter((e) => e.id === id);
    assert.deepEqual(mine.map((e) => e.action), ['create', 'start', 'pause', 'unpause', 'kill', 'die', 'stop', 'destroy']);
    assert.deepEqual(mine[0]?.attributes, { tier: 'front', name: 'ev1', image: 'busybox' });
    assert.deepEqual(mine.find((e) => e.action === 'die')?.attributes, { tier: 'front', name: 'ev1', image: 'busybox', exitCode: '137', oomKilled: 'false' });
    assert.equal(mine.find((e) => e.action === 'kill')?.attributes.signal, 'SIGTERM');
  } finally {
    await w.done();
  }
});
