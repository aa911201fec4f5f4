import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, chownSync, chmodSync, renameSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../state/index.js';
import { VolumeService } from './index.js';

async function setup(t: { after(fn: () => Promise<void>): void }, users: Record<string, string[]> = {}) {
  const root = await mkdtemp(join(tmpdir(), 'pure-vol-'));
  const db = openDatabase(join(root, 'state.db'));
  const svc = new VolumeService({ root, db, usersOf: (n) => users[n] ?? [] });
  t.after(async () => {
    db.close();
    await rm(root, { recursive: true, force: true });
  });
  return { root, db, svc, users };
}

void test('create makes <root>/volumes/<name>/_data and a row; an existing name is returned as is', async (t) => {
  const { root, svc } = await setup(t);
  const v = svc.create({ name: 'data', labels: { team: 'a' } });
  assert.equal(v.mountpoint, join(root, 'volumes', 'data', '_data'));
  assert.ok(statSync(v.mountpoint).isDirectory());
  assert.deepEqual(svc.create({ name: 'data', labels: { other: 'x' } }).labels, { team: 'a' });
  const anon = svc.create();
  assert.match(anon.name, /^[0-9a-f]{64}$/);
  assert.deepEqual(svc.list().map((x) => x.name).sort(), [anon.name, 'data'].sort());
});

void test('bad names are refused before anything is made', async (t) => {
  const { root, svc } = await setup(t);
  for (const name of ['a', '-x', '.hidden', 'a/b', '..', 'x y']) {
    assert.throws(() => svc.create({ name }), (e: Error) => e.message === `invalid volume name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters`);
  }
  assert.deepEqual(readdirSync(join(root, 'volumes')), []);
});

void test('rm refuses a volume in use, even with force; force forgives a missing one', async (t) => {
  const { svc, users } = await setup(t);
  svc.create({ name: 'busy' });
  users.busy = ['web'];
  await assert.rejects(svc.remove('busy', { force: true }), { code: 'conflict', message: 'cannot remove volume "busy": it is in use by container "web"' });
  assert.equal(svc.get('busy').name, 'busy');
  await assert.rejects(svc.remove('nope'), { code: 'not_found', message: 'no such volume: "nope"' });
  await svc.remove('nope', { force: true });
});

void test('removing a volume never follows a symlink planted inside it: the host directory survives', async (t) => {
  const { root, svc } = await setup(t);
  const host = join(root, 'host-dir');
  mkdirSync(host);
  writeFileSync(join(host, 'precious'), 'keep me');
  const v = svc.create({ name: 'evil' });
  symlinkSync(host, join(v.mountpoint, 'link'));
  symlinkSync(join(host, 'precious'), join(v.mountpoint, 'file-link'));
  await svc.remove('evil');
  assert.equal(readFileSync(join(host, 'precious'), 'utf8'), 'keep me');
  assert.equal(existsSync(join(root, 'volumes', 'evil')), false);
  assert.deepEqual(readdirSync(join(root, 'volumes')), []);
});

void test('ls filters: dangling, name, label; prune takes unused anonymous volumes (all: named too)', async (t) => {
  const { svc, users } = await setup(t);
  svc.create({ name: 'keep', labels: { env: 'prod' } });
  svc.create({ name: 'used' });
  users.used = ['c1'];
  const anon = svc.make('a'.repeat(64), { labels: {}, anonymous: true });
  writeFileSync(join(svc.dataDir(anon.name), 'f'), '12345');
  assert.deepEqual(svc.list(['dangling=false']).map((v) => v.name), ['used']);
  assert.deepEqual(svc.list(['name=kee']).map((v) => v.name), ['keep']);
  assert.deepEqual(svc.list(['label=env=prod']).map((v) => v.name), ['keep']);
  assert.throws(() => svc.list(['colour=red']), /unknown key "colour"/);
  assert.deepEqual(await svc.prune(), { volumesDeleted: [anon.name], spaceReclaimed: 5 });
  assert.deepEqual((await svc.prune({ all: true, filters: ['label=env=dev'] })).volumesDeleted, []);
  assert.deepEqual((await svc.prune({ all: true })).volumesDeleted, ['keep']);
  assert.deepEqual(svc.list().map((v) => v.name), ['used']);
});

void test('attach: named volumes made when missing, anonymous ones for -v /path and image VOLUMEs not otherwise mounted', async (t) => {
  const { svc } = await setup(t);
  const r = svc.attach(
    { image: 'x', binds: [{ source: '/h', destination: '/etc/conf', readOnly: true }], volumes: [{ source: 'db', destination: '/var/db/', readOnly: false }, { destination: '/cache', readOnly: true }] },
    { Volumes: { '/var/db': {}, '/logs': {}, '/etc/conf': {} } },
  );
  assert.deepEqual(r.volumes.map((v) => [v.destination, v.readOnly, v.source === 'db' ? 'db' : /^[0-9a-f]{64}$/.test(v.source ?? '') ? 'anon' : v.source]), [
    ['/var/db', false, 'db'],
    ['/cache', true, 'anon'],
    ['/logs', false, 'anon'],
  ]);
  assert.equal(r.created.length, 3);
  assert.equal(svc.get('db').anonymous, false);
  assert.equal(svc.get(r.volumes[1]?.source ?? '').anonymous, true);
});

