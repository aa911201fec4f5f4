import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { Conflict, InvalidArgument, NotFound } from '../../errors/index.js';
import { openDatabase, type Db } from '../../state/index.js';
import { makeBusyboxTar } from '../../../test/fixtures/busybox.js';
import { ImageService, chainIdOf, goArch } from './index.js';

type Entry = Partial<Header> & { name: string; body?: string | Buffer };

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      p.entry({ mode: 0o644, mtime: new Date(1_000_000_000_000), ...header }, body ?? '', (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Env {
  root: string;
  db: Db;
  images: ImageService;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Env> {
  const root = await mkdtemp(join(tmpdir(), 'pure-image-'));
  const db = openDatabase(join(root, 'state.db'));
  t.after(async () => {
    db.close();
    await rm(root, { recursive: true, force: true });
  });
  return { root, db, images: new ImageService({ root, db }) };
}

let busyboxTar: Buffer | undefined;
async function busybox(): Promise<Buffer> {
  if (!busyboxTar) {
    const dir = await mkdtemp(join(tmpdir(), 'pure-bbtar-'));
    try {
      await makeBusyboxTar(join(dir, 'busybox.tar'));
      busyboxTar = await readFile(join(dir, 'busybox.tar'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return busyboxTar;
}

const noUsers = (): string[] => [];

void test('importing the busybox tarball makes a one-layer image whose layer dir holds bin/busybox', async (t) => {
  const { root, images } = await setup(t);
  const tarball = await busybox();
  const img = await images.importRootfs(Readable.from([tarball]), 'busybox', { changes: { Cmd: ['sh'] } });
  assert.deepEqual(img.repoTags, ['busybox:latest']);
  assert.equal(img.layers.length, 1);
  assert.equal(img.layers[0]!.diffId, sha(tarball));
  assert.equal(img.layers[0]!.chainId, sha(tarball));
  assert.deepEqual(img.config, { Cmd: ['sh'] });
  assert.equal(img.architecture, goArch());
  assert.equal(img.os, 'linux');
  assert.ok(img.size > 500_000, `size ${img.size} counts the busybox binary`);
  const [dir] = images.layerDirs(img);
  assert.equal(dir, join(root, 'layers', sha(tarball).slice(7)));
  assert.ok((await stat(join(dir, 'bin/busybox'))).isFile());
  assert.equal(execFileSync(join(dir, 'bin/busybox'), ['echo', 'hi'], { encoding: 'utf8' }), 'hi\n');
  // The config blob is the image id, the manifest points at the uncompressed layer blob.
  const config = await images.content.readJson<{ rootfs: { diff_ids: string[] } }>(img.id);
  assert.deepEqual(config.rootfs.diff_ids, [sha(tarball)]);
  const manifest = await images.content.readJson<{ layers: { digest: string; size: number }[] }>(img.manifestDigest);
  assert.deepEqual(manifest.layers.map((l) => [l.digest, l.size]), [[sha(tarball), tarball.length]]);
  assert.deepEqual(images.get('busybox'), img);
});

void test('importing the same tarball again reuses the unpacked layer', async (t) => {
  const { root, images } = await setup(t);
  const tarball = await busybox();
  const a = await images.importRootfs(Readable.from([tarball]), 'a:1');
  const inode = (await stat(images.layerDirs(a)[0]!)).ino;
  const b = await images.importRootfs(Readable.from([gzipSync(tarball)]), 'b:1');
  assert.notEqual(a.id, b.id, 'each import has its own config (created time)');
  assert.deepEqual(images.layerDirs(b), images.layerDirs(a));
  assert.equal((await stat(images.layerDirs(b)[0]!)).ino, inode);
  assert.deepEqual(await readdir(join(root, 'layers')), [sha(tarball).slice(7)]);
  // Removing one image keeps the layer the other still uses.
  assert.deepEqual(images.remove('a:1', { usedBy: noUsers }).deleted, [a.id]);
  assert.ok((await stat(images.layerDirs(b)[0]!)).isDirectory());
  const gone = images.remove('b:1', { usedBy: noUsers });
  assert.deepEqual(gone.deleted, [b.id, b.layers[0]!.chainId]);
  assert.deepEqual(await readdir(join(root, 'layers')), []);
  assert.deepEqual(await images.content.list(), []);
});

void test('get by tag, full id, hex id and unique prefix; missing and ambiguous refs are errors', async (t) => {
  const { images } = await setup(t);
  const img = await images.importRootfs(Readable.from([await makeTar([{ name: 'a', body: '1' }])]), 'localhost:5000/x/y:1');
  const hex = img.id.slice(7);
  for (const ref of ['localhost:5000/x/y:1', img.id, hex, hex.slice(0, 4), `localhost:5000/x/y@${img.manifestDigest}`]) {
    assert.equal(images.get(ref).id, img.id, ref);
  }
  assert.throws(() => images.get('nope'), (e: unknown) => e instanceof NotFound && e.message === 'no such image: "nope"');
  assert.throws(() => images.get('localhost:5000/x/y'), NotFound, 'default tag is latest');
  assert.throws(() => images.get('Bad:Ref'), InvalidArgument);
  assert.deepEqual(images.list().map((i) => i.id), [img.id]);
});

void test('an id prefix shared by two images is ambiguous', async (t) => {
  const { images } = await setup(t);
  const layer = await makeTar([{ name: 'a', body: '1' }]);
  // Find two configs whose ids share their first 4 hex chars (a birthday search over 16 bits).
  const seen = new Map<string, Buffer>();
  let pair: [Buffer, Buffer] | undefined;
  for (let i = 0; !pair; i++) {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', author: String(i), rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
    const prefix = sha(config).slice(7, 11);
    const earlier = seen.get(prefix);
    if (earlier) pair = [earlier, config];
    else seen.set(prefix, config);
  }
  const a = await images.install(pair[0], [() => Promise.resolve(Readable.from([layer]))], ['p:a']);
  const b = await images.install(pair[1], [() => Promise.resolve(Readable.from([layer]))], ['p:b']);
  const prefix = a.id.slice(7, 11);
  assert.equal(b.id.slice(7, 11), prefix);
  assert.throws(() => images.get(prefix), (e: unknown) => e instanceof InvalidArgument && /ambiguous image id prefix "[0-9a-f]{4}": it matches 2 images/.test(e.message));
  assert.equal(images.get(a.id.slice(7, 30)).id, a.id);
  assert.deepEqual(images.layerDirs(a), images.layerDirs(b));
});

void test('tag adds names; rmi of one of several tags only untags; the last tag deletes the image', async (t) => {
  const { root, images } = await setup(t);
  const img = await images.importRootfs(Readable.from([await makeTar([{ name: 'f', body: 'x' }])]), 'app:1');
  images.tag('app:1', 'app:2');
  images.tag(img.id.slice(7, 19), 'docker.io/library/app');
  assert.deepEqual(images.get('app:1').repoTags, ['app:1', 'app:2', 'app:latest']);
  assert.throws(() => images.remove(img.id, { usedBy: noUsers }), Conflict, 'by id with several tags needs -f');
  assert.deepEqual(images.remove('app:2', { usedBy: noUsers }), { untagged: ['app:2'], deleted: [] });
  assert.deepEqual(images.remove('app', { usedBy: noUsers }), { untagged: ['app:latest'], deleted: [] });
  const dirs = images.layerDirs(img);
  const result = images.remove('app:1', { usedBy: noUsers });
  assert.deepEqual(result.untagged, ['app:1']);
  assert.deepEqual(result.deleted, [img.id, img.layers[0]!.chainId]);
  assert.throws(() => images.get(img.id), NotFound);
  await assert.rejects(stat(dirs[0]!));
  assert.deepEqual(await readdir(join(root, 'content/blobs/sha256')), []);
});

void test('rmi refuses an image used by a container; -f untags and keeps the layers for it', async (t) => {
  const { images } = await setup(t);
  const img = await images.importRootfs(Readable.from([await makeTar([{ name: 'f', body: 'x' }])]), 'web-image');
  const usedBy = (id: string): string[] => (id === img.id ? ['web'] : []);
  assert.throws(
    () => images.remove('web-image', { usedBy }),
    (e: unknown) => e instanceof Conflict && e.message === 'cannot remove image "web-image": it is used by container "web" (use -f)',
  );
  assert.deepEqual(images.remove('web-image', { usedBy, force: true }), { untagged: ['web-image:latest'], deleted: [] });
  const dangling = images.get(img.id);
  assert.deepEqual(dangling.repoTags, []);
  assert.ok((await stat(images.layerDirs(dangling)[0]!)).isDirectory());
  assert.deepEqual(images.remove(img.id, { usedBy: noUsers }).deleted, [img.id, img.layers[0]!.chainId]);
});

void test('a hostile tarball import fails clearly and leaves no layer dir, no blob, no record', async (t) => {
  const { root, images } = await setup(t);
  const hostile = await makeTar([{ name: 'ok', body: '1' }, { name: 'x', type: 'symlink', linkname: '/etc' }, { name: 'x/passwd', body: 'pwned' }]);
  await assert.rejects(images.importRootfs(Readable.from([hostile]), 'evil'), (e: unknown) => {
    assert.ok(e instanceof InvalidArgument);
    assert.equal(e.message, 'cannot import "evil": invalid layer entry "x/passwd": parent "x" is a symlink');
    return true;
  });
  assert.deepEqual(await readdir(join(root, 'layers')), []);
  assert.deepEqual(await images.content.list(), []);
  assert.deepEqual(images.list(), []);
  assert.throws(() => images.get('evil'), NotFound);
});

void test('leftover .tmp- layer dirs and unreferenced layers from a crash are removed on start', async (t) => {
  const { root, db, images } = await setup(t);
  const img = await images.importRootfs(Readable.from([await makeTar([{ name: 'f', body: 'x' }])]), 'keep');
  await mkdir(join(root, 'layers/.tmp-deadbeef/usr'), { recursive: true });
  await mkdir(join(root, 'layers', 'f'.repeat(64)));
  const again = new ImageService({ root, db });
  assert.deepEqual(await readdir(join(root, 'layers')), [img.layers[0]!.chainId.slice(7)]);
  assert.equal(again.get('keep').id, img.id);
});

/** Two layers: the second deletes etc/motd (whiteout) and replaces var/cache's content (opaque). */
async function twoLayers(): Promise<{ l1: Buffer; l2: Buffer; config: Buffer }> {
  const l1 = await makeTar([
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: 'etc/motd', body: 'old motd\n' },
    { name: 'var/cache/old', body: 'stale' },
  ]);
  const l2 = await makeTar([
    { name: 'etc/.wh.motd', body: '' },
    { name: 'var/cache/', type: 'directory', mode: 0o755 },
    { name: 'var/cache/.wh..wh..opq', body: '' },
    { name: 'var/cache/new', body: 'fresh' },
  ]);
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-02T03:04:05Z',
      architecture: goArch(),
      os: 'linux',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [sha(l1), sha(l2)] },
    }),
  );
  return { l1, l2, config };
}

async function assertTwoLayerImage(images: ImageService, ref: string, l1: Buffer, l2: Buffer, config: Buffer): Promise<void> {
  const img = images.get(ref);
  assert.equal(img.id, sha(config));
  assert.deepEqual(img.config, { Env: ['PATH=/bin'], Cmd: ['sh'] });
  assert.equal(img.created, '2024-01-02T03:04:05Z');
  assert.deepEqual(
    img.layers.map((l) => [l.diffId, l.chainId]),
    [
      [sha(l1), sha(l1)],
      [sha(l2), chainIdOf(sha(l1), sha(l2))],
    ],
  );
  assert.equal(chainIdOf(sha(l1), sha(l2)), sha(`${sha(l1)} ${sha(l2)}`));
  const [lower, upper] = images.layerDirs(img);
  assert.equal(await readFile(join(lower!, 'etc/motd'), 'utf8'), 'old motd\n');
  const wh = await lstat(join(upper!, 'etc/motd'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'whiteout is a 0:0 char device');
  assert.equal(execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', join(upper!, 'var/cache')], { encoding: 'utf8' }), 'y');
  assert.deepEqual(await readdir(join(upper!, 'var/cache')), ['new']);
  // The real check: the kernel's overlayfs, stacking the dirs, hides what the upper layer deleted.
  const merged = await mkdtemp(join(tmpdir(), 'pure-merged-'));
  try {
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper!}:${lower!}`, merged]);
    try {
      await assert.rejects(lstat(join(merged, 'etc/motd')));
      assert.deepEqual(await readdir(join(merged, 'var/cache')), ['new']);
    } finally {
      execFileSync('umount', [merged]);
    }
  } finally {
    await rm(merged, { recursive: true, force: true });
  }
}

void test('load reads a legacy docker save archive with a gzipped second layer', async (t) => {
  const { images } = await setup(t);
  const { l1, l2, config } = await twoLayers();
  const id = sha(config).slice(7);
  const archive = await makeTar([
    { name: `${id}.json`, body: config },
    { name: 'aaa/', type: 'directory', mode: 0o755 },
    { name: 'aaa/layer.tar', body: l1 },
    { name: 'bbb/layer.tar', body: gzipSync(l2) },
    { name: 'manifest.json', body: JSON.stringify([{ Config: `${id}.json`, RepoTags: ['myapp:v1'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }]) },
  ]);
  const loaded = await images.load(Readable.from([archive]));
  assert.deepEqual(loaded.map((i) => i.repoTags), [['myapp:v1']]);
  await assertTwoLayerImage(images, 'myapp:v1', l1, l2, config);
});

void test('load reads an OCI image layout archive, following blob symlinks, tagging from annotations', async (t) => {
  const { root, images } = await setup(t);
  const { l1, l2, config } = await twoLayers();
  const gz2 = gzipSync(l2);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(l1), size: l1.length },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(gz2), size: gz2.length },
      ],
    }),
  );
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'busybox:oci' } }],
  };
  const blob = (b: Buffer): string => `blobs/sha256/${sha(b).slice(7)}`;
  const archive = gzipSync(
    await makeTar([
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', body: JSON.stringify(index) },
      { name: blob(config), body: config },
      { name: blob(manifest), body: manifest },
      { name: 'real/l1.tar', body: l1 },
      { name: blob(l1), type: 'symlink', linkname: '../../real/l1.tar' },
      { name: blob(gz2), body: gz2 },
    ]),
  );
  const [img] = await images.load(Readable.from([archive]));
  assert.deepEqual(img!.repoTags, ['busybox:oci']);
  await assertTwoLayerImage(images, 'busybox:oci', l1, l2, config);
  assert.deepEqual(await readdir(join(root, 'tmp')), [], 'the spooled archive is deleted');
});

void test('load rejects a layer whose content does not match the config diff ids, keeping nothing', async (t) => {
  const { root, images } = await setup(t);
  const { l1, config } = await twoLayers();
  const archive = await makeTar([
    { name: 'c.json', body: config },
    { name: 'l1.tar', body: l1 },
    { name: 'l2.tar', body: await makeTar([{ name: 'other', body: '!' }]) },
    { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: ['bad:1'], Layers: ['l1.tar', 'l2.tar'] }]) },
  ]);
  await assert.rejects(images.load(Readable.from([archive])), /does not match the image config/);
  assert.deepEqual(images.list(), []);
  assert.deepEqual(await readdir(join(root, 'layers')), []);
  assert.deepEqual(await images.content.list(), []);
});

void test('an aborted import stops and leaves nothing behind', async (t) => {
  const { root, images } = await setup(t);
  const controller = new AbortController();
  const tarball = await busybox();
  // A source that aborts the import after its first chunk.
  async function* slow(): AsyncGenerator<Buffer> {
    yield tarball.subarray(0, 65536);
    controller.abort(new Error('stop'));
    yield tarball.subarray(65536);
  }
  await assert.rejects(images.importRootfs(Readable.from(slow()), 'aborted', { signal: controller.signal }), /stop/);
  assert.deepEqual(await readdir(join(root, 'layers')), []);
  assert.deepEqual(await images.content.list(), []);
  assert.deepEqual(await readdir(join(root, 'content/ingest')), []);
  assert.deepEqual(images.list(), []);
});
