/**
 * The applier against an in-test fake engine and the real EventBus: what it calls, in which order, and that it
 * waits for events (not time) before starting a dependent service.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../engine/events/index.js';
import { NotFound } from '../errors/index.js';
import type { ContainerCreateRequest, ContainerInspect, ContainerSummary, HealthStatus, NetworkInspect, StackLine, Volume } from '../api/types.js';
import { applyPlan, decodeDependsOn, encodeDependsOn } from './apply.js';
import { planUp } from './plan.js';
import type { StackEngine, StackLoader } from './ports.js';
import { LABEL_PROJECT, type StackProject, type StackService } from './types.js';

class FakeEngine {
  readonly calls: string[] = [];
  readonly views = new Map<string, ContainerInspect>();
  readonly networks = new Map<string, NetworkInspect>();
  readonly volumes = new Map<string, Volume>();
  #n = 0;
  constructor(readonly bus: EventBus) {}

  view(name: string): ContainerInspect {
    const v = [...this.views.values()].find((c) => c.name === name);
    if (!v) throw new NotFound(`no such container: "${name}"`);
    return v;
  }

  setHealth(name: string, status: HealthStatus): void {
    const v = this.view(name);
    v.state.health = { status, failingStreak: 0, log: [] };
    this.bus.publish({ type: 'container', action: 'health_status', id: v.id, attributes: { healthStatus: status } });
  }

  exit(name: string, code: number): void {
    const v = this.view(name);
    Object.assign(v.state, { running: false, status: 'exited', exitCode: code, finishedAt: new Date().toISOString() });
    this.bus.publish({ type: 'container', action: 'die', id: v.id, attributes: { exitCode: String(code) } });
  }

  port(): StackEngine {
    const find = (ref: string): ContainerInspect => this.views.get(ref) ?? this.view(ref);
    return {
      containers: {
        create: async (req: ContainerCreateRequest) => {
          const id = `c${++this.#n}`;
          this.calls.push(`create ${req.name}`);
          this.views.set(id, {
            id, name: req.name!, created: new Date(Date.now() + this.#n).toISOString(), image: req.image, imageId: 'sha256:x', path: 'sh', args: [],
            state: { status: 'created', running: false, paused: false, restarting: false, oomKilled: false, pid: 0, exitCode: 0, error: '', startedAt: null, finishedAt: null },
            restartCount: 0, config: req, runtime: 'runc', snapshotter: 'overlay', rootfs: '', logPath: '',
          });
          return { id, name: req.name!, warnings: [] };
        },
        start: async (ref) => {
          const v = find(ref);
          this.calls.push(`start ${v.name}`);
          Object.assign(v.state, { status: 'running', running: true, startedAt: new Date().toISOString() });
          if (v.config.healthcheck) v.state.health = { status: 'starting', failingStreak: 0, log: [] };
          this.bus.publish({ type: 'container', action: 'start', id: v.id });
        },
        stop: async (ref) => {
          this.calls.push(`stop ${find(ref).name}`);
        },
        restart: async (ref) => {
          this.calls.push(`restart ${find(ref).name}`);
        },
        remove: async (ref) => {
          const v = find(ref);
          this.calls.push(`remove ${v.name}`);
          this.views.delete(v.id);
        },
        list: () =>
          [...this.views.values()].map((v): ContainerSummary => ({
            id: v.id, name: v.name, image: v.image, imageId: v.imageId, command: 'sh', created: v.created, state: v.state.status,
            exitCode: v.state.exitCode, startedAt: v.state.startedAt, finishedAt: v.state.finishedAt, labels: v.config.labels ?? {},
          })),
        inspect: (ref) => structuredClone(find(ref)),
      },
      networks: {
        create: async (req) => {
          this.calls.push(`network ${req.name}`);
          const n = { id: req.name, name: req.name, driver: 'bridge', created: '', subnet: '', gateway: '', bridge: '', internal: false, labels: req.labels ?? {}, containers: [] } satisfies NetworkInspect;
          this.networks.set(req.name, n);
          return n;
        },
        inspect: (ref) => {
          const n = this.networks.get(ref);
          if (!n) throw new NotFound(`no such network: "${ref}"`);
          return n;
        },
        list: () => [...this.networks.values()],
        remove: async (ref) => void this.networks.delete(ref),
        connect: async (ref, req) => void this.calls.push(`connect ${req.container} ${ref}`),
      },
      volumes: {
        create: (req) => {
          this.calls.push(`volume ${req.name}`);
          const v: Volume = { name: req.name!, driver: 'local', mountpoint: '', createdAt: '', labels: req.labels ?? {}, scope: 'local', anonymous: false };
          this.volumes.set(v.name, v);
          return v;
        },
        get: (name) => {
          const v = this.volumes.get(name);
          if (!v) throw new NotFound(`no such volume: "${name}"`);
          return v;
        },
        list: () => [...this.volumes.values()],
        remove: async (name) => void this.volumes.delete(name),
      },
    };
  }
}

function service(name: string, over: Partial<StackService> = {}): StackService {
  return {
    name, image: 'busybox', environment: {}, ports: [], expose: [], mounts: [], networks: { default: { aliases: [] } }, dependsOn: {}, replicas: 1,
    resources: {}, labels: {}, tmpfs: {}, profiles: [], configHash: `h-${name}`, ...over,
  };
}

function project(...services: StackService[]): StackProject {
  return {
    name: 'p', workingDir: '/x', files: ['/x/compose.yaml'], warnings: [],
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    networks: { default: { name: 'p_default', external: false, internal: false, labels: {} }, ext: { name: 'shared', external: true, internal: false, labels: {} } },
    volumes: {},
  };
}

const loader: StackLoader = {
  loadProject: () => Promise.reject(new Error('not used')),
  serviceOrder: (p) => Object.keys(p.services),
  toCreateRequest: (p, s, n) => ({
    image: 'busybox', name: `${p.name}-${s}-${n}`, network: 'p_default', labels: { [LABEL_PROJECT]: p.name },
    ...(p.services[s]?.healthcheck ? { healthcheck: p.services[s].healthcheck } : {}),
  }),
  networkAttachments: (p, s) => Object.keys(p.services[s]?.networks ?? {}).map((k) => ({ network: p.networks[k]!.name, aliases: [s] })),
  renderConfig: () => '',
};

/** Resolves once `cond` holds, checked after each bus event (the fake engine publishes on every change). */
function whenEvent(bus: EventBus, cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (cond()) return resolve();
    const off = bus.subscribe(() => {
      if (cond()) {
        off();
        resolve();
      }
    });
  });
}

