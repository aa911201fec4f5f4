/**
 * Which OCI runtimes this host can actually use. Detected, never assumed: a binary must exist and answer
 * `--version`, and crun must also find a cgroup layout it supports.
 */
import { access, constants, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/index.js';
import { messageOf } from '../../errors/index.js';

export interface DetectedRuntime {
  name: 'runc' | 'crun';
  /** Absolute path, or the bare name when it was not found. */
  binary: string;
  usable: boolean;
  /** Why it is not usable. */
  reason?: string;
}

export type CgroupLayout = 'unified' | 'hybrid' | 'legacy';

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const CGROUP2_SUPER_MAGIC = 0x63677270;

async function findBinary(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** unified: /sys/fs/cgroup is cgroup2; hybrid: v1 controllers plus cgroup2 at /sys/fs/cgroup/unified. */
export async function cgroupLayout(mountpoint = '/sys/fs/cgroup'): Promise<CgroupLayout> {
  if ((await statfs(mountpoint)).type === CGROUP2_SUPER_MAGIC) return 'unified';
  try {
    if ((await statfs(join(mountpoint, 'unified'))).type === CGROUP2_SUPER_MAGIC) return 'hybrid';
  } catch {
    // no unified mount: pure v1
  }
  return 'legacy';
}

export interface DetectOptions {
  /** Directories searched for the binaries; default the usual sbin/bin directories. */
  path?: readonly string[];
  /** Injected for tests; default `cgroupLayout()`. */
  layout?: () => Promise<CgroupLayout>;
}

async function probe(name: 'runc' | 'crun', dirs: readonly string[]): Promise<DetectedRuntime> {
  const binary = await findBinary(name, dirs);
  if (!binary) return { name, binary: name, usable: false, reason: `${name} is not installed` };
  try {
    await run(binary, ['--version']);
  } catch (e) {
    return { name, binary, usable: false, reason: `${binary} --version failed: ${messageOf(e)}` };
  }
  return { name, binary, usable: true };
}

/** runc and crun as found on this host, each with whether Pure can use it and, if not, why. */
export async function detectRuntimes(opts: DetectOptions = {}): Promise<DetectedRuntime[]> {
  const dirs = opts.path ?? SEARCH_PATH;
  const runc = await probe('runc', dirs);
  const crun = await probe('crun', dirs);
  if (crun.usable) {
    const layout = await (opts.layout ?? cgroupLayout)();
    // crun drives either cgroup v2 or v1, but not a hybrid v1+v2 mix: container creation fails there.
    if (layout === 'hybrid') {
      return [runc, { ...crun, usable: false, reason: 'host has hybrid cgroup v1+v2 hierarchies; crun refuses hybrid hosts' }];
    }
  }
  return [runc, crun];
}
