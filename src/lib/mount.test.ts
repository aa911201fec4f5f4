import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MNT_DETACH, MS_NODEV, MS_NOSUID, MountError, mountFs, unmountFs, unmountFsAsync } from './mount.js';

const mounted = async (dir: string): Promise<boolean> =>
  (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((l) => l.split(' ')[4] === dir);

void test('mountFs mounts a tmpfs with its options and unmountFs takes it away', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pure-mount-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  mountFs('tmpfs', 'pure-test', dir, 'size=1m,mode=0700', MS_NOSUID | MS_NODEV);
  try {
    assert.equal(await mounted(dir), true);
    const line = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.split(' ')[4] === dir) ?? '';
    assert.match(line, /tmpfs pure-test .*size=1024k/);
    assert.match(line.split(' ')[5] ?? '', /nosuid,nodev/, 'the flags are the mount\'s own options');
    await writeFile(join(dir, 'f'), 'x');
  } finally {
    unmountFs(dir);
  }
  assert.equal(await mounted(dir), false);
  await assert.rejects(readFile(join(dir, 'f')), /ENOENT/, 'the file lived in the tmpfs');
});

void test('a failed mount or unmount throws a MountError naming the target and the errno', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pure-mount-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const missing = join(dir, 'missing');
  assert.throws(() => mountFs('tmpfs', 'x', missing, ''), (e: unknown) => e instanceof MountError && e.errno === 'ENOENT' && e.message.includes(missing));
  assert.throws(() => mountFs('no-such-fs', 'x', dir, ''), (e: unknown) => e instanceof MountError && e.errno === 'ENODEV');
  assert.throws(() => unmountFs(dir), (e: unknown) => e instanceof MountError && e.errno === 'EINVAL' && e.message.includes(dir));
});

void test('MNT_DETACH unmounts a mount a process still holds open', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pure-mount-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  mountFs('tmpfs', 'pure-test', dir, 'size=1m');
  await mkdir(join(dir, 'sub'));
  const held = await open(join(dir, 'sub', 'f'), 'w');
  try {
    assert.throws(() => unmountFs(dir), (e: unknown) => e instanceof MountError && e.errno === 'EBUSY');
    unmountFs(dir, MNT_DETACH);
    assert.equal(await mounted(dir), false);
  } finally {
    await held.close();
  }
});

void test('unmountFsAsync unmounts off the event loop, and a failure still names the errno', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pure-mount-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  mountFs('tmpfs', 'pure-test', dir, 'size=1m');
  await unmountFsAsync(dir);
  assert.equal(await mounted(dir), false);
  await assert.rejects(unmountFsAsync(dir), (e: unknown) => e instanceof MountError && e.errno === 'EINVAL');
});
