/**
 * The conformance suite every Snapshotter runs (after containerd's core/snapshots/testsuite): one
 * behaviour, one test, the same for overlay and copy. Each test builds its own overlayfs-format layers
 * (whiteouts with mknod, opaque dirs with setfattr) in a fresh temp dir and removes every snapshot and
 * mount it made, even when it fails.
 *
 *   snapshotterSuite('overlay', { skip: { 'case name': 'why' } })
 */
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../../lib/index.js';
import { isPureError } from '../../errors/index.js';
import type { Snapshotter, SnapshotterKind } from './snapshotter.js';
import { newSnapshotter } from './index.js';
import { makeBusyboxRootfs } from '../../../test/fixtures/busybox.js';
import { mountPointsUnder, unmountTree } from './mounts.js';

export interface SuiteOptions {
  /** Case name → why this implementation cannot honour it. */
  skip?: Readonly<Record<string, string>>;
}

/** A temp world: `layers/` holds committed layer dirs, `snapshots/` is the snapshotter's root. */
export interface World {
  tmp: string;
  sn: Snapshotter;
  /** Make a layer dir `layers/<name>` with files `{ 'etc/hostname': 'x' }`, then let `extra` add more. */
  layer(name: string, files?: Record<string, string>, extra?: (dir: string) => Promise<void>): Promise<string>;
}

export async function makeWorld(t: TestContext, kind: SnapshotterKind, tmpRoot = tmpdir()): Promise<World> {
  const tmp = await mkdtemp(join(tmpRoot, `pure-snap-${kind}-`));
  const sn = newSnapshotter(kind, { root: join(tmp, 'snapshots') });
  t.after(async () => {
    for (const key of await sn.list().catch(() => [])) await sn.remove(key).catch(() => undefined);
    await unmountTree(tmp);
    await rm(tmp, { recursive: true, force: true });
  });
  return {
    tmp,
    sn,
    async layer(name, files = {}, extra) {
      const dir = join(tmp, 'layers', name);
      await mkdir(dir, { recursive: true });
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      if (extra) await extra(dir);
      return dir;
    },
  };
}

export async function whiteout(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await run('mknod', [path, 'c', '0', '0']);
}

export async function makeOpaque(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await run('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', dir]);
}

