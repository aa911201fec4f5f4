/**
 * The sandbox's vocabulary: a *job* is one run of a command in a fresh *sandbox* (one runc container with
 * its own user, pid, ipc, uts, mount and network namespaces, cgroup and writable tmpfs), ended by a
 * *verdict* (`JobStatus`). Limits are hard: the kernel (cgroup, rlimit, tmpfs size) or the daemon (wall
 * time, output bytes) stops the job when one is reached, and the verdict names which.
 */

export type JobStatus =
  | 'ok'
  | 'runtime_error'
  | 'time_limit'
  | 'wall_time_limit'
  | 'memory_limit'
  | 'output_limit'
  | 'disk_limit'
  | 'internal_error';

export const JOB_STATUSES: readonly JobStatus[] = [
  'ok',
  'runtime_error',
  'time_limit',
  'wall_time_limit',
  'memory_limit',
  'output_limit',
  'disk_limit',
  'internal_error',
];

/** Every limit, resolved to numbers (see limits.ts for defaults and bounds). */
export interface JobLimits {
  /** CPU time, ms (RLIMIT_CPU for each process plus the cgroup's total, polled). */
  cpuTimeMs: number;
  /** Wall-clock time from start to exit, ms; the daemon kills the sandbox at this point. */
  wallTimeMs: number;
  /** Memory, bytes; swap is not allowed (memsw = memory). */
  memoryBytes: number;
  /** Processes and threads in the sandbox's cgroup. */
  pids: number;
  /** Bytes kept per stream (stdout, stderr); one more byte kills the job with output_limit. */
  outputBytes: number;
  /** Size of the writable tmpfs (/work and /tmp together), bytes. */
  diskBytes: number;
  /** Inodes of the writable tmpfs. */
  diskInodes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
}

/** A file copied into the sandbox's writable area before the job starts. */
export interface JobFile {
  /** Where the job sees it: relative to /work, or absolute under /work or /tmp. */
  path: string;
  /** Base64 content. */
  content?: string;
  /** Or a host file, copied (never bind-mounted). */
  hostPath?: string;
  /** Octal permission bits; default 0644 (0755 when `executable`). */
  mode?: number;
  executable?: boolean;
}

/** What a caller asks for; everything but `command` has a default. */
export interface JobRequest {
  image?: string;
  command: string[];
  env?: string[];
  /** Default /work. */
  workdir?: string;
  /** Base64 bytes fed to the job's stdin (default: empty). */
  stdin?: string;
  files?: JobFile[];
  /** Paths (relative to /work) read back after the job, each at most `collectBytes`. */
  collect?: string[];
  /** Largest collected file, bytes; default 1 MiB. */
  collectBytes?: number;
  limits?: Partial<JobLimits>;
  /**
   * Give the job a network: a network namespace of its own on the default bridge network (an address, NAT
   * out), instead of an empty one with loopback only. Never the host's network namespace. Default false.
   */
  network?: boolean;
  /** Queue priority: higher runs first; default 0. */
  priority?: number;
  /** Use a pre-created sandbox when one is ready (default true). */
  warm?: boolean;
  /**
   * Compile once, run many: with `cases`, `prepare` runs first (with the files); the /work it leaves is the
   * workspace every case sees read-only at /work. `command` is then what each case runs. Default: no step
   * (the workspace is just the files).
   */
  prepare?: string[];
  /** Test cases: each runs `command` + `args` in a fresh sandbox over the prepared workspace (at most 1000). */
  cases?: JobCase[];
  /** Runs after the student's run(s) and sees them read-only at /student; prints {verdict, score, feedback}. */
  grader?: GraderRequest;
  /** POSTed the finished job (JSON) when it ends; only loopback http URLs unless the daemon allows more. */
  callbackUrl?: string;
}

export interface JobCase {
  /** Base64 stdin of this case. */
  stdin?: string;
  /** Appended to the job's command. */
  args?: string[];
  /** When given, the case result says whether stdout equals it exactly (`passed`). */
  expectedStdout?: string;
}

/** The grader's own job: its image, command, files and limits (its /work is its own tmpfs). */
export interface GraderRequest {
  image?: string;
  command: string[];
  env?: string[];
  files?: JobFile[];
  limits?: Partial<JobLimits>;
}

/** What a grader prints on stdout (INGInious' model). */
export interface Grade {
  verdict: string;
  score: number;
  feedback: string;
}

export interface CaseResult extends JobResult {
  /** Set when the case had expectedStdout: status ok and stdout equal to it. */
  passed?: boolean;
}

export interface CollectedFile {
  path: string;
  /** Base64 content (at most collectBytes). */
  content?: string;
  size?: number;
  truncated?: boolean;
  /** Why the file was not read: missing, not a regular file, a symlink. */
  error?: string;
}

export interface JobResult {
  status: JobStatus;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  cpuTimeMs: number;
  wallTimeMs: number;
  peakMemoryBytes: number;
  files: CollectedFile[];
  /** Set with internal_error: what failed on our side. */
  error?: string;
  /** Whether the job ran in a pre-created (warm) sandbox. */
  warm?: boolean;
  /** A job with cases: the prepare step's own run (when it had one). */
  prepare?: JobResult;
  /** A job with cases: one result per case, in order (none when prepare failed). */
  cases?: CaseResult[];
  /** A graded job: the grader's verdict. */
  grade?: Grade;
  /** A graded job: the grader's own run (its stdout is the verdict, its stderr a log). */
  grader?: JobResult;
}

export type JobState = 'queued' | 'running' | 'done';

/** A callback's delivery: pending (attempts left), delivered (a 2xx came back), failed (attempts used up). */
export type CallbackState = 'pending' | 'delivered' | 'failed';

export interface CallbackDelivery {
  state: CallbackState;
  /** Attempts made so far. */
  attempts: number;
  /** While pending: when the next attempt is due, ms since epoch. */
  nextAttemptAt?: number;
  /** The last failed attempt's reason ("HTTP 503", "connect ECONNREFUSED 127.0.0.1:9"). */
  lastError?: string;
}

export interface JobRecord {
  id: string;
  state: JobState;
  priority: number;
  request: JobRequest;
  result?: JobResult;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** A finished job that named a callbackUrl: how its delivery goes. */
  callback?: CallbackDelivery;
}
