import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, ContainerSummary } from '../api/types.js';
import { isNoop, planUp, type ContainerStep } from './plan.js';
import { LABEL_CONFIG_HASH, LABEL_NUMBER, LABEL_ONEOFF, LABEL_PROJECT, LABEL_SERVICE, type StackProject, type StackService } from './types.js';

function service(name: string, over: Partial<StackService> = {}): StackService {
  return {
    name,
    image: 'busybox',
    environment: {},
    ports: [],
    expose: [],
    mounts: [],
    networks: { default: { aliases: [] } },
    dependsOn: {},
    replicas: 1,
    resources: {},
    labels: {},
    tmpfs: {},
    profiles: [],
    configHash: `hash-${name}`,
    ...over,
  };
}

function project(...services: StackService[]): StackProject {
  return {
    name: 'demo',
    workingDir: '/srv/demo',
    files: ['/srv/demo/compose.yaml'],
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    networks: { default: { name: 'demo_default', external: false, internal: false, labels: {} }, back: { name: 'demo_back', external: false, internal: false, labels: {} } },
    volumes: { data: { name: 'demo_data', external: false, labels: {} } },
    warnings: [],
  };
}

let seq = 0;
function ctr(service: string, n: number, opts: { hash?: string; state?: ContainerStatus; project?: string; oneoff?: boolean } = {}): ContainerSummary {
  seq++;
  return {
    id: `id-${service}-${n}-${seq}`,
    name: `demo-${service}-${n}`,
    image: 'busybox',
    imageId: 'sha256:x',
    command: 'sh',
    created: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    state: opts.state ?? 'running',
    exitCode: 0,
    startedAt: null,
    finishedAt: null,
    labels: {
      [LABEL_PROJECT]: opts.project ?? 'demo',
      [LABEL_SERVICE]: service,
      [LABEL_NUMBER]: String(n),
      [LABEL_CONFIG_HASH]: opts.hash ?? `hash-${service}`,
      ...(opts.oneoff ? { [LABEL_ONEOFF]: 'true' } : {}),
    },
  };
}

const actions = (steps: readonly ContainerStep[]): string[] => steps.map((s) => `${s.action} ${s.name}`);

void test('an empty host: every replica is created, networks and volumes in first-use order, services in the given order', () => {
  const p = project(
    service('db', { mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false }] }),
    service('web', { replicas: 2, networks: { default: { aliases: [] }, back: { aliases: [] } } }),
  );
  const plan = planUp(p, [], { order: ['db', 'web'] });
  assert.deepEqual(plan.networks, ['default', 'back']);
  assert.deepEqual(plan.volumes, ['data']);
  assert.deepEqual(plan.services.map((s) => [s.service, actions(s.steps)]), [
    ['db', ['create demo-db-1']],
    ['web', ['create demo-web-1', 'create demo-web-2']],
  ]);
  assert.equal(isNoop(plan), false);
});

void test('an unchanged, running project plans nothing but keeps', () => {
  const p = project(service('db'), service('web', { replicas: 2 }));
  const plan = planUp(p, [ctr('db', 1), ctr('web', 1), ctr('web', 2)], { order: ['db', 'web'] });
  assert.deepEqual(plan.services.flatMap((s) => actions(s.steps)), ['keep demo-db-1', 'keep demo-web-1', 'keep demo-web-2']);
  assert.equal(isNoop(plan), true);
});

void test('a changed hash recreates that service only; a stopped unchanged container is started', () => {
  const p = project(service('db'), service('web', { configHash: 'hash-web-v2' }), service('init'));
  const plan = planUp(p, [ctr('db', 1), ctr('web', 1), ctr('init', 1, { state: 'exited' })], { order: ['init', 'db', 'web'] });
  assert.deepEqual(plan.services.flatMap((s) => actions(s.steps)), ['start demo-init-1', 'keep demo-db-1', 'recreate demo-web-1']);
  const web = plan.services[2]!.steps[0]!;
  assert.equal(web.action === 'recreate' && web.reason, 'configuration changed');
});

void test('--force-recreate recreates everything, --no-recreate nothing', () => {
  const p = project(service('db'), service('web', { configHash: 'new' }));
  const current = [ctr('db', 1), ctr('web', 1)];
  const forced = planUp(p, current, { order: ['db', 'web'], forceRecreate: true });
  assert.deepEqual(forced.services.flatMap((s) => s.steps.map((st) => (st.action === 'recreate' ? st.reason : st.action))), ['forced', 'configuration changed']);
  const kept = planUp(p, current, { order: ['db', 'web'], noRecreate: true });
  assert.deepEqual(kept.services.flatMap((s) => actions(s.steps)), ['keep demo-db-1', 'keep demo-web-1']);
});

