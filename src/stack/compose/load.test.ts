import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { InvalidArgument, NotFound } from '../../errors/index.js';
import type { StackProject, StackSource } from '../types.js';
import { loadProject } from './load.js';
import { memoryFiles } from './memory-files.js';

const DIR = '/srv/shop';

function load(files: Record<string, string>, source: Partial<StackSource> = {}): Promise<StackProject> {
  const absolute = Object.fromEntries(Object.entries(files).map(([name, text]) => [path.resolve(DIR, name), text]));
  return loadProject({ files: [], workingDir: DIR, env: {}, ...source }, { readFile: memoryFiles(absolute) });
}

async function loadError(files: Record<string, string>, source: Partial<StackSource> = {}): Promise<string> {
  try {
    await load(files, source);
  } catch (err) {
    assert.ok(err instanceof InvalidArgument, `expected InvalidArgument, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return err.message;
  }
  return assert.fail('the load succeeded');
}

void test('without -f: the first default file, then the override file, merged', async () => {
  const p = await load({
    'docker-compose.yml': 'services:\n  web:\n    image: nginx\n    ports: ["8080:80"]\n',
    'compose.yml': 'services:\n  web:\n    image: from-compose-yml\n',
    'docker-compose.override.yml': 'services:\n  web:\n    environment: [DEBUG=1]\n',
  });
  assert.deepEqual(p.files, ['/srv/shop/compose.yml', '/srv/shop/docker-compose.override.yml']);
  assert.equal(p.services.web?.image, 'from-compose-yml');
  assert.deepEqual(p.services.web?.environment, { DEBUG: '1' });
  assert.equal(p.workingDir, DIR);
  assert.equal(p.name, 'shop');
});

void test('no compose file is NotFound naming the directory and the names looked for', async () => {
  await assert.rejects(load({ 'other.yaml': 'services: {}' }), (err: Error) => {
    assert.ok(err instanceof NotFound);
    assert.equal(err.message, 'no compose file found in /srv/shop (compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml)');
    return true;
  });
});

void test('two -f files merge as Compose: mappings merge, scalars and commands replace, lists append-unique, env/labels by key, volumes by target', async () => {
  const base = `
services:
  web:
    image: app:1
    command: ["serve", "--port", "80"]
    environment: [A=1, B=2]
    labels: {team: web}
    ports: ["8080:80", "9090:90"]
    expose: ["80"]
    volumes: ["data:/data", "./conf:/etc/app:ro"]
    depends_on: [db]
    healthcheck: {test: ["CMD", "true"], interval: 10s}
  db:
    image: db:1
volumes:
  data: {}
`;
  const override = `
services:
  web:
    image: app:2
    command: serve --verbose
    environment: {B: "3", C: "4"}
    labels: [tier=front]
    ports: ["9090:90", "7070:70"]
    volumes: ["./other:/etc/app"]
    depends_on: {db: {condition: service_healthy}}
    healthcheck: {test: ["CMD", "check"]}
`;
  const p = await load({ 'a.yaml': base, 'b.yaml': override }, { files: ['a.yaml', 'b.yaml'] });
  const web = p.services.web!;
  assert.equal(web.image, 'app:2');
  assert.deepEqual(web.command, ['serve', '--verbose']);
  assert.deepEqual(web.environment, { A: '1', B: '3', C: '4' });
  assert.deepEqual(web.labels, { team: 'web', tier: 'front' });
  assert.deepEqual(web.ports.map((b) => b.hostPort), [8080, 9090, 7070]);
  assert.deepEqual(web.mounts, [
    { type: 'volume', source: 'data', target: '/data', readOnly: false, noCopy: false },
    { type: 'bind', source: '/srv/shop/other', target: '/etc/app', readOnly: false, createHostPath: true },
  ]);
  assert.deepEqual(web.dependsOn, { db: { condition: 'service_healthy', required: true, restart: false } });
  assert.deepEqual(web.healthcheck, { test: ['CMD', 'check'], intervalMs: 10_000 });
  assert.deepEqual(p.files, ['/srv/shop/a.yaml', '/srv/shop/b.yaml']);
});

void test('an error after a merge names the file that set the key', async () => {
  const msg = await loadError(
    { 'a.yaml': 'services:\n  web:\n    image: x\n', 'b.yaml': 'services:\n  web:\n    restart: sometimes\n' },
    { files: ['a.yaml', 'b.yaml'] },
  );
  assert.equal(msg, 'b.yaml: services.web.restart: unknown restart policy "sometimes" (no, always, on-failure[:N], unless-stopped)');
});

void test('interpolation: the environment wins over .env; unset plain variables warn; $$ is a dollar', async () => {
  const p = await load(
    {
      '.env': 'TAG=from-dotenv\nREG=dotenv.example\n',
      'compose.yaml': 'services:\n  web:\n    image: ${REG}/app:${TAG}\n    command: echo $$HOME ${NOPE}\n',
    },
    { env: { TAG: 'from-env' } },
  );
  assert.equal(p.services.web?.image, 'dotenv.example/app:from-env');
  assert.deepEqual(p.services.web?.command, ['echo', '$HOME']);
  assert.deepEqual(p.warnings, ['services.web.command: variable NOPE is unset, using ""']);
});

void test('environment: env_file files in order, then environment; a bare key comes from the environment or is dropped', async () => {
  const p = await load(
    {
      'compose.yaml': `
services:
  web:
    image: x
    env_file: [common.env, {path: local.env, required: false}, web.env]
    environment:
      - FROM_FILE_OVERRIDDEN=by-environment
      - FROM_SHELL
      - NOT_SET_ANYWHERE
`,
      'common.env': 'FROM_FILE=common\nFROM_FILE_OVERRIDDEN=file\nORDER=common\n',
      'web.env': 'export ORDER=web # later file wins\n',
    },
    { env: { FROM_SHELL: 'shell' } },
  );
  assert.deepEqual(p.services.web?.environment, {
    FROM_FILE: 'common',
    FROM_FILE_OVERRIDDEN: 'by-environment',
    ORDER: 'web',
    FROM_SHELL: 'shell',
  });
  const single = await load({ 'compose.yaml': 'services:\n  web:\n    image: x\n    env_file: app.env\n    environment: {K: null}\n', 'app.env': 'A=1' }, { env: { K: 'v' } });
  assert.deepEqual(single.services.web?.environment, { A: '1', K: 'v' });
  const missing = await loadError({ 'compose.yaml': 'services:\n  web:\n    image: x\n    env_file: [nope.env]\n' });
  assert.equal(missing, 'compose.yaml: services.web.env_file[0]: cannot read "nope.env": ENOENT');
});

void test('ports: short and long syntax', async () => {
  const p = await load({
    'compose.yaml': `
services:
  web:
    image: x
    ports:
      - 80
      - "8080:81"
      - "127.0.0.1:5353:53/udp"
      - "8000-8001:90-91"
      - target: 443
        published: "8443"
        host_ip: 0.0.0.0
        protocol: tcp
      - target: 22
`,
  });
  assert.deepEqual(p.services.web?.ports, [
    { containerPort: 80, protocol: 'tcp' },
    { containerPort: 81, protocol: 'tcp', hostPort: 8080 },
    { containerPort: 53, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 5353 },
    { containerPort: 90, protocol: 'tcp', hostPort: 8000 },
    { containerPort: 91, protocol: 'tcp', hostPort: 8001 },
    { containerPort: 443, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8443 },
    { containerPort: 22, protocol: 'tcp' },
  ]);
});

void test('volumes: short and long syntax, relative and ~ binds, tmpfs in both places', async () => {
  const p = await load(
    {
      'compose.yaml': `
services:
  web:
    image: x
    volumes:
      - data:/data:ro
      - /anon
      - ./site:/site
      - ~/cfg:/cfg:rw
      - /etc/hosts:/etc/hosts:ro
      - type: volume
        source: data
        target: /long
        read_only: true
        volume: {nocopy: true}
      - type: bind
        source: ../shared
        target: /shared
        bind: {create_host_path: true}
      - type: volume
        target: /anon-long
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 64m, mode: 1777}
    tmpfs:
      - /run
      - /tmp:size=65536
volumes:
  data:
`,
    },
    { env: { HOME: '/home/me' } },
  );
  const web = p.services.web!;
  assert.deepEqual(web.mounts, [
    { type: 'volume', source: 'data', target: '/data', readOnly: true, noCopy: false },
    { type: 'volume', target: '/anon', readOnly: false, noCopy: false },
    { type: 'bind', source: '/srv/shop/site', target: '/site', readOnly: false, createHostPath: true },
    { type: 'bind', source: '/home/me/cfg', target: '/cfg', readOnly: false, createHostPath: true },
    { type: 'bind', source: '/etc/hosts', target: '/etc/hosts', readOnly: true, createHostPath: true },
    { type: 'volume', source: 'data', target: '/long', readOnly: true, noCopy: true },
    { type: 'bind', source: '/srv/shared', target: '/shared', readOnly: false, createHostPath: true },
    { type: 'volume', target: '/anon-long', readOnly: false, noCopy: false },
    { type: 'tmpfs', target: '/scratch', options: 'size=67108864,mode=1777' },
  ]);
  assert.deepEqual(web.tmpfs, { '/run': '', '/tmp': 'size=65536' });
  const one = await load({ 'compose.yaml': 'services:\n  web:\n    image: x\n    tmpfs: /run\n' });
  assert.deepEqual(one.services.web?.tmpfs, { '/run': '' });
});

void test('networks, network_mode, depends_on, healthcheck, restart, replicas, resources and the small keys', async () => {
  const p = await load({
    'compose.yaml': `
services:
  web:
    image: x
    entrypoint: /bin/sh -c
    command: ["echo", 1]
    networks:
      back:
        aliases: [api]
        ipv4_address: 10.5.0.9
      front:
    depends_on:
      db:
        condition: service_healthy
        restart: true
      cache:
        condition: service_started
        required: false
    healthcheck:
      test: curl -f http://localhost/
      interval: 1m30s
      timeout: 500ms
      start_period: 10s
      retries: 4
    restart: on-failure:3
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "1.5", memory: 1g, pids: 100}
    memswap_limit: -1
    cpu_shares: 512
    labels: [a=1, b]
    init: true
    read_only: "true"
    user: 1000
    working_dir: /app
    hostname: web-host
    stop_signal: SIGINT
    stop_grace_period: 1m30s
  db:
    image: db
    network_mode: host
    healthcheck: {disable: true}
    restart: "no"
    scale: "2"
    mem_limit: 512m
    cpus: 0.5
    pids_limit: 50
    labels: {tier: data}
  cache:
    image: cache
    depends_on: [db]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
    restart: unless-stopped
networks:
  front:
  back:
`,
  });
  const { web, db, cache } = p.services;
  assert.deepEqual(web?.entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(web?.command, ['echo', '1']);
  assert.deepEqual(web?.networks, { back: { aliases: ['api'], ipv4Address: '10.5.0.9' }, front: { aliases: [] } });
  assert.deepEqual(web?.dependsOn, {
    db: { condition: 'service_healthy', required: true, restart: true },
    cache: { condition: 'service_started', required: false, restart: false },
  });
  assert.deepEqual(web?.healthcheck, { test: ['CMD-SHELL', 'curl -f http://localhost/'], intervalMs: 90_000, timeoutMs: 500, startPeriodMs: 10_000, retries: 4 });
  assert.deepEqual(web?.restart, { name: 'on-failure', maximumRetryCount: 3 });
  assert.equal(web?.replicas, 3);
  assert.deepEqual(web?.resources, { memory: 1024 ** 3, nanoCpus: 1_500_000_000, pidsLimit: 100, memorySwap: -1, cpuShares: 512 });
  assert.deepEqual(web?.labels, { a: '1', b: '' });
  assert.equal(web?.init, true);
  assert.equal(web?.readOnly, true);
  assert.equal(web?.user, '1000');
  assert.equal(web?.workingDir, '/app');
  assert.equal(web?.hostname, 'web-host');
  assert.equal(web?.stopSignal, 'SIGINT');
  assert.equal(web?.stopGracePeriodS, 90);

  assert.equal(db?.networkMode, 'host');
  assert.deepEqual(db?.networks, {});
  assert.deepEqual(db?.healthcheck, { test: ['NONE'] });
  assert.deepEqual(db?.restart, { name: 'no' });
  assert.equal(db?.replicas, 2);
  assert.deepEqual(db?.resources, { memory: 512 * 1024 ** 2, nanoCpus: 500_000_000, pidsLimit: 50 });

  assert.deepEqual(cache?.dependsOn, { db: { condition: 'service_started', required: true, restart: false } });
  assert.deepEqual(cache?.healthcheck, { test: ['CMD', 'redis-cli', 'ping'] });
  assert.deepEqual(cache?.networks, { default: { aliases: [] } });
  assert.deepEqual(Object.keys(p.networks), ['front', 'back', 'default']);
});

void test('interpolated numbers and booleans are read from their string forms', async () => {
  const p = await load(
    { 'compose.yaml': 'services:\n  web:\n    image: x\n    deploy: {replicas: "${N}"}\n    init: ${INIT:-true}\n    ports: ["${PORT}"]\n' },
    { env: { N: '3', PORT: '8081' } },
  );
  assert.equal(p.services.web?.replicas, 3);
  assert.equal(p.services.web?.init, true);
  assert.equal(p.services.web?.ports[0]?.containerPort, 8081);
});

void test('engine names: <project>_<key>, the implicit default network only when used, external and name: as given', async () => {
  const p = await load({
    'compose.yaml': `
name: Shop.App
services:
  web: {image: x, networks: [front, ext], volumes: ["data:/d", "old:/o", "named:/n"]}
networks:
  front: {labels: {k: v}}
  ext: {external: true, name: shared-net}
  unused: {internal: true, ipam: {config: [{subnet: 10.9.0.0/24}]}}
volumes:
  data:
  old: {external: {name: legacy}}
  named: {name: exact-name}
`,
  });
  assert.equal(p.name, 'shopapp');
  assert.deepEqual(p.networks, {
    front: { name: 'shopapp_front', external: false, internal: false, labels: { k: 'v' } },
    ext: { name: 'shared-net', external: true, internal: false, labels: {} },
    unused: { name: 'shopapp_unused', external: false, internal: true, labels: {}, subnet: '10.9.0.0/24' },
  });
  assert.deepEqual(p.volumes, {
    data: { name: 'shopapp_data', external: false, labels: {} },
    old: { name: 'legacy', external: true, labels: {} },
    named: { name: 'exact-name', external: false, labels: {} },
  });
  const withDefault = await load({ 'compose.yaml': 'services:\n  a: {image: x}\n  b: {image: x, network_mode: none}\n' });
  assert.deepEqual(withDefault.networks, { default: { name: 'shop_default', external: false, internal: false, labels: {} } });
  const noDefault = await load({ 'compose.yaml': 'services:\n  b: {image: x, network_mode: none}\n' });
  assert.deepEqual(noDefault.networks, {});
});

void test('project name: -p, then name:, then COMPOSE_PROJECT_NAME, then the directory; normalised or rejected', async () => {
  const file = { 'compose.yaml': 'name: from-file\nservices:\n  a: {image: x}\n' };
  assert.equal((await load(file, { projectName: 'My_Proj-1' })).name, 'my_proj-1');
  assert.equal((await load(file, { env: { COMPOSE_PROJECT_NAME: 'env' } })).name, 'from-file');
  assert.equal((await load({ 'compose.yaml': 'services:\n  a: {image: x}\n' }, { env: { COMPOSE_PROJECT_NAME: 'Env' } })).name, 'env');
  assert.equal(
    await loadError(file, { projectName: '_x' }),
    'invalid project name "_x": it must start with a letter or digit (a-z, 0-9, _ and - are kept)',
  );
  assert.equal(
    await loadError({ 'compose.yaml': 'name: "-bad"\nservices:\n  a: {image: x}\n' }),
    'compose.yaml: name: invalid project name "-bad": it must start with a letter or digit (a-z, 0-9, _ and - are kept)',
  );
});

void test('profiles: services with profiles run only when one is active (flag or COMPOSE_PROFILES)', async () => {
  const files = {
    'compose.yaml': `
services:
  web: {image: x}
  debug: {image: x, profiles: [debug]}
  docs: {image: x, profiles: [docs, all]}
  tool: {image: x, profiles: [tools], depends_on: [web]}
`,
  };
  assert.deepEqual(Object.keys((await load(files)).services), ['web']);
  assert.deepEqual(Object.keys((await load(files, { profiles: ['debug'] })).services), ['web', 'debug']);
  assert.deepEqual(Object.keys((await load(files, { env: { COMPOSE_PROFILES: 'all, tools' } })).services), ['web', 'docs', 'tool']);
  assert.deepEqual(Object.keys((await load(files, { profiles: ['*'] })).services), ['web', 'debug', 'docs', 'tool']);
});

void test('profiles: depending on a disabled service is an error unless required: false', async () => {
  const msg = await loadError({ 'compose.yaml': 'services:\n  web: {image: x, depends_on: [debug]}\n  debug: {image: x, profiles: [debug]}\n' });
  assert.equal(msg, 'compose.yaml: services.web.depends_on: service "debug" is disabled by profiles (enable one of: debug)');
  const p = await load({
    'compose.yaml': 'services:\n  web: {image: x, depends_on: {debug: {condition: service_started, required: false}}}\n  debug: {image: x, profiles: [debug]}\n',
  });
  assert.deepEqual(p.services.web?.dependsOn, {});
  assert.deepEqual(p.warnings, ['services.web.depends_on.debug: service "debug" is disabled by profiles (debug), ignored (required: false)']);
});

void test('unsupported keys are warnings naming their path; x-* extensions are silent; build, container_name, deploy.labels, version warn', async () => {
  const p = await load({
    'compose.yaml': `
version: "3.9"
x-defaults: &defaults
  restart: always
services:
  web:
    <<: *defaults
    image: x
    build: .
    container_name: my-web
    cap_add: [NET_ADMIN]
    x-note: hello
    healthcheck: {test: "true", start_interval: 1s}
    deploy: {labels: {a: b}, placement: {constraints: []}}
    ports:
      - {target: 80, mode: host}
secrets:
  token: {file: ./token}
networks:
  default: {driver_opts: {mtu: "1400"}}
`,
  });
  assert.deepEqual(p.warnings, [
    'services.web.cap_add: not supported by Pure, ignored',
    'services.web.healthcheck.start_interval: not supported by Pure, ignored',
    'services.web.deploy.placement: not supported by Pure, ignored',
    'services.web.ports[0].mode: not supported by Pure, ignored',
    'secrets: not supported by Pure, ignored',
    'networks.default.driver_opts: not supported by Pure, ignored',
    'version: obsolete, ignored',
    'services.web.build: not supported by Pure (no image build), ignored',
    'services.web.container_name: not supported by Pure (replicas are named <project>-web-<n>), ignored',
    'services.web.deploy.labels: not supported by Pure (use labels: for container labels), ignored',
  ]);
  assert.deepEqual(p.services.web?.restart, { name: 'always' });
});

void test('bad input: one line naming the file, the key and the value', async () => {
  const svc = (body: string): Record<string, string> => ({ 'compose.yaml': `services:\n  web:\n    image: x\n${body}` });
  const cases: [Record<string, string>, string, Partial<StackSource>?][] = [
    [
      { 'compose.yaml': 'services:\n  web:\n    image: [x\n' },
      'compose.yaml: not valid YAML at line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    [{ 'compose.yaml': 'services:\n  web:\n    image: x: y\n' }, 'compose.yaml: not valid YAML at line 3, column 12: Nested mappings are not allowed in compact mappings'],
    [{ 'compose.yaml': 'services: {}\nservices: {}\n' }, 'compose.yaml: not valid YAML at line 2, column 1: Map keys must be unique'],
    [{ 'compose.yaml': '- web\n' }, 'compose.yaml: the top level must be a mapping (services:, networks:, ...), got a list'],
    [{ 'compose.yaml': 'services:\n  web:\n    ports: ["80"]\n' }, 'compose.yaml: services.web.image: missing: every service needs an image'],
    [{ 'compose.yaml': 'services:\n  web:\n    build: .\n' }, 'compose.yaml: services.web.image: missing: Pure does not build images (build: is not supported), name an image'],
    [
      { 'compose.yaml': 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n' },
      'compose.yaml: services.a.depends_on: cycle a -> b -> a',
    ],
    [{ 'compose.yaml': 'services:\n  a: {image: x, depends_on: [nope]}\n' }, 'compose.yaml: services.a.depends_on: unknown service "nope"'],
    [
      { 'compose.yaml': 'services:\n  web:\n    image: db:${DB_TAG:?msg}\n' },
      'compose.yaml: services.web.image: required variable DB_TAG is unset: msg',
    ],
    [
      { 'compose.yaml': 'services:\n  a: {image: x, ports: ["8080:80"]}\n  b: {image: x, ports: ["8080:81"]}\n' },
      'compose.yaml: services.b.ports: host port 8080/tcp is also published by service a',
    ],
    [
      svc('    ports: ["8080:80"]\n    deploy: {replicas: 2}\n'),
      'compose.yaml: services.web.ports: host port 8080/tcp is wanted by each of the 2 replicas (publish it from one replica, or leave the host port out)',
    ],
    [svc('    ports: ["80:http"]\n'), 'compose.yaml: services.web.ports[0]: invalid container port "http" in "80:http" (1-65535, or a range such as 8000-8010)'],
    [svc('    ports: [true]\n'), 'compose.yaml: services.web.ports[0]: expected "HOST:CONTAINER" or a mapping with target:, got true'],
    [svc('    healthcheck: {test: "x", interval: 5 minutes}\n'), 'compose.yaml: services.web.healthcheck.interval: invalid duration "5 minutes" (examples: 10s, 500ms, 1m30s)'],
    [svc('    healthcheck: {test: [RUN, x]}\n'), 'compose.yaml: services.web.healthcheck.test: must start with CMD, CMD-SHELL or NONE, got "RUN"'],
    [svc('    mem_limit: 12q\n'), 'compose.yaml: services.web.mem_limit: invalid size "12q" (examples: 512m, 1g, 1073741824)'],
    [svc('    restart: sometimes\n'), 'compose.yaml: services.web.restart: unknown restart policy "sometimes" (no, always, on-failure[:N], unless-stopped)'],
    [svc('    restart: always:3\n'), 'compose.yaml: services.web.restart: unknown restart policy "always:3" (no, always, on-failure[:N], unless-stopped)'],
    [svc('    networks: [back]\n'), 'compose.yaml: services.web.networks: undefined network "back" (declare it under the top-level networks:)'],
    [svc('    volumes: ["data:/data"]\n'), 'compose.yaml: services.web.volumes[0]: undefined volume "data" (declare it under the top-level volumes:)'],
    [svc('    network_mode: "service:db"\n'), 'compose.yaml: services.web.network_mode: unsupported network mode "service:db" (none or host; use networks: to join a network)'],
    [svc('    deploy: {replicas: many}\n'), 'compose.yaml: services.web.deploy.replicas: expected an integer, got "many"'],
    [svc('    scale: 2\n    deploy: {replicas: 3}\n'), 'compose.yaml: services.web.scale: 2 conflicts with deploy.replicas 3'],
    [svc('    environment: "A=1"\n'), 'compose.yaml: services.web.environment: expected a list of KEY=VALUE or a mapping, got "A=1"'],
    [{ 'compose.yaml': 'services:\n  web: {image: x}\nnetworks:\n  o: {driver: overlay}\n' }, 'compose.yaml: networks.o.driver: unsupported driver "overlay" (Pure networks are bridge networks)'],
    [{ 'compose.yaml': 'services:\n  web: {image: x}\nvolumes:\n  v: {driver: nfs}\n' }, 'compose.yaml: volumes.v.driver: unsupported driver "nfs" (Pure volumes use the local driver)'],
    [{ 'compose.yaml': 'services:\n  web:\n    image: $1x\n' }, 'compose.yaml: services.web.image: invalid interpolation "$1" in "$1x" (write $$ for a literal $)'],
    [{ 'compose.yaml': 'services: {}\n' }, 'compose.yaml: services: no services defined'],
    [{ 'compose.yaml': 'services:\n  web app: {image: x}\n' }, 'compose.yaml: services.web app: invalid service name "web app" (letters, digits, _ . - and a letter or digit first)'],
    [{ '.env': 'OK=1\nnot valid\n', 'compose.yaml': 'services:\n  web: {image: x}\n' }, '.env:2: invalid variable name "not valid" (expected KEY=VALUE)'],
  ];
  for (const [files, expected, source] of cases) {
    const msg = await loadError(files, source);
    assert.equal(msg, expected);
  }
});

void test('a real-world Docker Compose file loads: web + cache + worker + db, healthchecks, conditions, named volumes, two networks', async () => {
  const dir = path.resolve(import.meta.dirname, '../../../test/fixtures/compose/webapp');
  const p = await loadProject({ files: [], workingDir: dir, env: { HOME: '/root' } });
  assert.equal(p.name, 'webapp');
  assert.deepEqual(Object.keys(p.services), ['web', 'worker', 'cache', 'db']);
  const web = p.services.web!;
  assert.equal(web.image, 'registry.example.com/shop/app:1.4.2');
  assert.equal(web.environment.DATABASE_URL, 'postgres://shop:hunter2@db:5432/shop');
  assert.equal(web.environment.SECRET_KEY, 's3cr3t$not-interpolated');
  assert.equal(web.environment.ALLOWED_HOSTS, 'shop.example.com');
  assert.deepEqual(web.command, ['gunicorn', '--bind', '0.0.0.0:8000', '--workers', '3', 'shop.wsgi:application']);
  assert.equal(web.dependsOn.db?.condition, 'service_healthy');
  assert.equal(web.healthcheck?.startPeriodMs, 90_000);
  assert.deepEqual(web.resources, { memory: 512 * 1024 ** 2, nanoCpus: 500_000_000 });
  assert.deepEqual(Object.keys(web.networks), ['public', 'private']);
  assert.equal(p.services.worker?.replicas, 2);
  assert.deepEqual(p.services.worker?.networks, { private: { aliases: ['jobs'] } });
  assert.deepEqual(p.services.db?.restart, { name: 'on-failure', maximumRetryCount: 5 });
  assert.equal(p.networks.private?.subnet, '172.28.0.0/24');
  assert.equal(p.networks.private?.internal, true);
  assert.deepEqual(Object.values(p.volumes).map((v) => v.name), ['webapp_static', 'webapp_cache-data', 'webapp_db-data']);
  assert.deepEqual(p.warnings, [
    'services.web.logging: not supported by Pure, ignored',
    'services.web.deploy.resources.reservations: not supported by Pure, ignored',
    'services.worker.logging: not supported by Pure, ignored',
    'services.worker.cap_add: not supported by Pure, ignored',
    'services.db.shm_size: not supported by Pure, ignored',
    'version: obsolete, ignored',
  ]);
});
