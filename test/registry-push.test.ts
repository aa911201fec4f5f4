/**
 * Push to a real registry and save archives, checked by independent tools: skopeo inspects and copies what
 * Pure pushed; a fresh store pulls it back; saved archives load back (and skopeo reads the OCI ones).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openDatabase } from '../src/state/index.js';
import { ImageService, pullImage, pushImage, saveImages, type TransferEvent } from '../src/engine/image/index.js';
import { RegistryClient } from '../src/engine/registry/index.js';
import { makeBusyboxTar } from './fixtures/busybox.js';
import { startRegistry, type TestRegistry } from './fixtures/registry.js';

let registry: TestRegistry;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pure-regpush-'));
  await makeBusyboxTar(join(work, 'busybox.tar'));
  // the access log lets the chunked-upload test count PATCH requests
  registry = await startRegistry({}, { accessLog: true });
});

after(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

async function store(t: { after: (fn: () => Promise<void>) => void }, opts: { chunkSize?: number } = {}): Promise<{ images: ImageService; client: RegistryClient }> {
  const root = await mkdtemp(join(tmpdir(), 'pure-regpush-root-'));
  const db = openDatabase(join(root, 'state.db'));
  const client = new RegistryClient({ retry: { baseDelayMs: 10 }, chunkSize: opts.chunkSize });
  t.after(async () => {
    await client.close();
    db.close();
    await rm(root, { recursive: true, force: true });
  });
  return { images: new ImageService({ root, db }), client };
}

function skopeo(...args: string[]): string {
  return execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

void test('a pushed image is read by skopeo, copied by skopeo, and pulled back to the same image', async (t) => {
  const { images, client } = await store(t);
  const ref = `${registry.host}/pure/pushed:1`;
  const image = await images.importRootfs(createReadStream(join(work, 'busybox.tar')), ref, { changes: { Cmd: ['/bin/sh'] } });
  const events: TransferEvent[] = [];
  const res = await pushImage(images, client, ref, { onProgress: (e) => events.push(e) });
  assert.equal(res.digest, image.manifestDigest);
  assert.equal(events.filter((e) => e.status === 'pushed').length, 2);

  const inspected = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${ref}`)) as { Digest: string; Layers: string[] };
  assert.equal(inspected.Digest, image.manifestDigest);
  assert.deepEqual(inspected.Layers, [image.layers[0]!.diffId]);
  const oci = join(work, 'copied');
  skopeo('copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `oci:${oci}:x`);
  assert.ok(existsSync(join(oci, 'index.json')));

  const again: TransferEvent[] = [];
  await pushImage(images, client, ref, { onProgress: (e) => again.push(e) });
  assert.equal(again.filter((e) => e.status === 'exists').length, 2);
  assert.equal(again.filter((e) => e.status === 'pushed').length, 0);

  const fresh = await store(t);
  const pulled = await pullImage(fresh.images, fresh.client, ref);
  assert.equal(pulled.image.id, image.id);
  assert.deepEqual(pulled.image.config.Cmd, ['/bin/sh']);
});

void test('a layer larger than the chunk size is pushed in chunks (PATCH … PUT) and comes back byte for byte', async (t) => {
  const MiB = 1024 * 1024;
  const { images, client } = await store(t, { chunkSize: MiB });
  // busybox plus 3 MiB of incompressible bytes: a layer of more than 3 chunks
  const tarball = join(work, 'big.tar');
  await copyFile(join(work, 'busybox.tar'), tarball);
  const extra = await mkdtemp(join(tmpdir(), 'pure-regpush-big-'));
  t.after(() => rm(extra, { recursive: true, force: true }));
  await writeFile(join(extra, 'random.bin'), randomBytes(3 * MiB));
  execFileSync('tar', ['--append', '-f', tarball, '-C', extra, 'random.bin']);
  const ref = `${registry.host}/pure/chunked:1`;
  const image = await images.importRootfs(createReadStream(tarball), ref, { changes: { Cmd: ['/bin/sh'] } });
  const layer = image.layers[0]!;
  const before = patchesTo('pure/chunked');
  await pushImage(images, client, ref);

  const raw = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${ref}`)) as { layers: { digest: string; size: number }[] };
  assert.equal(raw.layers[0]!.digest, layer.diffId);
  assert.ok(raw.layers[0]!.size > 3 * MiB);
  const patches = patchesTo('pure/chunked') - before;
  assert.equal(patches, Math.ceil(raw.layers[0]!.size / MiB), registry.log().slice(-2000));

  const fresh = await store(t);
  const pulled = await pullImage(fresh.images, fresh.client, ref);
  assert.equal(pulled.image.id, image.id);
  assert.equal(pulled.image.layers[0]!.diffId, layer.diffId);
});

/** How many PATCH requests to the blob uploads of `repo` the registry has logged so far. */
function patchesTo(repo: string): number {
  return registry.log().split('\n').filter((l) => l.includes(`"PATCH /v2/${repo}/blobs/uploads/`)).length;
}

void test('pushing to another repository of the same registry mounts the blobs instead of uploading them', async (t) => {
  const { images, client } = await store(t);
  const first = `${registry.host}/pure/mount-src:1`;
  const second = `${registry.host}/pure/mount-dst:1`;
  await images.importRootfs(createReadStream(join(work, 'busybox.tar')), first);
  await pushImage(images, client, first);
  images.tag(first, second);
  const events: TransferEvent[] = [];
  await pushImage(images, client, second, { onProgress: (e) => events.push(e) });
  assert.equal(events.filter((e) => e.status === "mounted").length, 2, JSON.stringify(events));
  assert.equal(events.filter((e) => e.status === 'pushed').length, 0);
  skopeo('inspect', '--tls-verify=false', `docker://${second}`);
});

void test('push of an image that is not there fails with not_found naming it', async (t) => {
  const { images, client } = await store(t);
  await assert.rejects(pushImage(images, client, `${registry.host}/pure/absent:1`), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'not_found');
    assert.match(e.message, /^cannot push ".*\/pure\/absent:1": no such image/);
    return true;
  });
});

void test('save writes archives that load back, and an OCI layout skopeo reads', async (t) => {
  const { images } = await store(t);
  const image = await images.importRootfs(createReadStream(join(work, 'busybox.tar')), 'saved:1');
  images.tag('saved:1', 'saved:2');
  const docker = join(work, 'saved-docker.tar');
  await pipeline(saveImages(images, ['saved:1', 'saved:2']), createWriteStream(docker));
  const oci = join(work, 'saved-oci.tar');
  await pipeline(saveImages(images, ['saved:1'], { format: 'oci' }), createWriteStream(oci));

  const fresh = await store(t);
  const loaded = await fresh.images.load(createReadStream(docker));
  assert.deepEqual(loaded.map((i) => i.id), [image.id, image.id]);
  assert.deepEqual(fresh.images.get(image.id).repoTags, ['saved:1', 'saved:2']);
  const fromOci = await fresh.images.load(createReadStream(oci));
  assert.equal(fromOci[0]!.id, image.id);
  const inspected = JSON.parse(skopeo('inspect', `oci-archive:${oci}:1`)) as { Digest: string };
  assert.equal(inspected.Digest, image.manifestDigest);
  assert.throws(() => saveImages(images, ['nope:1']), /no such image: "nope:1"/);
});
