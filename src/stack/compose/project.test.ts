import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { InvalidArgument, NotFound } from '../../errors/index.js';
import { LABEL_CONFIG_HASH, LABEL_NUMBER, LABEL_PROJECT, LABEL_SERVICE, type StackProject, type StackSource } from '../types.js';
import { networkAttachments, toCreateRequest } from './create-request.js';
import { loadProject } from './load.js';
import { memoryFiles } from './memory-files.js';
import { serviceOrder } from './order.js';
import { renderConfig } from './render.js';

const DIR = '/srv/shop';

function load(text: string, source: Partial<StackSource> = {}, extra: Record<string, string> = {}): Promise<StackProject> {
  const files = { [path.join(DIR, 'compose.yaml')]: text, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [path.join(DIR, k), v])) };
  return loadProject({ files: [], workingDir: DIR, env: {}, ...source }, { readFile: memoryFiles(files) });
}

const CHAIN = `
services:
  web: {image: x, depends_on: [api, cache]}
  api: {image: x, depends_on: {db: {condition: service_healthy}}}
  cache: {image: x}
  db: {image: x}
  lone: {image: x}
`;

void test('serviceOrder: dependencies first, file order otherwise; with names, those and what they depend on', async () => {
  const p = await load(CHAIN);
  assert.deepEqual(serviceOrder(p), ['db', 'api', 'cache', 'web', 'lone']);
  assert.deepEqual(serviceOrder(p, ['api']), ['db', 'api']);
  assert.deepEqual(serviceOrder(p, ['lone', 'web']), ['lone', 'db', 'api', 'cache', 'web']);
  assert.throws(() => serviceOrder(p, ['nope']), (err: Error) => err instanceof NotFound && err.message === 'no such service "nope" in project "shop"');
});

void test('serviceOrder rejects a cycle in a project it is handed', async () => {
  const p = await load(CHAIN);
  p.services.db!.dependsOn.web = { condition: 'service_started', required: true, restart: false };
  assert.throws(() => serviceOrder(p), (err: Error) => err instanceof InvalidArgument && err.message === 'services.web.depends_on: cycle web -> api -> db -> web');
});

const HASHED = (env: string, replicas: number, extra = ''): string => `
services:
  web:
    image: x
    environment: {A: "${env}"}
    deploy: {replicas: ${replicas}}
${extra}`;

void test('configHash: equal input, equal hash; an env change changes it; replicas, depends_on and profiles do not', async () => {
  const a = (await load(HASHED('1', 1))).services.web!.configHash;
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.equal((await load(HASHED('1', 1))).services.web!.configHash, a);
  assert.notEqual((await load(HASHED('2', 1))).services.web!.configHash, a);
  assert.equal((await load(HASHED('1', 5))).services.web!.configHash, a);
  assert.equal((await load(HASHED('1', 1, '    profiles: [p]\n    depends_on: [db]\n  db: {image: y}\n'), { profiles: ['p'] })).services.web!.configHash, a);
  // key order in the file does not matter
  const reordered = await load('services:\n  web:\n    deploy: {replicas: 1}\n    environment: {A: "1"}\n    image: x\n');
  assert.equal(reordered.services.web!.configHash, a);
});

const FULL = `
name: shop
services:
  web:
    image: app:1
    entrypoint: ["/init"]
    command: serve --port 80
    environment: {B: "2", A: "1"}
    ports: ["8080:80", "127.0.0.1::9000/udp"]
    volumes:
      - data:/data:ro
      - /anon
      - ./site:/site
      - ext:/ext
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1m}
    tmpfs: [/run]
    networks:
      front: {aliases: [www]}
      back: {ipv4_address: 10.1.0.5}
    healthcheck: {test: ["CMD", "true"], interval: 5s, retries: 2}
    restart: on-failure:2
    mem_limit: 256m
    cpus: 0.5
    labels: {team: shop}
    init: true
    read_only: true
    user: app
    working_dir: /srv
    hostname: web
    stop_signal: SIGTERM
    stop_grace_period: 2500ms
  solo:
    image: tool
    network_mode: none
networks:
  front:
  back: {ipam: {config: [{subnet: 10.1.0.0/24}]}}
volumes:
  data:
  ext: {external: true}
`;

