/**
 * Which cgroup layout the host has. runc and our reader both need to know:
 * - v2: /sys/fs/cgroup is itself cgroup2 (unified; every controller there);
 * - hybrid: /sys/fs/cgroup is a tmpfs of v1 hierarchies plus a cgroup2 at /sys/fs/cgroup/unified with no
 *   controllers (systemd's "hybrid"); runc puts containers in the v1 controllers;
 * - v1: v1 hierarchies only.
 * statfs tells the filesystem type without parsing mountinfo (which differs in mount namespaces).
 */
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPrecondition } from '../../errors/index.js';

export type CgroupMode = 'v1' | 'v2' | 'hybrid';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const TMPFS_MAGIC = 0x01021994;
const CGROUP_SUPER_MAGIC = 0x27e0eb;

async function fsType(path: string): Promise<number | null> {
  try {
    return (await statfs(path)).type;
  } catch {
    return null;
  }
}

/** Detect the host's cgroup layout from the filesystem types under `root` (default /sys/fs/cgroup). */
export async function detectCgroupMode(root = '/sys/fs/cgroup'): Promise<CgroupMode> {
  const top = await fsType(root);
  if (top === CGROUP2_SUPER_MAGIC) return 'v2';
  if (top === TMPFS_MAGIC || top === CGROUP_SUPER_MAGIC) {
    return (await fsType(join(root, 'unified'))) === CGROUP2_SUPER_MAGIC ? 'hybrid' : 'v1';
  }
  throw new FailedPrecondition(`cannot detect the cgroup layout: ${root} is neither cgroup2 nor a tmpfs of v1 hierarchies`);
}
