/**
 * Compose stacks through the real daemon and CLI: `pure up/down/scale` and `pure stack <verb>` against real
 * runc, conmon, CNI networks and volumes. Health checks probe every 200 ms so the file stays quick; services
 * that loop run with `init: true` so a stop does not wait out the grace period (pid 1 ignores SIGTERM).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon, importBusybox, type CliResult, type TestDaemon } from './harness.js';

let d: TestDaemon;
let work: string;

before(async () => {
  d = await startTestDaemon();
  await importBusybox(d);
  work = await mkdtemp(join(tmpdir(), 'pure-stack-'));
});

after(async () => {
  if (d.proc.exitCode === null) {
    for (const p of ['st-order', 'st-logs', 'st-fail', 'st-unhealthy', 'st-compat', 'st-bad']) d.pure(['down', '-v', '-t', '0', '-p', p]);
  }
  await d.cleanup();
  await rm(work, { recursive: true, force: true });
});

function ok(args: string[]): string {
  const r = d.pure(args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `pure ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Write `yaml` as <work>/<dir>/compose.yaml; returns the file's path. */
async function composeFile(dir: string, yaml: string): Promise<string> {
  const path = join(work, dir);
  await mkdir(path, { recursive: true });
  const file = join(path, 'compose.yaml');
  await writeFile(file, yaml);
  return file;
}

function up(file: string, project: string, ...more: string[]): CliResult {
  return d.pure(['up', '-d', '-f', file, '-p', project, ...more], { timeoutMs: 120_000 });
}

interface Inspect {
  id: string;
  name: string;
  state: { status: string; exitCode: number; startedAt: string | null; finishedAt: string | null; health?: { status: string; log: { end: string; exitCode: number }[] } };
  networkSettings?: { networks: Record<string, { ipAddress: string }> };
}

function inspect(name: string): Inspect {
  return (JSON.parse(ok(['inspect', '--type', 'container', name])) as Inspect[])[0]!;
}

/** name → id of the project's containers (every state). */
function containersOf(project: string): Map<string, string> {
  const lines = ok(['ps', '-a', '--format', 'json', '--filter', `label=pure.stack.project=${project}`]).split('\n').filter(Boolean);
  return new Map(lines.map((l) => JSON.parse(l) as { id: string; name: string }).map((c) => [c.name, c.id]));
}

function labelled(project: string): { containers: number; networks: string[]; volumes: string[] } {
  const networks = ok(['network', 'ls', '--format', 'json'])
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { name: string; labels: Record<string, string> })
    .filter((n) => n.labels['pure.stack.project'] === project)
    .map((n) => n.name);
  const volumes = ok(['volume', 'ls', '-q', '--filter', `label=pure.stack.project=${project}`]).split('\n').filter(Boolean);
  return { containers: containersOf(project).size, networks, volumes };
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(body));
    });
    // `timeout` only reports an idle socket: end the request, or a lost SYN hangs for the kernel's minutes
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in 5 s`)));
    req.on('error', reject);
  });
}

const ORDERED = (workerEnv: string, port: number) => `
services:
  init:
    image: busybox
    command: ["sh", "-c", "sleep 0.3; echo '<p>from init</p>' > /www/index.html"]
    volumes: [www:/www]
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    init: true
    ports: ["127.0.0.1:${port}:80"]
    volumes: ["www:/www:ro"]
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O- http://127.0.0.1/ || exit 1"]
      interval: 200ms
      timeout: 2s
      retries: 5
    depends_on:
      init: { condition: service_completed_successfully }
  worker:
    image: busybox
    command: ["sh", "-c", "while true; do sleep 1; done"]
    init: true
    environment:
      ROLE: ${workerEnv}
    deploy: { replicas: 2 }
    depends_on:
      web: { condition: service_healthy }
volumes:
  www: {}
