/**
 * Reading and removing one container's cgroup by its cgroupsPath ("/pure/<id>", runc's cgroupfs-driver
 * form), on v1, v2 and hybrid hosts.
 *
 * Where things live:
 *   v1, hybrid   <root>/<controller>/<cgroupsPath>   (memory, cpuacct, pids, blkio, … one tree each)
 *   hybrid also  <root>/unified/<cgroupsPath>        (runc may create it; no controllers there)
 *   v2           <root>/<cgroupsPath>                 (one tree, every controller)
 *
 * Memory usage is reported as Docker's CLI does: usage minus inactive file cache (v1 total_inactive_file,
 * v2 inactive_file), i.e. the memory the kernel could not simply drop; memoryCache is the whole page cache.
 */
import { readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Conflict, InvalidArgument } from '../../errors/index.js';
import { parseBlkioServiceBytes, parseIoStat, parseKeyValues, parseLimit } from './cgroup-files.js';
import type { CgroupMode } from './mode.js';

export interface CgroupStats {
  /** Total CPU time, nanoseconds. */
  cpuUsageNs: number;
  cpuUserNs?: number;
  cpuSystemNs?: number;
  /** Bytes in use minus inactive file cache (what `docker stats` shows). */
  memoryUsage: number;
  /** Bytes; null when unlimited. */
  memoryLimit: number | null;
  /** Page cache bytes (v1 total_cache, v2 file). */
  memoryCache?: number;
  /** Highest usage seen, bytes (v1 max_usage_in_bytes, v2 memory.peak on kernels ≥ 5.19). */
  memoryPeak?: number;
  pids: number;
  pidsLimit: number | null;
  blkioRead: number;
  blkioWrite: number;
}

export interface CgroupReaderOptions {
  mode: CgroupMode;
  /** Mount point of the cgroup filesystems. Default /sys/fs/cgroup. */
  root?: string;
}

/** USER_HZ: cpuacct.stat counts in clock ticks of 1/100 s on every Linux architecture we run on. */
const NS_PER_TICK = 10_000_000;

/** A cgroupsPath must be absolute, below the root, without "..": it becomes a path under /sys/fs/cgroup. */
export function checkCgroupsPath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.split('/').includes('..') || path.includes('\0')) {
    throw new InvalidArgument(`invalid cgroupsPath ${JSON.stringify(path)}: must be an absolute path without ".."`);
  }
  const p = posix.normalize(path);
  if (p === '/') throw new InvalidArgument('invalid cgroupsPath "/": must name a cgroup below the root');
  return p;
}

async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENODEV' || code === 'EOPNOTSUPP') return null;
    throw e;
  }
}