void test('a service_healthy dependent is created only after the health_status healthy event', async () => {
  const bus = new EventBus();
  const fake = new FakeEngine(bus);
  const p = project(service('db', { healthcheck: { test: ['CMD', 'true'] } }), service('app', { dependsOn: { db: { condition: 'service_healthy', required: true, restart: false } } }));
  const lines: StackLine[] = [];
  const run = applyPlan({ engine: fake.port(), loader, events: bus, emit: (l) => lines.push(l) }, p, planUp(p, [], { order: ['db', 'app'] }));
  await whenEvent(bus, () => fake.calls.includes('start p-db-1'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(fake.calls, ['network p_default', 'create p-db-1', 'start p-db-1'], 'app waits while db is starting');
  fake.setHealth('p-db-1', 'healthy');
  await run;
  assert.deepEqual(fake.calls.slice(3), ['create p-app-1', 'start p-app-1']);
  const shown = lines.flatMap((l) => (l.type === 'progress' ? [`${l.name} ${l.action}`] : []));
  assert.deepEqual(shown.slice(-6), ['p-db-1 waiting', 'p-db-1 healthy', 'p-app-1 creating', 'p-app-1 created', 'p-app-1 starting', 'p-app-1 started']);
});

void test('an unhealthy dependency fails the run and the dependent is never created', async () => {
  const bus = new EventBus();
  const fake = new FakeEngine(bus);
  const p = project(service('db', { healthcheck: { test: ['CMD', 'false'] } }), service('app', { dependsOn: { db: { condition: 'service_healthy', required: true, restart: false } } }));
  const run = applyPlan({ engine: fake.port(), loader, events: bus, emit: () => undefined }, p, planUp(p, [], { order: ['db', 'app'] }));
  await whenEvent(bus, () => fake.calls.includes('start p-db-1'));
  fake.setHealth('p-db-1', 'unhealthy');
  await assert.rejects(run, /^FailedPrecondition: dependency failed to start: container p-db-1 is unhealthy$/);
  assert.equal(fake.calls.includes('create p-app-1'), false);
});

void test('service_completed_successfully waits for the exit; a non-zero code names the service and the code', async () => {
  for (const code of [0, 3]) {
    const bus = new EventBus();
    const fake = new FakeEngine(bus);
    const p = project(service('init'), service('app', { dependsOn: { init: { condition: 'service_completed_successfully', required: true, restart: false } } }));
    const run = applyPlan({ engine: fake.port(), loader, events: bus, emit: () => undefined }, p, planUp(p, [], { order: ['init', 'app'] }));
    await whenEvent(bus, () => fake.calls.includes('start p-init-1'));
    fake.exit('p-init-1', code);
    if (code === 0) {
      await run;
      assert.deepEqual(fake.calls.slice(-2), ['create p-app-1', 'start p-app-1']);
    } else {
      await assert.rejects(run, /service "init" didn't complete successfully: container p-init-1 exited with code 3/);
    }
  }
});

void test('a missing external network stops the run before anything is made; extra networks are connected before start', async () => {
  const bus = new EventBus();
  const fake = new FakeEngine(bus);
  const p = project(service('web', { networks: { default: { aliases: [] }, ext: { aliases: [] } } }));
  const plan = planUp(p, [], { order: ['web'] });
  await assert.rejects(applyPlan({ engine: fake.port(), loader, events: bus, emit: () => undefined }, p, plan), /network "shared" declared as external, but could not be found/);
  assert.deepEqual(fake.calls, []);
  await fake.port().networks.create({ name: 'shared' });
  await applyPlan({ engine: fake.port(), loader, events: bus, emit: () => undefined }, p, plan);
  assert.deepEqual(fake.calls.slice(1), ['network p_default', 'create p-web-1', 'connect c1 shared', 'start p-web-1']);
});

void test('depends_on restart: true restarts a kept dependent when its dependency is recreated; others stay untouched', async () => {
  const bus = new EventBus();
  const fake = new FakeEngine(bus);
  const dep = (restart: boolean) => ({ db: { condition: 'service_started' as const, required: true, restart } });
  const p1 = project(service('db'), service('app', { dependsOn: dep(true) }), service('side', { dependsOn: dep(false) }));
  await applyPlan({ engine: fake.port(), loader, events: bus, emit: () => undefined }, p1, planUp(p1, [], { order: ['db', 'app', 'side'] }));
  fake.calls.length = 0;
  const p2 = { ...p1, services: { ...p1.services, db: service('db', { configHash: 'h-db-2' }) } };
  // the containers carry the hashes of p1 (the applier labels them): only db's differs in p2
  await applyPlan({ engine: fake.port(), loader, events: bus, emit: () => undefined }, p2, planUp(p2, fake.port().containers.list(), { order: ['db', 'app', 'side'] }));
  assert.deepEqual(fake.calls, ['stop p-db-1', 'remove p-db-1', 'create p-db-1', 'start p-db-1', 'stop p-app-1', 'start p-app-1']);
});

void test('up --wait: a container that never turns healthy times out naming it; healthy and exited-0 ones are ready', async () => {
  const bus = new EventBus();
  const fake = new FakeEngine(bus);
  const p = project(service('db', { healthcheck: { test: ['CMD', 'true'] } }), service('once'));
  const lines: StackLine[] = [];
  const run = applyPlan({ engine: fake.port(), loader, events: bus, emit: (l) => lines.push(l) }, p, planUp(p, [], { order: ['db', 'once'] }), { wait: true, timeoutMs: 5000 });
  await whenEvent(bus, () => fake.calls.includes('start p-once-1'));
  fake.exit('p-once-1', 0);
  fake.setHealth('p-db-1', 'healthy');
  await run;
  assert.deepEqual(lines.flatMap((l) => (l.type === 'progress' && (l.action === 'healthy' || l.action === 'exited') ? [`${l.name} ${l.action}`] : [])).sort(), ['p-db-1 healthy', 'p-once-1 exited']);

  const stuck = new FakeEngine(bus);
  await assert.rejects(
    applyPlan({ engine: stuck.port(), loader, events: bus, emit: () => undefined }, p, planUp(p, [], { order: ['db'] }), { wait: true, timeoutMs: 20 }),
    /^Unavailable: timed out after 0.02s waiting for p-db-1$/,
  );
});

void test('the depends_on label round-trips; unknown conditions and empty items are dropped', () => {
  const label = encodeDependsOn({ db: { condition: 'service_healthy', required: true, restart: false }, cache: { condition: 'service_started', required: false, restart: true } });
  assert.equal(label, 'db:service_healthy:true,cache:service_started:false');
  assert.deepEqual(decodeDependsOn(`${label},x:bogus:true,,`), [
    { service: 'db', condition: 'service_healthy', required: true },
    { service: 'cache', condition: 'service_started', required: false },
  ]);
  assert.deepEqual(decodeDependsOn(undefined), []);
});