`;

void test('up orders services by depends_on: init exits 0, then web starts and turns healthy, then the workers start', async () => {
  const file = await composeFile('order', ORDERED('a', 18088));
  const r = up(file, 'st-order');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, / ✔ Network st-order_default {2}Created/);
  assert.match(r.stderr, / ✔ Volume st-order_www {2}Created/);
  assert.match(r.stderr, / ✔ Container st-order-init-1 {2}Exited/);
  assert.match(r.stderr, / ✔ Container st-order-web-1 {2}Healthy/);
  assert.match(r.stderr, / ✔ Container st-order-worker-2 {2}Started/);

  const init = inspect('st-order-init-1');
  const web = inspect('st-order-web-1');
  assert.equal(init.state.exitCode, 0);
  assert.ok(init.state.finishedAt! <= web.state.startedAt!, `web started (${web.state.startedAt}) after init finished (${init.state.finishedAt})`);
  const firstHealthy = web.state.health?.log.find((p) => p.exitCode === 0)?.end;
  assert.ok(firstHealthy, 'web has a passing probe');
  for (const n of [1, 2]) {
    const w = inspect(`st-order-worker-${n}`);
    assert.equal(w.state.status, 'running');
    assert.ok(firstHealthy <= w.state.startedAt!, `worker-${n} started (${w.state.startedAt}) after web was healthy (${firstHealthy})`);
  }
  assert.equal(await httpGet('http://127.0.0.1:18088/'), '<p>from init</p>\n');

  const ps = ok(['stack', 'ps', '-p', 'st-order']);
  assert.match(ps, /^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS/);
  assert.match(ps, /st-order-web-1 .* web .*127\.0\.0\.1:18088->80\/tcp/);
  assert.doesNotMatch(ps, /st-order-init-1/, 'ps without -a lists running containers only');
  assert.match(ok(['stack', 'ls']), /st-order +running\(3\), exited\(1\) +init, web, worker/);
});

void test('a second up with the same file changes nothing: the same container ids, reported Running', async () => {
  const file = join(work, 'order', 'compose.yaml');
  const before = containersOf('st-order');
  const r = up(file, 'st-order');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(containersOf('st-order'), before);
  assert.match(r.stderr, / ✔ Container st-order-web-1 {2}Running/);
  assert.match(r.stderr, / ✔ Container st-order-worker-1 {2}Running/);
  assert.doesNotMatch(r.stderr, /Created|Recreated/);
});

void test('an edit to one service recreates only its containers', async () => {
  const file = await composeFile('order', ORDERED('b', 18088));
  const before = containersOf('st-order');
  const r = up(file, 'st-order');
  assert.equal(r.code, 0, r.stderr);
  const now = containersOf('st-order');
  assert.equal(now.get('st-order-web-1'), before.get('st-order-web-1'));
  assert.equal(now.get('st-order-init-1'), before.get('st-order-init-1'));
  for (const n of [1, 2]) assert.notEqual(now.get(`st-order-worker-${n}`), before.get(`st-order-worker-${n}`));
  assert.match(r.stderr, / ✔ Container st-order-worker-1 {2}Recreated/);
  assert.equal(ok(['stack', 'exec', '-p', 'st-order', '--index', '2', 'worker', 'sh', '-c', 'echo $ROLE']), 'b\n');
});

void test('scale adds and removes replicas (highest first) without touching the others; every replica answers to the service name', async () => {
  const file = join(work, 'order', 'compose.yaml');
  const before = containersOf('st-order');
  const r = d.pure(['scale', '-f', file, '-p', 'st-order', 'worker=3'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /init|web-1 {2}(Created|Started|Recreated)/, 'the other services are left alone (web is only awaited)');
  const scaled = containersOf('st-order');
  assert.ok(scaled.has('st-order-worker-3'));
  for (const n of ['web-1', 'worker-1', 'worker-2']) assert.equal(scaled.get(`st-order-${n}`), before.get(`st-order-${n}`));

  const out = ok(['run', '--rm', '--network', 'st-order_default', 'busybox', 'nslookup', 'worker']);
  const addrs = new Set([...out.matchAll(/Address: (10\.\d+\.\d+\.\d+)/g)].map((m) => m[1]));
  const expected = new Set([1, 2, 3].map((n) => inspect(`st-order-worker-${n}`).networkSettings!.networks['st-order_default']!.ipAddress.split('/')[0]));
  assert.deepEqual(addrs, expected, `nslookup worker: ${out}`);

  const down = d.pure(['scale', '-f', file, '-p', 'st-order', 'worker=1'], { timeoutMs: 120_000 });
  assert.equal(down.code, 0, down.stderr);
  assert.ok(down.stderr.indexOf('st-order-worker-3  Removed') < down.stderr.indexOf('st-order-worker-2  Removed'), down.stderr);
  const after = containersOf('st-order');
  assert.deepEqual([...after.keys()].filter((n) => n.includes('worker')), ['st-order-worker-1']);
  assert.equal(after.get('st-order-worker-1'), before.get('st-order-worker-1'));
});

void test('stack stop, then stack start without the file: dependencies first, the workers once web is healthy again', () => {
  ok(['stack', 'stop', '-p', 'st-order']);
  assert.equal(ok(['stack', 'ps', '-q', '-p', 'st-order']), '', 'nothing running');
  const r = d.pure(['stack', 'start', '-p', 'st-order'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, / ✔ Container st-order-web-1 {2}Healthy/);
  const web = inspect('st-order-web-1');
  const healthy = web.state.health?.log.find((p) => p.exitCode === 0 && p.end >= web.state.startedAt!)?.end;
  assert.ok(healthy, 'a passing probe after the restart');
  const worker = inspect('st-order-worker-1');
  assert.equal(worker.state.status, 'running');
  assert.ok(healthy <= worker.state.startedAt!, `worker started (${worker.state.startedAt}) after web was healthy again (${healthy})`);
});

void test('logs merges the replicas\' output, each line prefixed with <service>-<n>', async () => {
  const file = await composeFile('logs', `
