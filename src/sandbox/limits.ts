/** Job limits: defaults, bounds, and the part of them a pre-created sandbox is built with (its profile). */
import { InvalidArgument } from '../errors/index.js';
import type { JobLimits, JobRequest } from './types.js';

export const DEFAULT_LIMITS: Readonly<JobLimits> = {
  cpuTimeMs: 2_000,
  wallTimeMs: 5_000,
  memoryBytes: 128 * 1024 * 1024,
  pids: 64,
  outputBytes: 1024 * 1024,
  diskBytes: 64 * 1024 * 1024,
  diskInodes: 4096,
  openFiles: 256,
};

/** [min, max] per limit: below min the sandbox cannot even start its launcher; max keeps one job from owning the host. */
const BOUNDS: Readonly<Record<keyof JobLimits, readonly [number, number]>> = {
  cpuTimeMs: [10, 3_600_000],
  wallTimeMs: [10, 3_600_000],
  memoryBytes: [8 * 1024 * 1024, 64 * 1024 ** 3],
  pids: [4, 32_768],
  outputBytes: [0, 256 * 1024 * 1024],
  diskBytes: [64 * 1024, 16 * 1024 ** 3],
  diskInodes: [64, 1_000_000],
  openFiles: [16, 65_536],
};

/** The request's limits over the defaults; InvalidArgument names the limit and its bounds. */
export function resolveLimits(given: Partial<JobLimits> = {}): JobLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(BOUNDS) as (keyof JobLimits)[]) {
    const v = given[key];
    if (v === undefined) continue;
    const [min, max] = BOUNDS[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidArgument(`invalid limit ${key} ${JSON.stringify(v)}: want an integer in ${min}..${max}`);
    }
    out[key] = v;
  }
  for (const key of Object.keys(given)) {
    if (!(key in BOUNDS)) throw new InvalidArgument(`invalid limit "${key}": known limits are ${Object.keys(BOUNDS).join(', ')}`);
  }
  return out;
}

/**
 * What a sandbox is built with before it knows its job: everything the kernel enforces from creation on
 * (cgroup limits, rlimits, tmpfs size, network). Wall time and output bytes are the daemon's, per job.
 */
export interface SandboxProfile {
  imageId: string;
  memoryBytes: number;
  pids: number;
  cpuTimeMs: number;
  diskBytes: number;
  diskInodes: number;
  openFiles: number;
  network: boolean;
}

export function profileOf(imageId: string, limits: JobLimits, network: boolean): SandboxProfile {
  return {
    imageId,
    memoryBytes: limits.memoryBytes,
    pids: limits.pids,
    cpuTimeMs: limits.cpuTimeMs,
    diskBytes: limits.diskBytes,
    diskInodes: limits.diskInodes,
    openFiles: limits.openFiles,
    network,
  };
}

/** Pools are keyed by profile: two jobs share a pool only when every creation-time limit matches. */
export function profileKey(p: SandboxProfile): string {
  return [p.imageId, p.memoryBytes, p.pids, p.cpuTimeMs, p.diskBytes, p.diskInodes, p.openFiles, p.network ? 'net' : 'nonet'].join(':');
}

/** Basic shape checks on a request (the API schema checks types; this checks meaning). */
export function checkRequest(r: JobRequest): void {
  if (!Array.isArray(r.command) || r.command.length === 0 || r.command.some((a) => typeof a !== 'string' || a.includes('\0'))) {
    throw new InvalidArgument('invalid command: want a non-empty list of strings without NUL bytes');
  }
  for (const e of r.env ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(e) || e.includes('\0')) throw new InvalidArgument(`invalid env ${JSON.stringify(e)}: want NAME=value`);
  }
  if (r.workdir !== undefined && (!r.workdir.startsWith('/') || r.workdir.includes('\0') || r.workdir.split('/').includes('..'))) {
    throw new InvalidArgument(`invalid workdir ${JSON.stringify(r.workdir)}: want an absolute path without ".."`);
  }
  if (r.collectBytes !== undefined && (!Number.isInteger(r.collectBytes) || r.collectBytes < 0 || r.collectBytes > 64 * 1024 * 1024)) {
    throw new InvalidArgument(`invalid collectBytes ${r.collectBytes}: want 0..64 MiB`);
  }
  if (r.priority !== undefined && (!Number.isInteger(r.priority) || Math.abs(r.priority) > 1000)) {
    throw new InvalidArgument(`invalid priority ${r.priority}: want an integer in -1000..1000`);
  }
}
