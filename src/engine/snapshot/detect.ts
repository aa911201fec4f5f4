/** Choose the snapshotter a root directory can use. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mountFs } from '../../lib/index.js';
import type { SnapshotterKind } from './snapshotter.js';
import { unmountAll } from './mounts.js';

/**
 * 'overlay' if the kernel mounts an overlay whose upper and work dirs live on root's filesystem, else
 * 'copy'. Trying is the only honest test: overlay refuses some upper filesystems (overlay itself, NFS,
 * tmpfs without xattrs on old kernels) and may be absent or forbidden (a user namespace).
 */
export async function detectSnapshotter(root: string): Promise<SnapshotterKind> {
  await mkdir(root, { recursive: true });
  const probe = await mkdtemp(join(root, '.overlay-probe-'));
  const merged = join(probe, 'merged');
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) await mkdir(join(probe, d));
    const options = `lowerdir=${join(probe, 'lower')},upperdir=${join(probe, 'upper')},workdir=${join(probe, 'work')}`;
    try {
      mountFs('overlay', 'overlay', merged, options);
      return 'overlay';
    } catch {
      return 'copy';
    }
  } finally {
    await unmountAll(merged);
    await rm(probe, { recursive: true, force: true });
  }
}