async function readNumber(file: string): Promise<number | null> {
  const t = await readOptional(file);
  if (t === null) return null;
  const n = Number(t.trim());
  return Number.isFinite(n) ? n : null;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export class CgroupReader {
  readonly mode: CgroupMode;
  readonly root: string;

  constructor(opts: CgroupReaderOptions) {
    this.mode = opts.mode;
    this.root = opts.root ?? '/sys/fs/cgroup';
  }

  /** Directory of `cgroupsPath` for a v1 controller, or the unified directory on v2. */
  private dir(controller: string, cgroupsPath: string): string {
    const p = checkCgroupsPath(cgroupsPath);
    return this.mode === 'v2' ? join(this.root, p) : join(this.root, controller, p);
  }

  /** True when the cgroup exists (in the memory hierarchy on v1/hybrid). */
  async exists(cgroupsPath: string): Promise<boolean> {
    return isDir(this.dir('memory', cgroupsPath));
  }

  /**
   * Total CPU time in ns from one file (v1 cpuacct.usage, v2 cpu.stat usage_usec); null when the cgroup is
   * gone. For callers that poll CPU often (the sandbox's CPU limit) and cannot afford every stats() file.
   */
  async cpuUsageNs(cgroupsPath: string): Promise<number | null> {
    if (this.mode !== 'v2') return readNumber(join(this.dir('cpuacct', cgroupsPath), 'cpuacct.usage'));
    const text = await readOptional(join(this.dir('cpu', cgroupsPath), 'cpu.stat'));
    const usec = text === null ? undefined : parseKeyValues(text).get('usage_usec');
    return usec === undefined ? null : usec * 1000;
  }

  /** Current usage and limits; null when the cgroup does not exist. */
  async stats(cgroupsPath: string): Promise<CgroupStats | null> {
    if (!(await this.exists(cgroupsPath))) return null;
    return this.mode === 'v2' ? this.statsV2(cgroupsPath) : this.statsV1(cgroupsPath);
  }

  private async statsV1(path: string): Promise<CgroupStats> {
    const cpu = this.dir('cpuacct', path);
    const mem = this.dir('memory', path);
    const pids = this.dir('pids', path);
    const blkio = this.dir('blkio', path);
    const memStat = parseKeyValues((await readOptional(join(mem, 'memory.stat'))) ?? '');
    const usage = (await readNumber(join(mem, 'memory.usage_in_bytes'))) ?? 0;
    const inactiveFile = memStat.get('total_inactive_file') ?? memStat.get('inactive_file') ?? 0;
    const s: CgroupStats = {
      cpuUsageNs: (await readNumber(join(cpu, 'cpuacct.usage'))) ?? 0,
      memoryUsage: Math.max(0, usage - inactiveFile),
      memoryLimit: parseLimit((await readOptional(join(mem, 'memory.limit_in_bytes'))) ?? 'max'),
      pids: (await readNumber(join(pids, 'pids.current'))) ?? 0,
      pidsLimit: parseLimit((await readOptional(join(pids, 'pids.max'))) ?? 'max'),
      blkioRead: 0,
      blkioWrite: 0,
    };
    const user = await readNumber(join(cpu, 'cpuacct.usage_user'));
    const sys = await readNumber(join(cpu, 'cpuacct.usage_sys'));
    if (user !== null && sys !== null) {
      s.cpuUserNs = user;
      s.cpuSystemNs = sys;
    } else {
      const ticks = parseKeyValues((await readOptional(join(cpu, 'cpuacct.stat'))) ?? '');
      if (ticks.has('user')) s.cpuUserNs = (ticks.get('user') ?? 0) * NS_PER_TICK;
      if (ticks.has('system')) s.cpuSystemNs = (ticks.get('system') ?? 0) * NS_PER_TICK;
    }
    const cache = memStat.get('total_cache') ?? memStat.get('cache');
    if (cache !== undefined) s.memoryCache = cache;
    const peak = await readNumber(join(mem, 'memory.max_usage_in_bytes'));
    if (peak !== null) s.memoryPeak = peak;
    const io =
      (await readOptional(join(blkio, 'blkio.throttle.io_service_bytes_recursive'))) ??
      (await readOptional(join(blkio, 'blkio.throttle.io_service_bytes')));
    const { read, write } = parseBlkioServiceBytes(io ?? '');
    s.blkioRead = read;
    s.blkioWrite = write;
    return s;
  }

  private async statsV2(path: string): Promise<CgroupStats> {
    const dir = this.dir('', path);
    const cpuStat = parseKeyValues((await readOptional(join(dir, 'cpu.stat'))) ?? '');
    const memStat = parseKeyValues((await readOptional(join(dir, 'memory.stat'))) ?? '');
    const usage = (await readNumber(join(dir, 'memory.current'))) ?? 0;
    const { read, write } = parseIoStat((await readOptional(join(dir, 'io.stat'))) ?? '');
    const s: CgroupStats = {
      cpuUsageNs: (cpuStat.get('usage_usec') ?? 0) * 1000,
      memoryUsage: Math.max(0, usage - (memStat.get('inactive_file') ?? 0)),
      memoryLimit: parseLimit((await readOptional(join(dir, 'memory.max'))) ?? 'max'),
      pids: (await readNumber(join(dir, 'pids.current'))) ?? 0,
      pidsLimit: parseLimit((await readOptional(join(dir, 'pids.max'))) ?? 'max'),
      blkioRead: read,
      blkioWrite: write,
    };
    if (cpuStat.has('user_usec')) s.cpuUserNs = (cpuStat.get('user_usec') ?? 0) * 1000;
    if (cpuStat.has('system_usec')) s.cpuSystemNs = (cpuStat.get('system_usec') ?? 0) * 1000;
    if (memStat.has('file')) s.memoryCache = memStat.get('file') ?? 0;
    const peak = await readNumber(join(dir, 'memory.peak'));
    if (peak !== null) s.memoryPeak = peak;
    return s;
  }

  /**
   * Whether the kernel OOM-killed a process in this cgroup (v1 memory.oom_control, v2 memory.events:
   * "oom_kill N", N > 0). Read it before remove(): the counter dies with the cgroup.
   */
  async oomKilled(cgroupsPath: string): Promise<boolean> {
    const file = this.mode === 'v2' ? 'memory.events' : 'memory.oom_control';
    const text = await readOptional(join(this.dir('memory', cgroupsPath), file));
    return (parseKeyValues(text ?? '').get('oom_kill') ?? 0) > 0;
  }

  /** Peak memory usage in bytes, null when the kernel does not track it or the cgroup is gone. */
  async memoryPeak(cgroupsPath: string): Promise<number | null> {
    const file = this.mode === 'v2' ? 'memory.peak' : 'memory.max_usage_in_bytes';
    return readNumber(join(this.dir('memory', cgroupsPath), file));
  }

  /** Every hierarchy a container's cgroup may have been created in. */
  private async hierarchies(): Promise<string[]> {
    if (this.mode === 'v2') return [this.root];
    const entries = await readdir(this.root, { withFileTypes: true });
    // Skip symlinks (cpu → cpu,cpuacct): the same hierarchy under another name.
    return entries.filter((e) => e.isDirectory() && !e.isSymbolicLink()).map((e) => join(this.root, e.name));
  }

  /**
   * rmdir the cgroup (children first) in every hierarchy. Idempotent: a cgroup already gone is fine.
   * Throws Conflict if a process still lives in it (the kernel refuses with EBUSY).
   */
  async remove(cgroupsPath: string): Promise<void> {
    const p = checkCgroupsPath(cgroupsPath);
    const busy: string[] = [];
    // the hierarchies are independent: remove the cgroup from all of them at once
    await Promise.all((await this.hierarchies()).map((h) => removeTree(join(h, p), busy)));
    if (busy.length > 0) {
      throw new Conflict(`cannot remove cgroup "${p}": it still has processes (in ${busy.join(', ')})`);
    }
  }

  /** cgroupsPaths of the children of `parent` (memory hierarchy, plus unified on hybrid); to find leaks. */
  async listCgroups(parent = '/pure'): Promise<string[]> {
    const p = checkCgroupsPath(parent);
    const dirs = this.mode === 'v2' ? [join(this.root, p)] : [join(this.root, 'memory', p)];
    if (this.mode === 'hybrid') dirs.push(join(this.root, 'unified', p));
    const found = new Set<string>();
    for (const d of dirs) {
      let entries;
      try {
        entries = await readdir(d, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) if (e.isDirectory()) found.add(posix.join(p, e.name));
    }
    return [...found].sort();
  }
}

async function removeTree(dir: string, busy: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name), busy);
  try {
    await rmdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EBUSY' || code === 'ENOTEMPTY') {
      busy.push(dir);
      return;
    }
    throw e;
  }
}
