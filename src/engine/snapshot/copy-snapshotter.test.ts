/** Copy-only behaviour; the shared contract is in testsuite.ts (run by copy.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, link, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/index.js';
import { makeWorld, makeOpaque, whiteout } from './testsuite.js';

void test('the copy keeps hard links, devices and modes, and drops whiteouts and opaque markers', async (t) => {
  const w = await makeWorld(t, 'copy');
  const base = await w.layer('base', { 'bin/tool': 'x', 'd/old': 'o', gone: 'g' }, async (dir) => {
    await link(join(dir, 'bin/tool'), join(dir, 'bin/alias'));
    await chmod(join(dir, 'bin/tool'), 0o4755);
    await mkdir(join(dir, 'dev'));
    await run('mknod', [join(dir, 'dev/null'), 'c', '1', '3']);
  });
  const top = await w.layer('top', { 'd/new': 'n' }, async (dir) => {
    await makeOpaque(join(dir, 'd'));
    await whiteout(join(dir, 'gone'));
    await chmod(dir, 0o700);
  });
  const rootfs = await w.sn.prepare('c1', [base, top]);
  const tool = await stat(join(rootfs, 'bin/tool'));
  assert.equal(tool.ino, (await stat(join(rootfs, 'bin/alias'))).ino);
  assert.equal(tool.mode & 0o7777, 0o4755);
  const dev = await lstat(join(rootfs, 'dev/null'));
  assert.ok(dev.isCharacterDevice());
  assert.equal(dev.rdev, (await lstat('/dev/null')).rdev);
  assert.deepEqual((await readdir(rootfs)).sort(), ['bin', 'd', 'dev']);
  assert.deepEqual(await readdir(join(rootfs, 'd')), ['new']);
  const xattr = await run('getfattr', ['-h', '-n', 'trusted.overlay.opaque', join(rootfs, 'd')], { check: false });
  assert.notEqual(xattr.code, 0, 'the opaque marker is not copied into the rootfs');
  assert.equal((await stat(rootfs)).mode & 0o777, 0o700, 'the top layer root sets the rootfs mode');
});

void test('an interrupted copy is redone from scratch by the next prepare', async (t) => {
  const w = await makeWorld(t, 'copy');
  const base = await w.layer('base', { f: 'x' });
  await mkdir(join(w.tmp, 'snapshots/c1/.rootfs-partial/stale'), { recursive: true });
  assert.deepEqual(await w.sn.list(), ['c1']);
  const rootfs = await w.sn.prepare('c1', [base]);
  assert.deepEqual(await readdir(rootfs), ['f']);
  assert.deepEqual((await readdir(join(w.tmp, 'snapshots/c1'))).sort(), ['rootfs']);
});
