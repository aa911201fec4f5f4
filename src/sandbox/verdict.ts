/** The verdict: a pure function from what happened to one JobStatus, in a fixed order of precedence. */
import type { JobLimits, JobStatus } from './types.js';

export type KillReason = 'wall' | 'output' | 'cpu' | null;

export interface VerdictInput {
  /** Shell status the launcher reported; null when pid 1 died before it could. */
  status: number | null;
  killedFor: KillReason;
  oomKilled: boolean;
  cpuTimeMs: number;
  /** The signal the job died of, if any (SIGXCPU = RLIMIT_CPU reached). */
  signal: string | null;
  diskFull: boolean;
  limits: Pick<JobLimits, 'cpuTimeMs'>;
}

/**
 * Our own kills first (we know why we killed), then the kernel's (the OOM killer, RLIMIT_CPU), then a failed
 * write on a full tmpfs, then the job's own exit code.
 */
export function verdict(v: VerdictInput): JobStatus {
  if (v.killedFor === 'output') return 'output_limit';
  if (v.killedFor === 'cpu') return 'time_limit';
  if (v.oomKilled) return 'memory_limit';
  if (v.signal === 'SIGXCPU' || (v.status !== 0 && v.cpuTimeMs >= v.limits.cpuTimeMs)) return 'time_limit';
  if (v.killedFor === 'wall') return 'wall_time_limit';
  if (v.status === 0) return 'ok';
  if (v.diskFull) return 'disk_limit';
  return 'runtime_error';
}
