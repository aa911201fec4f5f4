/**
 * Pull from a real registry (Debian's docker-registry on 127.0.0.1), seeded by skopeo from OCI layouts built
 * here: tags and digests, OCI and Docker schema 2, gzip and plain layers, indexes with platform selection.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../src/state/index.js';
import { ImageService, pullImage, type TransferEvent } from '../src/engine/image/index.js';
import { RegistryClient } from '../src/engine/registry/index.js';
import { makeBusyboxTar } from './fixtures/busybox.js';
import { singleFileTar, skopeoPush, startRegistry, writeLayout, type TestRegistry } from './fixtures/registry.js';

let registry: TestRegistry;
let busybox: Buffer;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pure-regpull-'));
  await makeBusyboxTar(join(work, 'busybox.tar'));
  busybox = await readFile(join(work, 'busybox.tar'));
  registry = await startRegistry();
});

after(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

interface Env {
  root: string;
  db: Db;
  images: ImageService;
  client: RegistryClient;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Env> {
  const root = await mkdtemp(join(tmpdir(), 'pure-regpull-root-'));
  const db = openDatabase(join(root, 'state.db'));
  const client = new RegistryClient({ retry: { baseDelayMs: 10 } });
  t.after(async () => {
    await client.close();
    db.close();
    await rm(root, { recursive: true, force: true });
  });
  return { root, db, images: new ImageService({ root, db }), client };
}

async function seed(name: string, tag: string, images: Parameters<typeof writeLayout>[2], docker = false): Promise<string> {
  const dir = await mkdtemp(join(work, 'layout-'));
  const digest = await writeLayout(dir, tag, images);
  skopeoPush(dir, tag, `${registry.host}/${name}:${tag}`, { docker });
  return digest;
}

void test('pulls a multi-layer gzip OCI image by tag, and by digest to the same image', async (t) => {
  const env = await setup(t);
  const digest = await seed('pure/busybox', '1', [{ layers: [busybox, singleFileTar('hello.txt', 'hi\n')], gzip: true }]);
  const events: TransferEvent[] = [];
  const ref = `${registry.host}/pure/busybox:1`;
  const res = await pullImage(env.images, env.client, ref, { onProgress: (e) => events.push(e) });
  assert.equal(res.digest, digest);
  assert.deepEqual(res.image.repoTags, [ref]);
  assert.ok(res.image.repoDigests?.includes(`${registry.host}/pure/busybox@${digest}`));
  const dirs = env.images.layerDirs(res.image);
  assert.equal(dirs.length, 2);
  assert.ok(existsSync(join(dirs[0]!, 'bin', 'busybox')));
  assert.equal(await readFile(join(dirs[1]!, 'hello.txt'), 'utf8'), 'hi\n');
  assert.ok(events.some((e) => e.status === 'downloading' && e.current === e.total));
  assert.equal(events.filter((e) => e.status === 'verified').length, 2);

  const byDigest = await pullImage(env.images, env.client, `${registry.host}/pure/busybox@${digest}`);
  assert.equal(byDigest.image.id, res.image.id);
  assert.equal(env.images.get(`${registry.host}/pure/busybox@${digest}`).id, res.image.id);
  assert.equal(env.images.list().length, 1);
});

void test('a layer already in the store is not downloaded again', async (t) => {
  const env = await setup(t);
  await seed('pure/base', 'a', [{ layers: [busybox], gzip: true }]);
  await seed('pure/child', 'b', [{ layers: [busybox, singleFileTar('x', 'x')], gzip: true }]);
  await pullImage(env.images, env.client, `${registry.host}/pure/base:a`);
  const events: TransferEvent[] = [];
  const child = await pullImage(env.images, env.client, `${registry.host}/pure/child:b`, { onProgress: (e) => events.push(e) });
  assert.equal(events.filter((e) => e.status === 'exists').length, 1);
  assert.equal(events.filter((e) => e.status === 'verified').length, 1);
  assert.equal(child.image.layers.length, 2);
});

void test('pulls Docker schema 2 manifests with uncompressed layers', async (t) => {
  const env = await setup(t);
  await seed('pure/docker', 'v2', [{ layers: [busybox], gzip: false, cmd: ['echo', 'docker'] }], true);
  const head = await fetch(`http://${registry.host}/v2/pure/docker/manifests/v2`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  const doc = (await head.json()) as { mediaType: string; layers: { mediaType: string }[] };
  assert.equal(doc.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  const res = await pullImage(env.images, env.client, `${registry.host}/pure/docker:v2`);
  assert.deepEqual(res.image.config.Cmd, ['echo', 'docker']);
  assert.ok(existsSync(join(env.images.layerDirs(res.image)[0]!, 'bin', 'sh')));
});

void test('an index resolves to the host platform, or to --platform', async (t) => {
  const env = await setup(t);
  await seed('pure/multi', 'm', [
    { layers: [singleFileTar('arch', 'amd64\n')], architecture: 'amd64', gzip: true },
    { layers: [singleFileTar('arch', 'arm64\n')], architecture: 'arm64', variant: 'v8', gzip: true },
  ]);
  const ref = `${registry.host}/pure/multi:m`;
  const host = await pullImage(env.images, env.client, ref);
  assert.equal(host.image.architecture, process.arch === 'arm64' ? 'arm64' : 'amd64');
  const arm = await pullImage(env.images, env.client, ref, { platform: { os: 'linux', architecture: 'arm64' } });
  assert.equal(arm.image.architecture, 'arm64');
  assert.equal(await readFile(join(env.images.layerDirs(arm.image)[0]!, 'arch'), 'utf8'), 'arm64\n');
  await assert.rejects(pullImage(env.images, env.client, ref, { platform: { os: 'linux', architecture: 's390x' } }), (e: Error) => {
    assert.match(e.message, /^cannot pull ".*pure\/multi:m": no image for linux\/s390x in the index \(it has: linux\/amd64, linux\/arm64\/v8\)$/);
    return true;
  });
});

void test('a missing repository or tag is not_found, naming the reference', async (t) => {
  const env = await setup(t);
  const ref = `${registry.host}/pure/nothing:here`;
  await assert.rejects(pullImage(env.images, env.client, ref), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'not_found');
    assert.match(e.message, new RegExp(`^cannot pull "${ref.replace(/\./g, '\\.')}": not found: `));
    return true;
  });
  assert.equal(env.images.list().length, 0);
});
