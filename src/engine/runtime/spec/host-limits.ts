/**
 * How high runc may raise RLIMIT_NOFILE on this host. Docker's 1048576 needs CAP_SYS_RESOURCE whenever it is
 * above the daemon's own hard limit; a daemon without that capability (a sandboxed CI runner, a rootless
 * setup) makes runc fail with "error setting rlimits … operation not permitted". Read once at start-up and
 * pass as SpecOptions.nofileCeiling so buildSpec stays pure.
 */
import { readFile } from 'node:fs/promises';

const CAP_SYS_RESOURCE = 24;

/** Parse /proc/<pid>/status CapEff and /proc/<pid>/limits; exported for tests. */
export function nofileCeilingFrom(status: string, limits: string): number | null {
  const capEff = /^CapEff:\s*([0-9a-f]+)/im.exec(status)?.[1];
  if (capEff !== undefined && ((BigInt(`0x${capEff}`) >> BigInt(CAP_SYS_RESOURCE)) & 1n) === 1n) return null;
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!m || m[2] === 'unlimited') return null;
  return Number(m[2]);
}

/**
 * The highest RLIMIT_NOFILE a container started by this process can get: null when unrestricted (we hold
 * CAP_SYS_RESOURCE), else our own hard limit.
 */
export async function nofileCeiling(): Promise<number | null> {
  const [status, limits] = await Promise.all([readFile('/proc/self/status', 'utf8'), readFile('/proc/self/limits', 'utf8')]);
  return nofileCeilingFrom(status, limits);
}
