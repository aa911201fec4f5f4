/**
 * Docker's copy-up: a volume that is empty when a container first mounts it is filled with what the image has
 * at that path, modes, owners, xattrs and links kept (`cp -a`, which never dereferences a symlink inside the
 * tree it copies).
 *
 * Two rules keep the host safe from a hostile image or container:
 *  - The source is resolved inside the rootfs one component at a time with lstat: a symlink anywhere on the
 *    way (which would point out of the rootfs, e.g. at the host's /etc) means no copy at all.
 *  - `cp` writes into a staging directory beside _data that no container can see; each entry is then renamed
 *    into _data. rename(2) replaces a symlink a container may have planted in _data meanwhile instead of
 *    writing through it.
 */
import { chmod, chown, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/index.js';

export const DATA_DIR = '_data';
/** Leftovers of a copy interrupted by a crash are removed at the next copy and when the daemon starts. */
export const STAGING_DIR = '_copyup';

/** The real directory at `containerPath` inside `rootfs`, or null if it is missing, not a directory, or reached through a symlink. */
export async function sourceDir(rootfs: string, containerPath: string): Promise<string | null> {
  let cur = rootfs;
  for (const part of containerPath.split('/').filter((p) => p !== '' && p !== '.')) {
    if (part === '..') return null;
    cur = join(cur, part);
    const st = await lstat(cur).catch(() => null);
    if (!st || !st.isDirectory()) return null;
  }
  return cur === rootfs ? null : cur;
}

/**
 * Fill `<volumeDir>/_data` from the image content at `containerPath` in `rootfs` when _data is empty.
 * Returns whether it copied.
 */
export async function copyUp(rootfs: string, containerPath: string, volumeDir: string): Promise<boolean> {
  const data = join(volumeDir, DATA_DIR);
  const src = await sourceDir(rootfs, containerPath);
  if (!src) return false;
  if ((await readdir(data)).length > 0) return false;
  const st = await lstat(src);
  const staging = join(volumeDir, STAGING_DIR);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { mode: 0o700 });
  try {
    await run('cp', ['-a', '--', `${src}/.`, `${staging}/`]);
    for (const entry of await readdir(staging)) {
      // a name a container created meanwhile wins (a non-empty directory cannot be replaced): docker's copy
      // would have merged, both are fine for a volume that was empty a moment ago
      await rename(join(staging, entry), join(data, entry)).catch(() => undefined);
    }
    // _data is the daemon's own directory (lstat-checked at creation), so chown/chmod on it follow nothing
    await chown(data, st.uid, st.gid);
    await chmod(data, st.mode & 0o7777);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return true;
}
