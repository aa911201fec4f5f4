/**
 * Mount table queries and unmounting, private to the snapshotters. umount2(2) is called in-process
 * (lib/mount.ts, through koffi); /proc/self/mountinfo is the truth about what is mounted.
 */
import { readFile, realpath } from 'node:fs/promises';
import { MNT_DETACH, unmountFs, unmountFsAsync } from '../../lib/index.js';
import { Internal, messageOf } from '../../errors/index.js';

/** mountinfo escapes space, tab, newline and backslash in paths as \ooo (proc(5)). */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points currently in our mount namespace, in mount order (later mounts stack on earlier). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined) points.push(unescapeMountinfo(field));
  }
  return points;
}

/** The canonical path the kernel reports for `path` (mountinfo shows resolved paths); `path` if it is gone. */
async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

export async function isMountPoint(path: string): Promise<boolean> {
  const want = await canonical(path);
  return (await mountPoints()).includes(want);
}

/** Mount points at or below `dir`, deepest first (the order they must be unmounted in). */
export async function mountPointsUnder(dir: string): Promise<string[]> {
  const base = await canonical(dir);
  const prefix = base.endsWith('/') ? base : `${base}/`;
  const found = (await mountPoints()).filter((p) => p === base || p.startsWith(prefix));
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}

/**
 * Unmount everything mounted at `path` (mounts may be stacked). A busy mount (a process still has its cwd
 * inside) is detached lazily with `umount -l`: the snapshot is released as soon as that process lets go,
 * and the mount point is free for remount or deletion right away.
 */
export async function unmountAll(path: string): Promise<void> {
  const target = await canonical(path);
  // Bounded: each pass removes one stacked mount, or fails loudly.
  for (let pass = 0; pass < 16; pass++) {
    if (!(await mountPoints()).includes(target)) return;
    try {
      await unmountFsAsync(target);
      continue;
    } catch {
      // busy: detach it below
    }
    try {
      unmountFs(target, MNT_DETACH);
    } catch (e) {
      if ((await mountPoints()).includes(target)) throw new Internal(messageOf(e), { cause: e });
    }
  }
  throw new Internal(`cannot unmount ${target}: still mounted after 16 unmounts`);
}

/** Unmount every mount at or under `dir`, deepest first, so the tree can be deleted without touching them. */
export async function unmountTree(dir: string): Promise<void> {
  for (const point of await mountPointsUnder(dir)) await unmountAll(point);
}