void test('attach refuses duplicates, bad names and a missing --mount volume, leaving nothing made', async (t) => {
  const { root, svc } = await setup(t);
  const bad: [Parameters<VolumeService['attach']>[0], RegExp][] = [
    [{ image: 'x', volumes: [{ source: 'aa', destination: '/d', readOnly: false }, { destination: '/d/', readOnly: false }] }, /^duplicate mount point "\/d"$/],
    [{ image: 'x', volumes: [{ destination: '/t', readOnly: false }], tmpfs: { '/t': '' } }, /duplicate mount point/],
    [{ image: 'x', volumes: [{ source: 'ok', destination: '/a', readOnly: false }, { source: '../x', destination: '/b', readOnly: false }] }, /invalid volume name "..\/x"/],
    [{ image: 'x', volumes: [{ destination: '/', readOnly: false }] }, /cannot be "\/"/],
    [{ image: 'x', volumes: [{ source: 'ghost', destination: '/g', readOnly: false, mustExist: true }] }, /^no such volume: "ghost"/],
  ];
  for (const [req, re] of bad) assert.throws(() => svc.attach(req, { Volumes: { '/img': {} } }), (e: Error) => re.test(e.message));
  assert.deepEqual(svc.list(), []);
  assert.deepEqual(readdirSync(join(root, 'volumes')), []);
});

void test('copy-up fills an empty volume from the image path with modes and owners, and never follows the image\'s symlinks', async (t) => {
  const { root, svc } = await setup(t);
  const rootfs = join(root, 'rootfs');
  mkdirSync(join(rootfs, 'data', 'sub'), { recursive: true });
  writeFileSync(join(rootfs, 'data', 'seed'), 'from image');
  chownSync(join(rootfs, 'data', 'sub'), 1234, 4321);
  chmodSync(join(rootfs, 'data'), 0o1777);
  symlinkSync('/etc', join(rootfs, 'data', 'etc-link'));
  symlinkSync('/etc', join(rootfs, 'escape')); // VOLUME /escape → the host's /etc: never copied
  mkdirSync(join(rootfs, 'full'));
  writeFileSync(join(rootfs, 'full', 'img'), 'image');
  const r = svc.attach({ image: 'x', volumes: [{ source: 'full', destination: '/full', readOnly: false }] }, { Volumes: { '/data': {}, '/escape': {} } });
  writeFileSync(join(svc.dataDir('full'), 'mine'), 'already here');
  await svc.populate(r.volumes, rootfs);
  const data = svc.dataDir(r.volumes.find((v) => v.destination === '/data')?.source ?? '');
  assert.equal(readFileSync(join(data, 'seed'), 'utf8'), 'from image');
  assert.equal(statSync(data).mode & 0o7777, 0o1777);
  assert.deepEqual([statSync(join(data, 'sub')).uid, statSync(join(data, 'sub')).gid], [1234, 4321]);
  assert.equal(lstatSync(join(data, 'etc-link')).isSymbolicLink(), true);
  const escape = svc.dataDir(r.volumes.find((v) => v.destination === '/escape')?.source ?? '');
  assert.deepEqual(readdirSync(escape), []);
  assert.deepEqual(readdirSync(svc.dataDir('full')), ['mine']); // not empty: no copy
  assert.equal(existsSync(join(svc.dir('full'), '_copyup')), false);
});

void test('recover finishes interrupted removals, adopts directories without rows and never deletes a volume', async (t) => {
  const { root, db, svc } = await setup(t);
  svc.create({ name: 'kept' });
  writeFileSync(join(svc.dataDir('kept'), 'f'), 'x');
  mkdirSync(join(root, 'volumes', 'orphan', '_data'), { recursive: true });
  const gone = svc.create({ name: 'gone' });
  renameSync(join(root, 'volumes', 'gone'), join(root, 'volumes', '.trash-gone-0badcafe'));
  svc.repo.delete(gone.name);
  const again = new VolumeService({ root, db, usersOf: () => [] });
  const report = await again.recover();
  assert.deepEqual(report, { adoptedVolumes: ['orphan'], recreatedVolumes: [], finishedVolumeRemoves: ['gone'] });
  assert.deepEqual(again.list().map((v) => v.name), ['kept', 'orphan']);
  assert.equal(readFileSync(join(again.dataDir('kept'), 'f'), 'utf8'), 'x');
  assert.deepEqual(readdirSync(join(root, 'volumes')).sort(), ['kept', 'orphan']);
});