services:
  talk:
    image: busybox
    command: ["sh", "-c", "echo hello from $$(hostname)"]
    hostname: talker
    deploy: { replicas: 2 }
`);
  ok(['up', '-d', '--wait', '-f', file, '-p', 'st-logs']);
  const out = ok(['stack', 'logs', '-p', 'st-logs']);
  assert.deepEqual(out.split('\n').filter(Boolean).sort(), ['talk-1  | hello from talker', 'talk-2  | hello from talker']);
  ok(['down', '-p', 'st-logs']);
});

void test('down -v removes every container, network and volume of the project and leaves nothing in the kernel', async () => {
  const r = d.pure(['down', '-v', '-p', 'st-order'], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, / ✔ Container st-order-web-1 {2}Removed/);
  assert.match(r.stderr, / ✔ Network st-order_default {2}Removed/);
  assert.match(r.stderr, / ✔ Volume st-order_www {2}Removed/);
  assert.deepEqual(labelled('st-order'), { containers: 0, networks: [], volumes: [] });
  assert.deepEqual(ok(['volume', 'ls', '-q']).split('\n').filter(Boolean), [], 'no anonymous volume left either');
  const nsDir = join(d.runRoot, 'netns');
  assert.deepEqual(existsSync(nsDir) ? readdirSync(nsDir) : [], []);
  assert.deepEqual(d.leaks(), []);
  assert.doesNotMatch(ok(['stack', 'ls']), /st-order/);
});

void test('a one-shot dependency that exits 3 fails up, naming it; the dependent is never created', async () => {
  const file = await composeFile('fail', `
services:
  migrate:
    image: busybox
    command: ["sh", "-c", "exit 3"]
  app:
    image: busybox
    command: ["sleep", "60"]
    depends_on:
      migrate: { condition: service_completed_successfully }
`);
  const r = up(file, 'st-fail');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^pure: service "migrate" didn't complete successfully: container st-fail-migrate-1 exited with code 3$/m);
  assert.deepEqual([...containersOf('st-fail').keys()], ['st-fail-migrate-1'], 'what was made stays (as Compose), app was not made');
  ok(['down', '-p', 'st-fail']);
  assert.deepEqual(labelled('st-fail'), { containers: 0, networks: [], volumes: [] });
});

void test('a missing image stops up after what came before it; nothing half-made is left', async () => {
  const file = await composeFile('noimage', `
