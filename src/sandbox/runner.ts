/**
 * Running one job, as ordered hooks: resolve (image, limits, files — all input checked before anything is
 * made) → acquire a sandbox (warm or cold) → place (job.sh, stdin, files) → start → watch (wall time, CPU
 * time, output bytes) → finish (counters, kill, drain) → verdict → collect → destroy (in the background,
 * off the caller's critical path; `drain()` waits for it).
 */
import { writeFileSync } from 'node:fs';
import { constants as osConstants, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { FailedPrecondition, messageOf } from '../errors/index.js';
import { jobScript, decodeStatus } from './launcher.js';
import { checkRequest, profileOf, resolveLimits, type SandboxProfile } from './limits.js';
import type { SandboxPool } from './pool.js';
import type { RootfsCache, SandboxImage } from './rootfs-cache.js';
import type { Sandbox } from './sandbox.js';
import type { JobLimits, JobRequest, JobResult } from './types.js';
import { verdict, type KillReason } from './verdict.js';
import { collectFile, hostPathOf, isWorkspaceFull, placeFiles } from './workspace.js';
import { LOOPBACK_HOSTS } from './callback.js';
import { checkSteps, runSteps } from './steps.js';

export interface RunnerDeps {
  /** Image reference → id and layers; throws NotFound for an unknown image. */
  resolveImage: (ref: string) => SandboxImage;
  rootfs: RootfsCache;
  pool: SandboxPool;
  /** Make and create a cold sandbox (destroyed again if creation fails), with extra read-only binds. */
  createSandbox: (profile: SandboxProfile, rootfs: string, readOnlyBinds?: ReadOnlyBind[]) => Promise<Sandbox>;
  defaultImage: string;
  /** Host dir (0711, the daemon's) for prepared workspaces and graders' views; emptied at daemon start. */
  workspaceRoot: string;
  /** Whether jobs may ask for `network` (the daemon passed a network port). */
  hasNetwork?: boolean;
  /** Hosts a callbackUrl may name. Default: loopback only. */
  callbackHosts?: readonly string[];
  now?: () => number;
  onError?: (e: unknown) => void;
}

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(osConstants.signals as Record<string, number>).map(([name, n]) => [n, name]),
);
const DEFAULT_COLLECT_BYTES = 1024 * 1024;
/** How often the cgroup's CPU total is checked once a job could have used its CPU limit. */
const CPU_POLL_MS = 100;

export interface ReadOnlyBind {
  source: string;
  destination: string;
}

/** How one step (one sandbox) of a job runs: extra read-only binds force a cold sandbox. */
export interface StepOptions {
  readOnlyBinds?: ReadOnlyBind[];
  /** Called with the host path of the step's /work once every process is dead, before it is destroyed. */
  keepWork?: (workDir: string) => Promise<unknown>;
}

export class JobRunner {
  private readonly now: () => number;
  private readonly cleanups = new Set<Promise<void>>();
  private readonly cpus = availableParallelism();

