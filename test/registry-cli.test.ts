/**
 * The registry commands end to end: the built CLI against a real daemon and a real docker-registry with
 * htpasswd auth. login/logout and the config file, push, pull, run what was pulled, save + load.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';
import { singleFileTar, skopeoPush, startRegistry, writeLayout, type TestRegistry } from './fixtures/registry.js';
import { makeBusyboxTar } from './fixtures/busybox.js';

let registry: TestRegistry;
let d: TestDaemon;
let config: string;
const USER = 'tester';
const PASSWORD = 's3cret!';

before(async () => {
  config = await mkdtemp(join(tmpdir(), 'pure-config-'));
  // the harness hands its environment to every CLI run: credentials land in this temp dir, not in ~/.pure
  process.env.PURE_CONFIG = config;
  registry = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
  d = await startTestDaemon();
});

after(async () => {
  await d?.cleanup();
  await registry?.stop();
  await rm(config, { recursive: true, force: true });
});

void test('login refuses a wrong password and stores a right one in a 0600 docker-shaped config.json', () => {
  const bad = d.pure(['login', '-u', USER, '--password-stdin', registry.host], { input: 'wrong\n' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^pure: unauthorized: /);
  const ok = d.pure(['login', '-u', USER, '--password-stdin', registry.host], { input: `${PASSWORD}\n` });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'Login Succeeded\n');
});

void test('push, rmi, pull and run: the image comes back from the registry', async () => {
  const ref = `${registry.host}/pure/cli:1`;
  const file = JSON.parse(await readFile(join(config, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
  assert.equal(Buffer.from(file.auths[registry.host]!.auth, 'base64').toString(), `${USER}:${PASSWORD}`);
  assert.equal((await stat(join(config, 'config.json'))).mode & 0o777, 0o600);

  await importBusybox(d, ref);
  const push = d.pure(['push', ref]);
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, /: Pushed\n/);
  assert.match(push.stdout, new RegExp(`${ref.replace(/\./g, '\\.')}: digest: sha256:[a-f0-9]{64} size: \\d+\\n$`));
  assert.equal(d.pure(['rmi', ref]).code, 0);

  const pull = d.pure(['pull', ref]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.match(pull.stdout, /Status: Downloaded newer image for /);
  assert.ok(pull.stdout.endsWith(`${ref}\n`));
  const run = d.pure(['run', '--rm', ref, 'echo', 'pulled and running']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'pulled and running\n');
  const again = d.pure(['pull', '-q', ref]);
  assert.equal(again.stdout, `${ref}\n`);
});

void test('an image pushed by skopeo is pulled by digest and runs', async () => {
  const work = await mkdtemp(join(tmpdir(), 'pure-cli-layout-'));
  try {
    await makeBusyboxTar(join(work, 'bb.tar'));
    const digest = await writeLayout(join(work, 'layout'), 's', [{ layers: [await readFile(join(work, 'bb.tar')), singleFileTar('etc/motd', 'from skopeo\n')], gzip: true, cmd: ['cat', '/etc/motd'] }]);
    skopeoPush(join(work, 'layout'), 's', `${registry.host}/pure/skopeo:s`, { creds: `${USER}:${PASSWORD}` });
    const ref = `${registry.host}/pure/skopeo@${digest}`;
    const pull = d.pure(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    const run = d.pure(['run', '--rm', ref]);
    assert.equal(run.stdout, 'from skopeo\n', run.stderr);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

void test('an image whose layers skopeo recompressed as zstd is pulled (diff ids checked) and runs', async () => {
  const work = await mkdtemp(join(tmpdir(), 'pure-cli-zstd-'));
  try {
    await makeBusyboxTar(join(work, 'bb.tar'));
    await writeLayout(join(work, 'layout'), 'z', [{ layers: [await readFile(join(work, 'bb.tar')), singleFileTar('etc/motd', 'from zstd\n')], gzip: true, cmd: ['cat', '/etc/motd'] }]);
    const ref = `${registry.host}/pure/zstd:z`;
    skopeoPush(join(work, 'layout'), 'z', ref, { creds: `${USER}:${PASSWORD}`, zstd: true });
    const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${ref}`], { encoding: 'utf8' })) as { layers: { mediaType: string }[] };
    assert.deepEqual(raw.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd']);
    const pull = d.pure(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    const run = d.pure(['run', '--rm', ref]);
    assert.equal(run.stdout, 'from zstd\n', run.stderr);
    assert.equal(d.pure(['run', '--rm', ref, 'busybox', 'true']).code, 0);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

void test('save writes an archive that load reads back', async () => {
  const work = await mkdtemp(join(tmpdir(), 'pure-cli-save-'));
  try {
    await importBusybox(d, 'tosave:1');
    const id = d.pure(['image', 'inspect', 'tosave:1']).stdout;
    const save = d.pure(['save', '-o', join(work, 'x.tar'), 'tosave:1']);
    assert.equal(save.code, 0, save.stderr);
    assert.equal(d.pure(['rmi', 'tosave:1']).code, 0);
    const load = d.pure(['load', '-i', join(work, 'x.tar')]);
    assert.equal(load.stdout, 'Loaded image: tosave:1\n', load.stderr);
    assert.equal(d.pure(['image', 'inspect', 'tosave:1']).stdout, id);
    const missing = d.pure(['save', '-o', join(work, 'y.tar'), 'nope:1']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'pure: no such image: "nope:1"\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

void test('after logout, pull is refused as unauthorized, naming the reference', () => {
  const out = d.pure(['logout', registry.host]);
  assert.equal(out.stdout, `Removing login credentials for ${registry.host}\n`);
  const ref = `${registry.host}/pure/cli:1`;
  const pull = d.pure(['pull', ref]);
  assert.equal(pull.code, 1);
  assert.match(pull.stderr, new RegExp(`^pure: cannot pull "${ref.replace(/\./g, '\\.')}": unauthorized: .*\\n$`));
  assert.deepEqual(d.leaks(), []);
});