services:
  a:
    image: busybox
    command: ["sleep", "60"]
    init: true
  b:
    image: nosuchimage:1
    depends_on: [a]
`);
  const r = up(file, 'st-fail');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^pure: .*nosuchimage.*$/m);
  assert.deepEqual([...containersOf('st-fail').keys()], ['st-fail-a-1']);
  ok(['down', '-p', 'st-fail']);
  assert.deepEqual(labelled('st-fail'), { containers: 0, networks: [], volumes: [] });
  assert.deepEqual(d.leaks(), []);
});

void test('an unhealthy service_healthy dependency fails up with "is unhealthy"', async () => {
  const file = await composeFile('unhealthy', `
services:
  db:
    image: busybox
    command: ["sleep", "60"]
    init: true
    healthcheck: { test: ["CMD", "false"], interval: 200ms, retries: 2 }
  app:
    image: busybox
    command: ["sleep", "60"]
    depends_on:
      db: { condition: service_healthy }
`);
  const r = up(file, 'st-unhealthy');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^pure: dependency failed to start: container st-unhealthy-db-1 is unhealthy$/m);
  assert.equal(containersOf('st-unhealthy').has('st-unhealthy-app-1'), false);
  ok(['down', '-t', '0', '-p', 'st-unhealthy']);
});

void test('bad input is reported in one line before anything is made: a cycle, an unknown dependency, an unset ${VAR:?}', async () => {
  const cases: [string, string, RegExp][] = [
    ['cycle', 'services:\n  a: { image: busybox, depends_on: [b] }\n  b: { image: busybox, depends_on: [a] }\n', /cycle/],
    ['unknown', 'services:\n  a: { image: busybox, depends_on: [x] }\n', /"x"/],
    ['unset', 'services:\n  a: { image: "${NO_SUCH_VAR_FOR_PURE:?set it please}" }\n', /NO_SUCH_VAR_FOR_PURE.*set it please/],
  ];
  for (const [dir, yaml, why] of cases) {
    const file = await composeFile(`bad-${dir}`, `volumes: { data: {} }\nnetworks: { back: {} }\n${yaml}`);
    const r = up(file, 'st-bad');
    assert.equal(r.code, 1, `${dir}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, `${dir}: one line: ${r.stderr}`);
    assert.match(lines[0]!, /^pure: compose\.yaml: /);
    assert.match(lines[0]!, why);
    assert.deepEqual(labelled('st-bad'), { containers: 0, networks: [], volumes: [] }, `${dir}: nothing made`);
  }
});

void test('a file written for Docker Compose runs unchanged (version key, list forms, a custom network, restart)', async () => {
  const file = await composeFile('compat', `
version: "3.8"
services:
  cache:
    image: busybox
    command: sh -c "mkdir -p /srv && echo cached > /srv/index.html && exec httpd -f -p 6379 -h /srv"
    init: true
    restart: unless-stopped
    networks: [back]
  api:
    image: busybox:latest
    init: true
    command: ["sleep", "600"]
    environment:
      - MODE=production
    volumes:
      - data:/data
    networks:
      - back
      - front
    depends_on:
      - cache
networks:
  back:
  front:
volumes:
  data:
`);
  const r = up(file, 'st-compat');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, / ✔ Network st-compat_back {2}Created/);
  assert.match(r.stderr, / ✔ Network st-compat_front {2}Created/);
  const api = inspect('st-compat-api-1');
  assert.deepEqual(Object.keys(api.networkSettings!.networks).sort(), ['st-compat_back', 'st-compat_front']);
  assert.equal(ok(['compose', 'exec', '-p', 'st-compat', 'api', 'wget', '-q', '-O-', 'http://cache:6379/']), 'cached\n');
  assert.equal(ok(['compose', 'exec', '-p', 'st-compat', 'api', 'sh', '-c', 'echo $MODE']), 'production\n');
  ok(['compose', 'down', '-v', '-p', 'st-compat']);
  assert.deepEqual(labelled('st-compat'), { containers: 0, networks: [], volumes: [] });
});