void test('toCreateRequest: name, labels, first network (sorted) with aliases, mounts, limits and lifecycle fields', async () => {
  const p = await load(FULL);
  const req = toCreateRequest(p, 'web', 2);
  const web = p.services.web!;
  assert.deepEqual(req, {
    image: 'app:1',
    name: 'shop-web-2',
    labels: { team: 'shop', [LABEL_PROJECT]: 'shop', [LABEL_SERVICE]: 'web', [LABEL_NUMBER]: '2', [LABEL_CONFIG_HASH]: web.configHash },
    env: ['B=2', 'A=1'],
    entrypoint: ['/init'],
    cmd: ['serve', '--port', '80'],
    network: 'shop_back',
    networkAliases: ['web'],
    ipAddress: '10.1.0.5',
    portBindings: [
      { containerPort: 80, protocol: 'tcp', hostPort: 8080 },
      { containerPort: 9000, protocol: 'udp', hostIp: '127.0.0.1' },
    ],
    volumes: [
      { destination: '/data', readOnly: true, source: 'shop_data' },
      { destination: '/anon', readOnly: false },
      { destination: '/ext', readOnly: false, source: 'ext', mustExist: true },
    ],
    binds: [{ source: '/srv/shop/site', destination: '/site', readOnly: false }],
    tmpfs: { '/run': '', '/scratch': 'size=1048576' },
    healthcheck: { test: ['CMD', 'true'], intervalMs: 5000, retries: 2 },
    restartPolicy: { name: 'on-failure', maximumRetryCount: 2 },
    resources: { memory: 256 * 1024 ** 2, nanoCpus: 500_000_000 },
    init: true,
    readOnly: true,
    user: 'app',
    workingDir: '/srv',
    hostname: 'web',
    stopSignal: 'SIGTERM',
    stopTimeout: 3,
  });
  assert.deepEqual(networkAttachments(p, 'web'), [
    { key: 'back', network: 'shop_back', aliases: ['web'], ipAddress: '10.1.0.5' },
    { key: 'front', network: 'shop_front', aliases: ['www', 'web'] },
  ]);
  const solo = toCreateRequest(p, p.services.solo!, 1);
  assert.equal(solo.network, 'none');
  assert.equal(solo.networkAliases, undefined);
  assert.deepEqual(solo.env, []);
  assert.throws(() => toCreateRequest(p, 'nope', 1), NotFound);
});

/** The project without what a re-load cannot give back the same (warnings, and the files it came from). */
function comparable(p: StackProject): Omit<StackProject, 'warnings' | 'files' | 'workingDir'> {
  const { warnings: _w, files: _f, workingDir: _d, ...rest } = p;
  return rest;
}

void test('renderConfig round trip: the rendered YAML loads back to an equal project', async () => {
  const sources: [string, Partial<StackSource>, Record<string, string>][] = [
    [FULL, {}, {}],
    [CHAIN, {}, {}],
    [
      `
services:
  web:
    image: "\${IMG:-app}"
    environment: {PRICE: "$$5", FROM_FILE: null}
    env_file: app.env
    entrypoint: []
    profiles: [p]
    depends_on: {db: {condition: service_completed_successfully, restart: true}}
    healthcheck: {disable: true}
    deploy: {replicas: 3, resources: {limits: {pids: 10}}}
    memswap_limit: -1
    cpu_shares: 100
    expose: ["80", "90/udp"]
    ports: [{target: 80}]
  db: {image: db, restart: "no", networks: [n], volumes: [{type: bind, source: /x, target: /y, bind: {create_host_path: false}}, "v:/v:nocopy"]}
networks:
  n: {external: true, name: outside}
volumes:
  v: {labels: [a=b]}
`,
      { profiles: ['p'], env: { FROM_FILE: 'yes' } },
      { 'app.env': 'SECRET=a$b\n' },
    ],
    [await readFixture(), {}, {}],
  ];
  for (const [text, source, extra] of sources) {
    const p = await load(text, source, extra);
    const yaml = renderConfig(p);
    const again = await load(yaml, { profiles: source.profiles });
    assert.deepEqual(comparable(again), comparable(p), yaml);
    assert.deepEqual(again.warnings, []);
  }
});

async function readFixture(): Promise<string> {
  const dir = path.resolve(import.meta.dirname, '../../../test/fixtures/compose/webapp');
  const p = await loadProject({ files: [], workingDir: dir, env: {} });
  return renderConfig(p);
}

void test('renderConfig writes compose-spec keys, long syntax and $$ for a literal $', async () => {
  const p = await load('services:\n  web:\n    image: x\n    environment: {P: "a$$b"}\n    ports: ["8080:80"]\n    healthcheck: {test: "true", interval: 90s}\n');
  assert.equal(
    renderConfig(p),
    [
      'name: shop',
      'services:',
      '  web:',
      '    image: x',
      '    environment:',
      '      P: a$$b',
      '    ports:',
      '      - target: 80',
      '        published: "8080"',
      '        protocol: tcp',
      '    networks:',
      '      default: {}',
      '    healthcheck:',
      '      test:',
      '        - CMD-SHELL',
      '        - "true"',
      '      interval: 1m30s',
      '    deploy:',
      '      replicas: 1',
      'networks:',
      '  default:',
      '    name: shop_default',
      '',
    ].join('\n'),
  );
});
