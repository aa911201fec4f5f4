/**
 * One sandbox: a runc container made for exactly one job, then destroyed.
 *
 *   create()   host id range → dirs → tmpfs → (network: netns on the bridge) → config.json → `runc run` in
 *              the foreground; resolves when the launcher (pid 1) says "ready": namespaces, cgroup and mounts
 *              exist and it waits for one line on its stdin. This is all a warm pool does ahead of time.
 *   start()    job.sh + stdin + files are already written; one line "go" to the launcher. No process is
 *              spawned on the job's critical path.
 *   finish()   once the launcher reported the status (or a limit fired): read the cgroup's counters, kill
 *              pid 1 (the kernel kills the rest of the pid namespace), wait for both streams' EOF.
 *   destroy()  runc state, cgroup, network (veth, netns, address lease), tmpfs, dirs removed, then the host id
 *              range given back. Idempotent, and safe whichever step of create() failed.
 *
 * Why `runc run` and not conmon + `runc create`/`start` as containers use: runc run stays the parent of pid 1
 * and reaps it (a host whose init does not reap would otherwise keep every job's pid 1 as a zombie), it
 * deletes the container when pid 1 exits, and its stdio are handed to pid 1 as they are: the daemon reads
 * the job's raw pipes and kills at the output cap. A job never outlives the daemon (a restart re-runs it), so
 * the monitor conmon is for has nothing to keep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { RuntimeDriver } from '../engine/runtime/index.js';
import { FailedPrecondition, Internal } from '../errors/index.js';
import { MNT_DETACH, unmountFs } from '../lib/index.js';
import { LAUNCH_SCRIPT } from './launcher.js';
import type { HostIdRange, HostIdRanges } from './host-ids.js';
import type { SandboxProfile } from './limits.js';
import { hostJobUid, sandboxSpec } from './sandbox-spec.js';
import { mountWorkspace } from './workspace.js';

/** What the sandbox needs from the cgroup reader. */
export interface SandboxCgroups {
  cpuUsageNs(path: string): Promise<number | null>;
  memoryPeak(path: string): Promise<number | null>;
  oomKilled(path: string): Promise<boolean>;
  remove(path: string): Promise<void>;
}

/**
 * What the sandbox needs from the engine's networks (the daemon passes it in): a sandbox that asks for
 * network gets a fresh network namespace with a veth on the default bridge network — an address from its
 * IPAM, NAT out through the bridge's masquerade rule, as a container on docker's default bridge — never the
 * host's network namespace.
 */
export interface SandboxNetwork {
  /**
   * Make a network namespace for sandbox `id`, joined to the default bridge; write /etc/hosts and
   * /etc/resolv.conf for it to `etcFiles`. On failure nothing is left (the port undoes its half-made work).
   */
  attach(id: string, etcFiles: { hosts: string; resolvConf: string }): Promise<{ netnsPath: string }>;
  /** Leave the bridge and remove the netns: veth, address lease, rules. Idempotent; safe when attach never ran. */
  detach(id: string): Promise<void>;
}

export interface SandboxEnv {
  driver: RuntimeDriver;
  cgroups: SandboxCgroups;
  /** Every live sandbox's own block of host uids/gids (host-ids.ts). */
  ids: HostIdRanges;
  /** Networks for sandboxes that ask for one; without it such a job is refused (runner.ts). */
  network?: SandboxNetwork;
  /** Parent dir of every sandbox's dir (mode 0711: the sandbox's mapped root must traverse it). */
  boxRoot: string;
  cgroupParent: string;
  nofileCeiling?: number | null;
  kernelRelease?: string;
  /** The launcher's private, unreadable copy (installLauncher); default the host's busybox. */
  launcherBinary?: string;
}

export interface SandboxUsage {
  cpuTimeMs: number;
  peakMemoryBytes: number;
  oomKilled: boolean;
}

/** Raw end of a job, before a verdict: what the kernel and the launcher said. */
export interface SandboxExit {
  /** The launcher's report of the job's shell status; null when pid 1 died first (killed by us or the kernel). */
  status: number | null;
  stdout: Buffer;
  stderr: Buffer;
  stdoutOverflow: boolean;
  stderrOverflow: boolean;
  usage: SandboxUsage;
}

