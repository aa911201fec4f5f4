/** Disk usage of a directory tree, as `du -s` counts it; private to the snapshotters. */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Usage } from './snapshotter.js';

/**
 * Walk `dir` without following symlinks or leaving it for another mount's content it does not own:
 * bytes are allocated blocks (st_blocks × 512), so sparse files count what they use; an inode with
 * several hard links counts once.
 */
export async function diskUsage(dir: string): Promise<Usage> {
  const seen = new Set<string>();
  let bytes = 0;
  let inodes = 0;
  const rootDev = (await lstat(dir)).dev;
  const stack = [dir];
  while (stack.length > 0) {
    const path = stack.pop() as string;
    // A running container may delete a file between readdir and lstat: it no longer uses space.
    const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (st === undefined) continue;
    if (st.nlink > 1 && !st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      if (seen.has(id)) continue;
      seen.add(id);
    }
    bytes += st.blocks * 512;
    inodes += 1;
    // Like `du -x`: a mount below the tree is someone else's data.
    if (st.isDirectory() && st.dev === rootDev) {
      const names = await readdir(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return [];
        throw e;
      });
      for (const name of names) stack.push(join(path, name));
    }
  }
  return { bytes, inodes };
}
