/**
 * Health checks and events end to end: the real daemon and CLI, probes run through runc exec in real
 * containers, events read back through GET /v1/events and `pure events`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { busyboxTarball, importBusybox, startTestDaemon, type TestDaemon } from './harness.js';
import { api } from './fixtures/api.js';
import type { ContainerInspect, ContainerSummary, PureEvent } from '../src/api/types.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon();
  await importBusybox(d);
});

after(async () => {
  const leftovers = d.pure(['ps', '-aq']).stdout.trim();
  await d.cleanup();
  assert.equal(leftovers, '', 'every test removes its containers');
  assert.deepEqual(d.leaks(), []);
});

const ok = (args: string[]): string => {
  const r = d.pure(args);
  assert.equal(r.code, 0, `pure ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
};

const inspectImage = (ref: string): string => (JSON.parse(ok(['image', 'inspect', ref])) as { id: string }[])[0]!.id;
const inspect = (ref: string): ContainerInspect => (JSON.parse(ok(['inspect', ref])) as ContainerInspect[])[0]!;

async function waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const events = (args: string[]): PureEvent[] =>
  ok(['events', '--format', 'json', ...args])
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PureEvent);

void describe('health checks', () => {
  void test('--health-cmd: starting, then unhealthy after retries fails, then healthy once the test passes; ps and inspect show it', async () => {
    const since = new Date().toISOString();
    const id = ok(['run', '-d', '--name', 'hc', '--network', 'none', '--health-cmd', 'test -e /tmp/ok', '--health-interval', '200ms', '--health-retries', '2', 'busybox', 'sleep', '1000']).trim();
    const cfg = inspect('hc').config.healthcheck;
    assert.deepEqual(cfg, { test: ['CMD-SHELL', 'test -e /tmp/ok'], intervalMs: 200, timeoutMs: 30_000, startPeriodMs: 0, retries: 2 });

    await waitFor('unhealthy', () => inspect('hc').state.health?.status === 'unhealthy');
    const sick = inspect('hc').state.health!;
    assert.ok(sick.failingStreak >= 2);
    assert.ok(sick.log.length >= 2 && sick.log.length <= 5);
    assert.ok(sick.log.every((p) => p.exitCode === 1));
    assert.match(ok(['ps']), /Up .* \(unhealthy\)\s+hc\n/);
    assert.equal(ok(['ps', '-q', '--no-trunc', '--filter', 'health=unhealthy']).trim(), id);
    assert.equal(ok(['ps', '-q', '--filter', 'health=healthy']).trim(), '');

    ok(['exec', 'hc', 'touch', '/tmp/ok']);
    await waitFor('healthy', () => inspect('hc').state.health?.status === 'healthy');
    const well = inspect('hc').state.health!;
    assert.equal(well.failingStreak, 0);
    assert.equal(well.log.at(-1)?.exitCode, 0);
    assert.ok(well.log.length <= 5);
    assert.match(ok(['ps']), /Up .* \(healthy\)\s+hc\n/);
    const summary = JSON.parse(ok(['ps', '--format', 'json', '--filter', 'name=hc']).trim()) as ContainerSummary;
    assert.equal(summary.health, 'healthy');

    // the status changes were published, in order
    const changes = events(['--since', since, '--until', new Date().toISOString(), '--filter', 'container=hc', '--filter', 'event=health_status']);
    assert.deepEqual(changes.map((e) => e.attributes.healthStatus), ['starting', 'unhealthy', 'healthy']);
    ok(['rm', '-f', 'hc']);
  });

  void test('a create request with an image-style CMD check (API): healthy, and the probe runs as the container user with its env', async () => {
    const created = await api<{ id: string }>(d, 'POST', '/v1/containers', {
      image: 'busybox',
      name: 'hc-api',
      network: 'none',
      env: ['MARK=here'],
      cmd: ['sh', '-c', 'echo here > /tmp/mark; exec sleep 1000'],
      healthcheck: { test: ['CMD', 'sh', '-c', 'test "$(cat /tmp/mark)" = "$MARK" && echo fine'], intervalMs: 150, retries: 1 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api(d, 'POST', '/v1/containers/hc-api/start')).status, 200);
    await waitFor('healthy', () => inspect('hc-api').state.health?.status === 'healthy');
    assert.equal(inspect('hc-api').state.health?.log.at(-1)?.output, 'fine\n');
    ok(['rm', '-f', 'hc-api']);
  });

  void test('the image HEALTHCHECK applies; request flags override it field by field; --no-healthcheck turns it off', async () => {
    ok(['import', '--change', 'HEALTHCHECK --interval=150ms --retries=5 CMD test -e /tmp/ready', '--change', 'CMD ["sleep", "1000"]', await busyboxTarball(), 'hc-image:1']);
    ok(['run', '-d', '--name', 'hc-img', '--network', 'none', '--health-retries', '1', 'hc-image:1']);
    assert.deepEqual(inspect('hc-img').config.healthcheck, { test: ['CMD-SHELL', 'test -e /tmp/ready'], intervalMs: 150, timeoutMs: 30_000, startPeriodMs: 0, retries: 1 });
    await waitFor('unhealthy after one failure (retries from the request)', () => inspect('hc-img').state.health?.status === 'unhealthy');
    ok(['exec', 'hc-img', 'touch', '/tmp/ready']);
    await waitFor('healthy (the image test)', () => inspect('hc-img').state.health?.status === 'healthy');
    ok(['create', '--name', 'hc-off', '--no-healthcheck', 'hc-image:1']);
    assert.equal(inspect('hc-off').config.healthcheck, undefined);
    ok(['rm', '-f', 'hc-img', 'hc-off']);
    ok(['rmi', 'hc-image:1']);
  });

  void test('a probe past its timeout is killed in the container and counts as a failure', async () => {
    ok(['run', '-d', '--name', 'hc-slow', '--network', 'none', '--health-cmd', 'sleep 77', '--health-timeout', '300ms', '--health-interval', '200ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
    await waitFor('unhealthy', () => inspect('hc-slow').state.health?.status === 'unhealthy');
    const last = inspect('hc-slow').state.health!.log.at(-1)!;
    assert.equal(last.exitCode, -1);
    assert.match(last.output, /Health check exceeded timeout \(300ms\)/);
    // killed at their timeout, the probes' processes do not pile up in the container: at most the one running now
    await waitFor('three timed-out probes', () => inspect('hc-slow').state.health!.log.filter((p) => p.exitCode === -1).length >= 3);
    const sleeps = ok(['exec', 'hc-slow', 'ps', '-o', 'args']).split('\n').filter((l) => l.includes('sleep 77'));
    assert.ok(sleeps.length <= 1, `leftover probes: ${sleeps.join(' | ')}`);
    ok(['rm', '-f', 'hc-slow']);
  });

  void test('--no-healthcheck and no flag: no health; a restart of the daemon keeps the state and probing resumes', async () => {
    ok(['run', '-d', '--name', 'plain', '--network', 'none', 'busybox', 'sleep', '1000']);
    assert.equal(inspect('plain').state.health, undefined);
    assert.match(ok(['ps', '--filter', 'health=none']), /plain/);
    ok(['rm', '-f', 'plain']);

    ok(['run', '-d', '--name', 'hc-keep', '--network', 'none', '--health-cmd', 'test -e /tmp/ok', '--health-interval', '200ms', '--health-retries', '1', 'busybox', 'sleep', '1000']);
    await waitFor('unhealthy', () => inspect('hc-keep').state.health?.status === 'unhealthy');
    await d.kill9();
    await d.restart();
    assert.equal(inspect('hc-keep').state.health?.status, 'unhealthy', 'kept across the daemon restart');
    ok(['exec', 'hc-keep', 'touch', '/tmp/ok']);
    await waitFor('healthy after the restart', () => inspect('hc-keep').state.health?.status === 'healthy');
    ok(['rm', '-f', 'hc-keep']);
  });

  void test('a bad --health-interval is one line, exit 125, and creates nothing', () => {
    const r = d.pure(['run', '--name', 'bad-hc', '--health-cmd', 'true', '--health-interval', '5q', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.equal(r.stderr, 'pure: invalid --health-interval "5q": unknown unit "q" (examples: 500ms, 30s, 1m30s)\n');
    assert.equal(d.pure(['inspect', 'bad-hc']).code, 1);
    const c = d.pure(['create', '--no-healthcheck', '--health-cmd', 'true', 'busybox']);
    assert.equal(c.code, 125);
    assert.match(c.stderr, /^pure: conflicting options: --no-healthcheck and --health-cmd\n$/);
  });
});

void describe('events', () => {
  void test('events --since shows a container\'s create, start, health_status, kill, die, stop, destroy in order, with its labels', async () => {
    // sleep as pid 1 ignores SIGTERM: stop sends it, waits its grace second, then SIGKILLs (two kill events)
    const since = new Date().toISOString();
    const id = ok(['run', '-d', '--name', 'ev', '--network', 'none', '--label', 'tier=front', '--health-cmd', 'true', '--health-interval', '100ms', 'busybox', 'sleep', '1000']).trim();
    await waitFor('healthy', () => inspect('ev').state.health?.status === 'healthy');
    ok(['stop', '-t', '1', 'ev']);
    ok(['rm', 'ev']);
    const until = new Date().toISOString();
    const mine = events(['--since', since, '--until', until]).filter((e) => e.id === id);
    assert.deepEqual(
      mine.map((e) => (e.action === 'health_status' ? `health_status:${e.attributes.healthStatus}` : e.action)),
      ['create', 'start', 'health_status:starting', 'health_status:healthy', 'kill', 'kill', 'die', 'stop', 'destroy'],
    );
    for (const e of mine) {
      assert.equal(e.type, 'container');
      assert.equal(e.attributes.name, 'ev');
      assert.equal(e.attributes.image, 'busybox');
      assert.equal(e.attributes.tier, 'front');
    }
    const die = mine.find((e) => e.action === 'die')!;
    assert.equal(die.attributes.exitCode, '137');
    assert.equal(die.attributes.oomKilled, 'false');
    assert.deepEqual(mine.filter((e) => e.action === 'kill').map((e) => e.attributes.signal), ['SIGTERM', 'SIGKILL']);
    assert.ok(mine.every((e, i) => i === 0 || e.seq > mine[i - 1]!.seq));

    // filters, and docker's plain line
    const dies = ok(['events', '--since', since, '--until', until, '--filter', 'label=tier=front', '--filter', 'event=die']);
    assert.match(dies, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z container die ${id} \\(exitCode=137, image=busybox, name=ev, oomKilled=false, tier=front\\)\\n$`));
  });

  void test('events streams live ones until --until, and volume and network events are published', async () => {
    const since = new Date().toISOString();
    const until = new Date(Date.now() + 4000).toISOString();
    const watcher = d.pureAsync(['events', '--format', 'json', '--since', since, '--until', until, '--filter', 'type=volume', '--filter', 'type=network']);
    await new Promise((r) => setTimeout(r, 1000));
    ok(['volume', 'create', 'ev-vol']);
    ok(['network', 'create', 'ev-net']);
    ok(['volume', 'rm', 'ev-vol']);
    ok(['network', 'rm', 'ev-net']);
    const r = await watcher; // returns on its own at --until
    assert.equal(r.code, 0, r.stderr);
    const got = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as PureEvent);
    assert.deepEqual(got.map((e) => `${e.type} ${e.action} ${e.attributes.name}`), [
      'volume create ev-vol',
      'network create ev-net',
      'volume destroy ev-vol',
      'network destroy ev-net',
    ]);
  });

  void test('a container joining its network at start and leaving it at exit publishes network connect and disconnect', () => {
    const since = new Date().toISOString();
    const id = ok(['run', '-d', '--name', 'ev-net-c', 'busybox', 'sleep', '1000']).trim();
    ok(['rm', '-f', 'ev-net-c']);
    const got = events(['--since', since, '--until', new Date().toISOString(), '--filter', 'type=network']);
    assert.deepEqual(got.map((e) => `${e.action} ${e.attributes.name} ${e.attributes.container === id}`), ['connect bridge true', 'disconnect bridge true']);
  });

  void test('image events: import, tag, untag and delete carry the image id and the reference', async () => {
    const since = new Date().toISOString();
    ok(['import', await busyboxTarball(), 'ev-img:1']);
    const imageId = inspectImage('ev-img:1');
    ok(['tag', 'ev-img:1', 'ev-img:2']);
    ok(['rmi', 'ev-img:2']);
    ok(['rmi', 'ev-img:1']);
    const got = events(['--since', since, '--until', new Date().toISOString(), '--filter', 'type=image']);
    assert.deepEqual(got.map((e) => `${e.action} ${e.attributes.name}`), ['import ev-img:1', 'tag ev-img:2', 'untag ev-img:2', 'untag ev-img:1', 'delete ev-img:1']);
    assert.ok(got.every((e) => e.id === imageId));
  });

  void test('bad event queries are refused with the value', async () => {
    const r = d.pure(['events', '--filter', 'colour=red']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^pure: invalid filter "colour=red": unknown key "colour"/);
    const a = await api<{ code: string; message: string }>(d, 'GET', '/v1/events?since=yesterday');
    assert.equal(a.status, 400);
    assert.match(a.body.message, /invalid since "yesterday": an RFC 3339 time is required/);
  });
});