export interface StreamCaps {
  outputBytes: number;
  onOverflow: () => void;
}

export class Sandbox {
  readonly dir: string;
  readonly ctlDir: string;
  readonly tmpfsDir: string;
  readonly cgroupsPath: string;
  pid = 0;
  /** This sandbox's host id range, from create() until destroy() has removed everything. */
  ids?: HostIdRange;
  private networked = false;
  private background = false;
  private child?: ChildProcess;
  private out: Buffer[] = [];
  private err: Buffer[] = [];
  private outBytes = 0;
  private errBytes = 0;
  private caps?: StreamCaps;
  private overflow = { stdout: false, stderr: false };
  private ended: Promise<void> = Promise.resolve();
  private childExited = false;
  private status: number | null = null;
  private usageRead?: Promise<SandboxUsage>;
  private onReady?: () => void;
  private onStatus?: () => void;
  /** Resolves when the launcher reported the job's status or pid 1 is gone, whichever comes first. */
  readonly done: Promise<void>;

  constructor(
    readonly id: string,
    readonly profile: SandboxProfile,
    private readonly env: SandboxEnv,
  ) {
    this.dir = join(env.boxRoot, id);
    this.ctlDir = join(this.dir, 'ctl');
    this.tmpfsDir = join(this.dir, 'rw');
    this.cgroupsPath = `${env.cgroupParent}/${id}`;
    this.done = new Promise((resolve) => (this.onStatus = resolve));
  }

  /** The job's user seen from the host: the owner of its files in the tmpfs. */
  get jobHostUid(): number {
    if (!this.ids) throw new Internal(`sandbox ${this.id} has no host id range: it is not created`);
    return hostJobUid(this.ids);
  }

