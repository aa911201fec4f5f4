/**
 * Image store upkeep end to end, through the built CLI and a real daemon: `image bootstrap busybox` (from the
 * host's busybox-static), `image prune [-a]` (images, stray blobs and layer dirs) and `system df`.
 * Debian bootstrap is not here: it needs the Debian mirror and minutes (docs/images.md shows a real run).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon();
});

after(async () => {
  // containers a failed test left behind would otherwise show up as leaks and hide the real failure
  for (const name of ['user', 'sized']) d?.pure(['rm', '-f', name]);
  const leaks = d?.leaks() ?? [];
  await d?.cleanup();
  assert.deepEqual(leaks, []);
});

function ok(args: string[]): string {
  const r = d.pure(args);
  assert.equal(r.code, 0, `pure ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface Inspect {
  id: string;
  repoTags: string[];
  config: { Cmd?: string[] };
  layers: { diffId: string; chainId: string }[];
  manifestDigest: string;
}

const inspect = (ref: string): Inspect => (JSON.parse(ok(['image', 'inspect', ref])) as Inspect[])[0] as Inspect;
const blobs = async (): Promise<string[]> => (await readdir(join(d.root, 'content/blobs/sha256'))).sort();
const layerDirs = async (): Promise<string[]> => (await readdir(join(d.root, 'layers'))).sort();

void test('image bootstrap busybox makes a runnable image with Cmd sh, and bad sources leave nothing', async () => {
  const out = ok(['image', 'bootstrap', 'busybox']);
  assert.match(out, /busybox:latest\n$/);
  const img = inspect('busybox:latest');
  assert.deepEqual(img.config.Cmd, ['sh']);
  assert.equal(img.layers.length, 1);
  assert.equal(ok(['run', '--rm', 'busybox', 'sh', '-c', 'id -un; ls /bin/busybox; cat /var/www/index.html']), 'root\n/bin/busybox\nhello from pure\n');
  assert.equal(ok(['run', '--rm', '--user', 'app', 'busybox', 'id', '-u']), '1000\n');

  ok(['image', 'bootstrap', 'busybox', 'bb:custom']);
  assert.deepEqual(inspect('bb:custom').layers, img.layers, 'the same rootfs is the same layer, stored once');

  const before = { blobs: await blobs(), layers: await layerDirs(), images: ok(['images', '--format', 'json']) };
  for (const args of [['alpine'], ['debian:Bookworm'], ['debian:bookworm', '--include', 'bad pkg'], ['busybox', 'Bad:Ref'], ['busybox', '--mirror', 'http://x']]) {
    const r = d.pure(['image', 'bootstrap', ...args]);
    assert.notEqual(r.code, 0, `bootstrap ${args.join(' ')} should fail`);
    assert.match(r.stderr, /^pure: .+\n$/, r.stderr);
  }
  assert.deepEqual(await blobs(), before.blobs);
  assert.deepEqual(await layerDirs(), before.layers);
  assert.equal(ok(['images', '--format', 'json']), before.images);
  assert.deepEqual((await readdir(join(d.root, 'tmp'))).filter((n) => n.startsWith('load-')), [], 'no scratch dir left');
});

void test('image prune removes dangling images, -a every unused one, and stray blobs and layer dirs', async () => {
  await importBusybox(d, 'keep:1');
  await importBusybox(d, 'old:1');
  const dangling = inspect('old:1');
  await importBusybox(d, 'old:1'); // a new config (new created time): the first old:1 is now dangling
  assert.notEqual(inspect('old:1').id, dangling.id);
  ok(['create', '--name', 'user', 'keep:1']);

  // a blob and a layer dir no image references, as an interrupted import or a crash could leave them
  const stray = randomBytes(4096);
  const strayHex = createHash('sha256').update(stray).digest('hex');
  await writeFile(join(d.root, 'content/blobs/sha256', strayHex), stray);
  await mkdir(join(d.root, 'layers', 'f'.repeat(64)));

  const pruned = ok(['image', 'prune', '-f']);
  assert.match(pruned, new RegExp(`deleted: ${dangling.id}`));
  assert.match(pruned, new RegExp(`deleted: sha256:${strayHex}`));
  assert.match(pruned, /Total reclaimed space: \d/);
  assert.ok(!(await blobs()).includes(strayHex));
  assert.ok(!(await layerDirs()).includes('f'.repeat(64)));
  assert.notEqual(d.pure(['image', 'inspect', dangling.id]).code, 0);
  for (const ref of ['keep:1', 'old:1', 'busybox:latest', 'bb:custom']) inspect(ref);

  // without -f it asks, and a "no" removes nothing
  const asked = d.pure(['image', 'prune', '-a'], { input: 'n\n' });
  assert.equal(asked.code, 0, asked.stderr);
  assert.match(asked.stdout, /Are you sure you want to continue\? \[y\/N\]/);
  inspect('old:1');

  const all = ok(['image', 'prune', '-a', '-f']);
  assert.match(all, /untagged: old:1/);
  assert.match(all, /untagged: busybox:latest/);
  const left = JSON.parse(`[${ok(['images', '--format', 'json']).trim().split('\n').join(',')}]`) as { repoTags?: string[]; RepoTags?: string[] }[];
  assert.equal(left.length, 1, 'only the image a container uses is left');
  const keep = inspect('keep:1');
  // what is left on disk is exactly what keep:1 references
  const expected = [keep.id, keep.manifestDigest, ...keep.layers.map((l) => l.diffId)].map((x) => x.replace('sha256:', '')).sort();
  assert.deepEqual(await blobs(), expected);
  assert.deepEqual(await layerDirs(), keep.layers.map((l) => l.chainId.replace('sha256:', '')).sort());
  ok(['rm', '-f', 'user']);
});

void test('system df counts images, containers and volumes with their sizes', async () => {
  await importBusybox(d, 'df:1');
  ok(['run', '--name', 'sized', 'df:1', 'sh', '-c', 'head -c 300000 /dev/zero > /big']);
  ok(['volume', 'create', 'dfvol']);
  const vol = (JSON.parse(ok(['volume', 'inspect', 'dfvol'])) as { mountpoint: string }[])[0];
  await writeFile(join(vol?.mountpoint ?? '/nonexistent', 'data'), Buffer.alloc(500_000));

  const df = JSON.parse(ok(['system', 'df', '--format', 'json'])) as Record<string, { total: number; active: number; size: number; reclaimable: number }>;
  const images = df.images;
  const containers = df.containers;
  const volumes = df.volumes;
  assert.ok(images && containers && volumes);
  assert.equal(images.total, 2); // keep:1 and df:1
  assert.equal(images.active, 1); // df:1 has a container; keep:1's was removed
  assert.equal(images.reclaimable, 0, 'keep:1 shares its only layer with df:1, which a container uses');
  assert.ok(images.size > 500_000, `busybox is about 1 MB unpacked: ${images.size}`);
  assert.equal(containers.total, 1);
  assert.equal(containers.active, 0);
  assert.ok(containers.size >= 300_000, `the exited container's writable layer holds /big: ${containers.size}`);
  assert.equal(containers.reclaimable, containers.size);
  assert.equal(volumes.total, 1);
  assert.ok(volumes.size >= 500_000 && volumes.reclaimable === volumes.size);
  assert.deepEqual(df.buildCache, { total: 0, active: 0, size: 0, reclaimable: 0 });

  const table = ok(['system', 'df']);
  assert.match(table, /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\nImages +2 +1 +/);
  assert.match(table, /\nLocal Volumes +1 +0 +\S+ +\S+ \(100%\)\n/);
  ok(['rm', 'sized']);
  ok(['volume', 'rm', 'dfvol']);
});