async function present(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

function hasCode(code: string) {
  return (e: unknown) => isPureError(e) && e.code === code;
}

export function snapshotterSuite(kind: SnapshotterKind, opts: SuiteOptions = {}): void {
  const skip = opts.skip ?? {};
  const test = (name: string, fn: (t: TestContext) => Promise<void>) =>
    void it(name, skip[name] === undefined ? {} : { skip: skip[name] }, fn);

  void describe(`${kind} snapshotter conformance`, () => {
    test('a file from a lower layer is visible', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { 'etc/hostname': 'base\n', 'etc/motd': 'hi\n' });
      const top = await w.layer('top', { 'bin/tool': '#!/bin/sh\n' });
      const rootfs = await w.sn.prepare('c1', [base, top]);
      assert.equal(rootfs, w.sn.rootfs('c1'));
      assert.equal(await readFile(join(rootfs, 'etc/hostname'), 'utf8'), 'base\n');
      assert.equal(await readFile(join(rootfs, 'bin/tool'), 'utf8'), '#!/bin/sh\n');
    });

    test('an upper layer file shadows the same path in a lower layer', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { 'etc/os-release': 'v1\n' });
      const top = await w.layer('top', { 'etc/os-release': 'v2\n' });
      const rootfs = await w.sn.prepare('c1', [base, top]);
      assert.equal(await readFile(join(rootfs, 'etc/os-release'), 'utf8'), 'v2\n');
    });

    test('a write goes to the snapshot, never to the layer dirs', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { 'etc/hostname': 'base\n' });
      const rootfs = await w.sn.prepare('c1', [base]);
      await writeFile(join(rootfs, 'etc/hostname'), 'changed\n');
      await writeFile(join(rootfs, 'new-file'), 'new\n');
      await rm(join(rootfs, 'etc/hostname'));
      assert.equal(await readFile(join(base, 'etc/hostname'), 'utf8'), 'base\n');
      assert.deepEqual(await readdir(base), ['etc']);
      assert.equal(await readFile(join(rootfs, 'new-file'), 'utf8'), 'new\n');
    });

    test('a whiteout in an upper layer hides a lower file and a lower directory', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { 'a/file': 'x', 'a/keep': 'k', 'b/inner': 'y' });
      const top = await w.layer('top', {}, async (dir) => {
        await whiteout(join(dir, 'a/file'));
        await whiteout(join(dir, 'b'));
      });
      const rootfs = await w.sn.prepare('c1', [base, top]);
      assert.deepEqual(await readdir(join(rootfs, 'a')), ['keep']);
      assert.equal(await present(join(rootfs, 'b')), false);
      assert.equal(await readFile(join(base, 'a/file'), 'utf8'), 'x');
    });

    test('an opaque dir hides lower content but shows its own', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { 'd/old': 'o', 'd/sub/x': 'x', 'other/kept': 'k' });
      const top = await w.layer('top', { 'd/new': 'n' }, (dir) => makeOpaque(join(dir, 'd')));
      const rootfs = await w.sn.prepare('c1', [base, top]);
      assert.deepEqual(await readdir(join(rootfs, 'd')), ['new']);
      assert.equal(await readFile(join(rootfs, 'other/kept'), 'utf8'), 'k');
    });

    test('two snapshots of the same parents are independent', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { 'etc/hostname': 'base\n' });
      const r1 = await w.sn.prepare('c1', [base]);
      const r2 = await w.sn.prepare('c2', [base]);
      assert.notEqual(r1, r2);
      await writeFile(join(r1, 'etc/hostname'), 'one\n');
      await writeFile(join(r1, 'only-in-one'), '1');
      assert.equal(await readFile(join(r2, 'etc/hostname'), 'utf8'), 'base\n');
      assert.equal(await present(join(r2, 'only-in-one')), false);
      await w.sn.remove('c1');
      assert.equal(await readFile(join(r2, 'etc/hostname'), 'utf8'), 'base\n');
    });

    test('remove frees the disk: the key dir is gone and nothing is mounted', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { 'etc/hostname': 'base\n' });
      const rootfs = await w.sn.prepare('c1', [base]);
      await writeFile(join(rootfs, 'big'), randomBytes(256 * 1024));
      await w.sn.remove('c1');
      assert.equal(await present(dirname(rootfs)), false);
      assert.equal(await w.sn.isMounted('c1'), false);
      assert.deepEqual(await mountPointsUnder(w.tmp), []);
      assert.deepEqual(await w.sn.list(), []);
      assert.equal(await readFile(join(base, 'etc/hostname'), 'utf8'), 'base\n');
    });

    test('remove and unmount are idempotent and safe on an unknown key', async (t) => {
      const w = await makeWorld(t, kind);
      await w.sn.unmount('never-made');
      await w.sn.remove('never-made');
      const base = await w.layer('base', { f: 'x' });
      await w.sn.prepare('c1', [base]);
      await w.sn.unmount('c1');
      await w.sn.unmount('c1');
      await w.sn.remove('c1');
      await w.sn.remove('c1');
      assert.deepEqual(await mountPointsUnder(w.tmp), []);
    });

    test('prepare is idempotent and keeps what was written', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { f: 'x' });
      const r1 = await w.sn.prepare('c1', [base]);
      await writeFile(join(r1, 'written'), 'w');
      const r2 = await w.sn.prepare('c1', [base]);
      assert.equal(r2, r1);
      assert.equal(await readFile(join(r2, 'written'), 'utf8'), 'w');
      assert.ok((await mountPointsUnder(w.tmp)).length <= 1, 'at most one mount for one snapshot');
      assert.deepEqual(await w.sn.list(), ['c1']);
    });

    test('unmount keeps the writes and mount brings them back', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { f: 'x' });
      const rootfs = await w.sn.prepare('c1', [base]);
      await writeFile(join(rootfs, 'written'), 'w');
      await w.sn.unmount('c1');
      assert.equal(await w.sn.mount('c1', [base]), rootfs);
      assert.equal(await w.sn.isMounted('c1'), true);
      assert.equal(await readFile(join(rootfs, 'written'), 'utf8'), 'w');
      assert.equal(await readFile(join(rootfs, 'f'), 'utf8'), 'x');
      await assert.rejects(w.sn.mount('never-made', [base]), hasCode('not_found'));
    });

    test('a symlink in a layer to an absolute host path is not followed', async (t) => {
      const w = await makeWorld(t, kind);
      const host = join(w.tmp, 'host');
      await mkdir(host);
      await writeFile(join(host, 'secret'), 'host data\n');
      const base = await w.layer('base', {}, async (dir) => {
        await symlink(host, join(dir, 'etc'));
        await symlink(join(host, 'secret'), join(dir, 'file-link'));
        await symlink(host, join(dir, 'kept-link'));
      });
      const top = await w.layer('top', { 'etc/pwned': 'p', 'file-link': 'from layer\n' });
      const rootfs = await w.sn.prepare('c1', [base, top]);
      assert.equal(await present(join(host, 'pwned')), false);
      assert.equal(await readFile(join(host, 'secret'), 'utf8'), 'host data\n');
      assert.deepEqual((await readdir(host)).sort(), ['secret']);
      assert.equal(await readFile(join(rootfs, 'etc/pwned'), 'utf8'), 'p');
      assert.equal((await lstat(join(rootfs, 'file-link'))).isSymbolicLink(), false);
      assert.equal(await readlink(join(rootfs, 'kept-link')), host);
    });

    test('usage reflects written bytes', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { f: 'x' });
      const rootfs = await w.sn.prepare('c1', [base]);
      const before = await w.sn.usage('c1');
      await writeFile(join(rootfs, 'big'), randomBytes(1024 * 1024));
      const after = await w.sn.usage('c1');
      assert.ok(after.bytes - before.bytes >= 1024 * 1024, `grew by ${after.bytes - before.bytes} bytes`);
      assert.ok(after.inodes > before.inodes);
      await assert.rejects(w.sn.usage('never-made'), hasCode('not_found'));
    });

    test('a snapshot of no layers is an empty writable rootfs', async (t) => {
      const w = await makeWorld(t, kind);
      const rootfs = await w.sn.prepare('scratch', []);
      assert.deepEqual(await readdir(rootfs), []);
      await writeFile(join(rootfs, 'f'), 'x');
      assert.equal(await readFile(join(rootfs, 'f'), 'utf8'), 'x');
    });

    test('concurrent prepares of one key make one snapshot', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { f: 'x' });
      const [r1, r2] = await Promise.all([w.sn.prepare('c1', [base]), w.sn.prepare('c1', [base])]);
      assert.equal(r1, r2);
      assert.ok((await mountPointsUnder(w.tmp)).length <= 1, 'at most one mount for one snapshot');
      assert.deepEqual(await readdir(r1), ['f']);
    });

    test('a busybox image rootfs runs a program and keeps its writes', async (t) => {
      const w = await makeWorld(t, kind);
      const image = await w.layer('busybox', {}, makeBusyboxRootfs);
      const rootfs = await w.sn.prepare('c1', [image]);
      const out = await run('chroot', [rootfs, '/bin/sh', '-c', 'echo written > /tmp/out && cat /var/www/index.html']);
      assert.equal(out.stdout, 'hello from pure\n');
      assert.equal(await readFile(join(rootfs, 'tmp/out'), 'utf8'), 'written\n');
      assert.equal(await present(join(image, 'tmp/out')), false);
    });

    test('list names the snapshots on disk', async (t) => {
      const w = await makeWorld(t, kind);
      assert.deepEqual(await w.sn.list(), []);
      const base = await w.layer('base', { f: 'x' });
      await w.sn.prepare('b-2', [base]);
      await w.sn.prepare('a-1', [base]);
      await mkdir(join(w.tmp, 'snapshots', 'not-a-snapshot'));
      assert.deepEqual(await w.sn.list(), ['a-1', 'b-2']);
    });

    test('bad keys are invalid arguments and missing layers are not found', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { f: 'x' });
      for (const key of ['', '.', '..', '../escape', 'a/b', 'x'.repeat(129), 'sp ace']) {
        await assert.rejects(w.sn.prepare(key, [base]), hasCode('invalid_argument'), `key ${JSON.stringify(key)}`);
        await assert.rejects(w.sn.remove(key), hasCode('invalid_argument'), `key ${JSON.stringify(key)}`);
      }
      await assert.rejects(w.sn.prepare('c1', [join(w.tmp, 'layers/absent')]), hasCode('not_found'));
      await assert.rejects(w.sn.prepare('c1', ['relative/layer']), hasCode('invalid_argument'));
      assert.equal(await present(join(w.tmp, '..', 'escape')), false);
    });

    test('an aborted prepare rejects and leaves no mount', async (t) => {
      const w = await makeWorld(t, kind);
      const base = await w.layer('base', { f: 'x' });
      await assert.rejects(w.sn.prepare('c1', [base], { signal: AbortSignal.abort() }), { name: 'AbortError' });
      assert.deepEqual(await mountPointsUnder(w.tmp), []);
      assert.equal(await w.sn.isMounted('c1'), false);
    });
  });
}