  /** Build the sandbox up to a waiting launcher. On failure the caller must still call destroy(). */
  async create(rootfs: string, extra: { readOnlyBinds?: { source: string; destination: string }[]; background?: boolean } = {}): Promise<void> {
    // the range is released by destroy() only, after every process that could use it is dead
    const ids = this.env.ids.acquire();
    this.ids = ids;
    await mkdir(this.dir, { mode: 0o711 });
    await mkdir(this.ctlDir, { mode: 0o755 });
    await writeFile(join(this.ctlDir, 'launch.sh'), LAUNCH_SCRIPT, { mode: 0o644 });
    await writeFile(join(this.ctlDir, 'sh'), '', { mode: 0o644 });
    await writeFile(join(this.ctlDir, 'stdin'), '', { mode: 0o644 });
    const { work, tmp } = await mountWorkspace(this.tmpfsDir, { sizeBytes: this.profile.diskBytes, inodes: this.profile.diskInodes, owner: hostJobUid(ids) });
    let net: { netnsPath: string; etcFiles: { hosts: string; resolvConf: string } } | undefined;
    if (this.profile.network) {
      if (!this.env.network) throw new FailedPrecondition('this daemon has no network for sandbox jobs');
      const etcDir = join(this.dir, 'etc');
      await mkdir(etcDir, { mode: 0o755 });
      const etcFiles = { hosts: join(etcDir, 'hosts'), resolvConf: join(etcDir, 'resolv.conf') };
      this.networked = true; // before attach: destroy() must detach whatever half of it was done
      const { netnsPath } = await this.env.network.attach(this.id, etcFiles);
      net = { netnsPath, etcFiles };
    }
    const bundle = join(this.dir, 'bundle');
    await mkdir(bundle, { mode: 0o700 });
    const spec = sandboxSpec({
      id: this.id,
      rootfs,
      ctlDir: this.ctlDir,
      workDir: work,
      tmpDir: tmp,
      cgroupsPath: this.cgroupsPath,
      profile: this.profile,
      ids,
      ...(net ? { netnsPath: net.netnsPath, etcFiles: net.etcFiles } : {}),
      nofileCeiling: this.env.nofileCeiling ?? null,
      ...(this.env.kernelRelease ? { kernelRelease: this.env.kernelRelease } : {}),
      ...(extra.readOnlyBinds ? { readOnlyBinds: extra.readOnlyBinds } : {}),
      ...(this.env.launcherBinary ? { launcherBinary: this.env.launcherBinary } : {}),
    });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
    const pidFile = join(this.dir, 'init.pid');
    const d = this.env.driver;
    // runc hands its own stdio (and fd 3, --preserve-fds 1) to pid 1 as they are: our pipes.
    const runcArgs = [...d.globalArgs, 'run', '--bundle', bundle, '--pid-file', pidFile, '--preserve-fds', '1', this.id];
    // a warm pool's creation yields the CPU to running jobs: runc run, every thread of it and the runc init
    // and launcher it starts, at nice 10 (nice(1) execs runc: same pid); foreground() undoes it when a job takes it
    const background = extra.background === true;
    const child = spawn(background ? 'nice' : d.binary, background ? ['-n', String(BACKGROUND_NICE), d.binary, ...runcArgs] : runcArgs, {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.background = background;
    child.stdin?.on('error', () => undefined);
    const exited = new Promise<number>((resolve) => {
      child.once('error', () => resolve(-1));
      child.once('exit', (c, sig) => resolve(c ?? (sig ? 128 : -1)));
    });
    this.listen(child, exited);
    const ready = new Promise<boolean>((resolve) => {
      this.onReady = () => resolve(true);
      void exited.then(() => resolve(false));
    });
    if (!(await ready)) {
      await this.ended;
      const why = Buffer.concat(this.err).toString('utf8').trim().split('\n').pop() ?? '';
      throw new Internal(`cannot create sandbox ${this.id}: runc run exited ${await exited}: ${why}`);
    }
    this.pid = await readPidFile(pidFile);
  }

  private listen(child: ChildProcess, exited: Promise<number>): void {
    const closed = (stream: Readable): Promise<void> =>
      new Promise((resolve) => {
        stream.once('close', resolve);
        stream.once('error', () => resolve());
      });
    child.stdout!.on('data', (b: Buffer) => this.onData('stdout', b));
    child.stderr!.on('data', (b: Buffer) => this.onData('stderr', b));
    let control = '';
    const fd3 = child.stdio[3] as Readable;
    fd3.on('data', (b: Buffer) => {
      control += b.toString('utf8');
      if (control.length > 256) control = control.slice(-256);
      for (let nl = control.indexOf('\n'); nl >= 0; nl = control.indexOf('\n')) {
        const line = control.slice(0, nl);
        control = control.slice(nl + 1);
        if (line === 'ready') this.onReady?.();
        const m = /^status (\d+)$/.exec(line);
        if (m) {
          this.status = Number(m[1]);
          this.onStatus?.();
        }
      }
    });
    void exited.then(() => {
      this.childExited = true;
      this.onStatus?.();
    });
    this.ended = Promise.all([closed(child.stdout!), closed(child.stderr!), closed(fd3), exited]).then(() => undefined);
  }

  private onData(which: 'stdout' | 'stderr', b: Buffer): void {
    const caps = this.caps;
    if (!caps) {
      // before "go" only runc itself writes (its error message)
      (which === 'stdout' ? this.out : this.err).push(b);
      return;
    }
    const have = which === 'stdout' ? this.outBytes : this.errBytes;
    const room = caps.outputBytes - have;
    if (room > 0) (which === 'stdout' ? this.out : this.err).push(b.length > room ? b.subarray(0, room) : b);
    if (which === 'stdout') this.outBytes += b.length;
    else this.errBytes += b.length;
    if (b.length > room && !this.overflow[which]) {
      this.overflow[which] = true;
      caps.onOverflow();
    }
  }

  /**
   * A warm sandbox was taken for a job: its launcher (whose children will be the job) and runc run (which
   * tears pid 1 down at the job's end, on the job's critical path) go back to the normal priority.
   */
  foreground(): void {
    if (!this.background) return;
    this.background = false;
    renice(this.pid, 0);
    renice(this.child?.pid, 0);
  }

  /** Let the launcher run the job whose job.sh and stdin are already in ctlDir. */
  start(caps: StreamCaps): void {
    this.out = [];
    this.err = [];
    this.caps = caps;
    this.child?.stdin?.write('go\n');
  }

  /** The cgroup's counters, read once: before pid 1 dies (runc run removes the cgroup right after). */
  usage(): Promise<SandboxUsage> {
    this.usageRead ??= (async () => {
      const cg = this.env.cgroups;
      const [cpu, peak, oom] = await Promise.all([
        cg.cpuUsageNs(this.cgroupsPath).catch(() => null),
        cg.memoryPeak(this.cgroupsPath).catch(() => null),
        cg.oomKilled(this.cgroupsPath).catch(() => false),
      ]);
      return { cpuTimeMs: Math.round((cpu ?? 0) / 1e6), peakMemoryBytes: peak ?? 0, oomKilled: oom };
    })();
    return this.usageRead;
  }

  /** CPU time used so far, ms (the CPU-limit poll). */
  async peekCpuMs(): Promise<number> {
    const ns = await this.env.cgroups.cpuUsageNs(this.cgroupsPath).catch(() => null);
    return Math.round((ns ?? 0) / 1e6);
  }

  /** Stop the job now (a limit fired): counters first, then SIGKILL to pid 1. */
  async terminate(): Promise<void> {
    await this.usage();
    this.kill();
  }

  /** After `done`: counters, pid 1 killed, streams drained. */
  async finish(): Promise<SandboxExit> {
    await this.done;
    const usage = await this.usage();
    this.kill();
    await this.ended;
    return {
      status: this.status,
      stdout: Buffer.concat(this.out),
      stderr: Buffer.concat(this.err),
      stdoutOverflow: this.overflow.stdout,
      stderrOverflow: this.overflow.stderr,
      usage,
    };
  }

  /** SIGKILL pid 1 of the sandbox: the kernel then kills everything else in its pid namespace. */
  kill(): void {
    // pid 1 is runc run's child; once runc run has exited the pid may belong to someone else
    if (this.pid > 0 && !this.childExited) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Remove every trace. Safe to call more than once and after a partial create. */
  async destroy(): Promise<void> {
    this.kill();
    this.child?.stdin?.destroy();
    await Promise.race([this.ended, new Promise((r) => setTimeout(r, 5000).unref())]);
    // runc run deletes its container when pid 1 exits; a runc run that died first leaves it to us
    if (!this.childExited || this.child === undefined) await this.env.driver.delete(this.id, { force: true }).catch(() => undefined);
    try {
      await this.env.cgroups.remove(this.cgroupsPath).catch(() => undefined);
      if (this.networked) {
        await this.env.network?.detach(this.id);
        this.networked = false;
      }
      await unmountWorkspace(this.tmpfsDir);
      await rm(this.dir, { recursive: true, force: true });
    } finally {
      // every process of the sandbox is dead by now (pid 1 killed, runc run gone or deleted)
      if (this.ids) this.env.ids.release(this.ids);
      this.ids = undefined;
    }
  }
}

const BACKGROUND_NICE = 10;

/** setpriority(2) for every thread of a process (it is per thread on Linux; runc is a Go program). */
function renice(pid: number | undefined, nice: number): void {
  if (pid === undefined || pid <= 0) return;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return; // gone
  }
  for (const tid of tids) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // the thread ended meanwhile
    }
  }
}

/** runc run writes its pid file once pid 1 runs, which may be just after the launcher said "ready". */
async function readPidFile(path: string): Promise<number> {
  for (let i = 0; ; i++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    if (Number.isInteger(pid) && pid > 0) return pid;
    if (i > 2000) throw new Internal(`sandbox pid file ${path} never appeared`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Unmount the sandbox's tmpfs (lazily if something still holds it); a dir that is not a mount point is fine. */
export async function unmountWorkspace(dir: string): Promise<void> {
  for (let i = 0; i < 8 && (await isMounted(dir)); i++) {
    try {
      unmountFs(dir);
    } catch {
      // busy (or already gone): detach it
      try {
        unmountFs(dir, MNT_DETACH);
      } catch {
        // not mounted any more: the loop's check ends it
      }
    }
  }
}

/** mountinfo is the truth about what is mounted (field 5, the mount point; our paths have no spaces). */
export async function isMounted(dir: string): Promise<boolean> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').some((l) => l.split(' ')[4] === dir);
}