  constructor(private readonly d: RunnerDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Every check a job's input gets before anything is made: InvalidArgument or NotFound naming the value. */
  check(req: JobRequest): { limits: JobLimits; image: SandboxImage; profile: SandboxProfile } {
    const main = this.checkStep(req);
    checkSteps(req, { callbackHosts: this.d.callbackHosts ?? LOOPBACK_HOSTS, checkStep: (r) => this.checkStep(r) });
    return main;
  }

  private checkStep(req: JobRequest): { limits: JobLimits; image: SandboxImage; profile: SandboxProfile } {
    checkRequest(req);
    if (req.network === true && this.d.hasNetwork !== true) throw new FailedPrecondition('invalid network true: this daemon has no network for sandbox jobs');
    const limits = resolveLimits(req.limits);
    for (const f of req.files ?? []) hostPathOf('/x', f.path);
    const image = this.d.resolveImage(req.image ?? this.d.defaultImage);
    return { limits, image, profile: profileOf(image.id, limits, req.network ?? false) };
  }

  /** Run a job to its verdict. Throws only for bad input (InvalidArgument, NotFound): nothing was made then. */
  async run(req: JobRequest): Promise<JobResult> {
    this.check(req);
    if (req.cases === undefined && req.grader === undefined) return this.runStep(req);
    return runSteps(req, { workspaceRoot: this.d.workspaceRoot, runStep: (r, o) => this.runStep(r, o) });
  }

  /** One sandbox, one command, one verdict. */
  async runStep(req: JobRequest, o: StepOptions = {}): Promise<JobResult> {
    const { limits, image, profile } = this.checkStep(req);
    const t0 = this.now();
    let sb: Sandbox | undefined;
    let pooled = false;
    try {
      const rootfs = await this.d.rootfs.rootfs(image);
      const binds = o.readOnlyBinds ?? [];
      pooled = req.warm !== false && binds.length === 0;
      const warm = pooled ? this.d.pool.take(profile, rootfs) : undefined;
      warm?.foreground();
      sb = warm ?? (await this.d.createSandbox(profile, rootfs, binds));
      // synchronous on purpose: two small writes from memory to the page cache take microseconds, while the
      // async ones queue in libuv's 4-thread pool behind other sandboxes' teardown and refill
      writeFileSync(join(sb.ctlDir, 'job.sh'), jobScript({ command: req.command, env: req.env ?? [], workdir: req.workdir }), { mode: 0o644 });
      if (req.stdin) writeFileSync(join(sb.ctlDir, 'stdin'), Buffer.from(req.stdin, 'base64'), { mode: 0o644 });
      await placeFiles(sb.tmpfsDir, req.files ?? [], sb.jobHostUid);
      const result = await this.execute(sb, req, limits, warm !== undefined);
      if (o.keepWork) await o.keepWork(join(sb.tmpfsDir, 'work'));
      return result;
    } catch (e) {
      this.d.onError?.(e);
      return internalError(messageOf(e), this.now() - t0);
    } finally {
      if (sb) this.track(sb.destroy());
      // the pool's replacement starts once this job has its result, not next to it
      if (pooled) this.d.pool.replenish(profile);
    }
  }

  private async execute(sb: Sandbox, req: JobRequest, limits: JobLimits, warm: boolean): Promise<JobResult> {
    let killedFor: KillReason = null;
    const stop = (why: Exclude<KillReason, null>): void => {
      if (killedFor !== null) return;
      killedFor = why;
      void sb.terminate();
    };
    const t0 = this.now();
    sb.start({ outputBytes: limits.outputBytes, onOverflow: () => stop('output') });
    const wall = setTimeout(() => stop('wall'), limits.wallTimeMs);
    // RLIMIT_CPU stops one process; the cgroup's total catches a job that spreads its CPU over many
    let poll: NodeJS.Timeout | undefined;
    const firstPoll = setTimeout(() => {
      poll = setInterval(() => {
        void sb.peekCpuMs().then((ms) => {
          if (ms >= limits.cpuTimeMs) stop('cpu');
        });
      }, CPU_POLL_MS);
    }, Math.max(CPU_POLL_MS, limits.cpuTimeMs / this.cpus));
    try {
      await sb.done;
    } finally {
      clearTimeout(wall);
      clearTimeout(firstPoll);
      if (poll) clearInterval(poll);
    }
    const exit = await sb.finish();
    const wallTimeMs = this.now() - t0;
    const decoded = exit.status === null ? { exitCode: null, signal: 'SIGKILL' } : decodeStatus(exit.status, SIGNAL_NAMES);
    const diskFull = exit.status !== 0 && (await isWorkspaceFull(sb.tmpfsDir));
    // pid 1 of a pid namespace cannot be signalled from inside it, and we did not kill it: when it died before
    // reporting, the kernel's OOM killer chose it (it is the oldest process of a cgroup at its limit), and its
    // death removed the cgroup whose counter would have said so
    const launcherOomKilled = exit.status === null && killedFor === null;
    const status = verdict({
      status: exit.status,
      killedFor,
      oomKilled: exit.usage.oomKilled || launcherOomKilled,
      cpuTimeMs: exit.usage.cpuTimeMs,
      signal: decoded.signal,
      diskFull,
      limits,
    });
    // every process of the sandbox is dead now (runc run has reaped pid 1): nothing can race the collector
    const files = [];
    for (const path of req.collect ?? []) files.push(await collectFile(sb.tmpfsDir, path, req.collectBytes ?? DEFAULT_COLLECT_BYTES));
    return {
      status,
      exitCode: decoded.exitCode,
      signal: decoded.signal,
      stdout: exit.stdout.toString('utf8'),
      stderr: exit.stderr.toString('utf8'),
      stdoutTruncated: exit.stdoutOverflow,
      stderrTruncated: exit.stderrOverflow,
      cpuTimeMs: exit.usage.cpuTimeMs,
      wallTimeMs,
      peakMemoryBytes: exit.usage.peakMemoryBytes,
      files,
      warm,
    };
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e: unknown) => this.d.onError?.(e)).finally(() => this.cleanups.delete(t));
    this.cleanups.add(t);
  }

  /** Wait for every background destroy (daemon stop, tests). */
  async drain(): Promise<void> {
    while (this.cleanups.size > 0) await Promise.all([...this.cleanups]);
  }
}

export function internalError(message: string, wallTimeMs = 0): JobResult {
  return {
    status: 'internal_error',
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    cpuTimeMs: 0,
    wallTimeMs,
    peakMemoryBytes: 0,
    files: [],
    error: message,
  };
}