void test('scaling down removes the highest numbers first; scaling up fills the lowest free numbers; kept replicas stay', () => {
  const p = project(service('web', { replicas: 1 }));
  const current = [ctr('web', 1), ctr('web', 2), ctr('web', 3)];
  const down = planUp(p, current, { order: ['web'] });
  assert.deepEqual(actions(down.services[0]!.steps), ['remove demo-web-3', 'remove demo-web-2', 'keep demo-web-1']);
  const up = planUp(p, [ctr('web', 2)], { order: ['web'], scale: { web: 3 } });
  assert.deepEqual(actions(up.services[0]!.steps), ['keep demo-web-2', 'create demo-web-1', 'create demo-web-3']);
  const zero = planUp(p, current, { order: ['web'], scale: { web: 0 } });
  assert.deepEqual(actions(zero.services[0]!.steps), ['remove demo-web-3', 'remove demo-web-2', 'remove demo-web-1']);
});

void test('a duplicate number or a container without a number is surplus', () => {
  const p = project(service('web', { replicas: 2 }));
  const bad = ctr('web', 1);
  bad.labels[LABEL_NUMBER] = 'x';
  bad.name = 'stray';
  const dup = ctr('web', 1);
  dup.name = 'demo-web-1-copy';
  const plan = planUp(p, [ctr('web', 1), dup, bad], { order: ['web'] });
  assert.deepEqual(actions(plan.services[0]!.steps), ['remove demo-web-1-copy', 'remove stray', 'keep demo-web-1', 'create demo-web-2']);
});

void test('containers of services gone from the file are orphans: reported, removed only with removeOrphans', () => {
  const p = project(service('web'));
  const current = [ctr('web', 1), ctr('old', 1), ctr('old', 2)];
  const plan = planUp(p, current, { order: ['web'] });
  assert.deepEqual(plan.orphans.map((o) => o.name), ['demo-old-1', 'demo-old-2']);
  assert.deepEqual(plan.orphanRemovals, []);
  const removing = planUp(p, current, { order: ['web'], removeOrphans: true });
  assert.deepEqual(actions(removing.orphanRemovals), ['remove demo-old-1', 'remove demo-old-2']);
  assert.equal(isNoop(removing), false);
});

void test('other projects, one-off containers and services outside the order are left alone', () => {
  const p = project(service('db'), service('web'));
  const current = [ctr('web', 1, { project: 'other' }), ctr('web', 1, { oneoff: true }), ctr('db', 1, { hash: 'old' })];
  const plan = planUp(p, current, { order: ['web'] });
  assert.deepEqual(plan.services.map((s) => [s.service, actions(s.steps)]), [['web', ['create demo-web-1']]]);
  assert.deepEqual(plan.orphans, []);
});

void test('a dead container is recreated even with the same configuration; network_mode services use no network', () => {
  const p = project(service('web', { networkMode: 'host', networks: {} }));
  const plan = planUp(p, [ctr('web', 1, { state: 'dead' })], { order: ['web'] });
  assert.deepEqual(actions(plan.services[0]!.steps), ['recreate demo-web-1']);
  assert.deepEqual(plan.networks, []);
});

void test('a container made from another image than the one its tag names now is recreated; the same image is kept', () => {
  const p = project(service('web'), service('db'));
  const current = [ctr('web', 1), ctr('db', 1)]; // both made from sha256:x
  const plan = planUp(p, current, { order: ['db', 'web'], imageIds: { web: 'sha256:y', db: 'sha256:x' } });
  const web = plan.services.find((s) => s.service === 'web')!.steps;
  const db = plan.services.find((s) => s.service === 'db')!.steps;
  assert.deepEqual(web.map((s) => [s.action, 'reason' in s ? s.reason : '']), [['recreate', 'image changed']]);
  assert.deepEqual(db.map((s) => s.action), ['keep']);
  // an image the store no longer has is not a reason to recreate (create would fail on it)
  assert.ok(isNoop(planUp(p, current, { order: ['db', 'web'], imageIds: {} })));
  // --no-recreate keeps it
  assert.deepEqual(planUp(p, current, { order: ['web'], noRecreate: true, imageIds: { web: 'sha256:y' } }).services[0]!.steps.map((s) => s.action), ['keep']);
});
