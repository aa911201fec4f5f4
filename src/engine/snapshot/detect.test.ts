import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../lib/index.js';
import { detectSnapshotter } from './index.js';
import { mountPointsUnder, unmountTree } from './mounts.js';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), 'pure-detect-'));
  t.after(async () => {
    await unmountTree(tmp);
    await rm(tmp, { recursive: true, force: true });
  });
  return tmp;
}

void test('detect picks overlay on an ext4 root and leaves nothing behind', async (t) => {
  const fsType = (await run('stat', ['-f', '-c', '%T', tmpdir()])).stdout.trim();
  if (fsType !== 'ext2/ext3') return t.skip(`${tmpdir()} is ${fsType}, not ext4`);
  const tmp = await tempDir(t);
  const root = join(tmp, 'containers');
  assert.equal(await detectSnapshotter(root), 'overlay');
  assert.deepEqual(await readdir(root), []);
  assert.deepEqual(await mountPointsUnder(tmp), []);
});

void test('detect falls back to copy when the root is itself on overlayfs', async (t) => {
  const tmp = await tempDir(t);
  for (const d of ['l', 'u', 'w', 'm']) await mkdir(join(tmp, d));
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${tmp}/l,upperdir=${tmp}/u,workdir=${tmp}/w`, `${tmp}/m`]);
  const root = join(tmp, 'm', 'containers');
  assert.equal(await detectSnapshotter(root), 'copy');
  assert.deepEqual(await readdir(root), []);
  assert.deepEqual(await mountPointsUnder(tmp), [join(tmp, 'm')]);
});
