/**
 * ContainerService: the container lifecycle on one host.
 *
 *   create  → record + create intent → snapshot prepared (rootfs mounted) → intent done
 *   start   → start intent → hosts files + OCI spec → conmon runs `runc create` → `runc start` → intent done
 *   exit    ← conmon writes the exit file → OOM read from the cgroup → `runc delete` → record exited
 *             → waiters woken → --rm or restart policy
 *   remove  → remove intent → kill if forced → snapshot removed → files removed → record deleted
 *
 * Each container's actions run one at a time (a per-id lock); reads never wait on it. Every action publishes
 * its container event (container-events.ts) to the EventSink; a container with a health check is probed by
 * the HealthMonitor (health.ts) from its start to its exit.
 */
import { EventEmitter } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { Conflict, InvalidArgument, NotFound, FailedPrecondition, messageOf } from '../../errors/index.js';
import { allOrFirstError, KeyLock } from '../../lib/index.js';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerStats,
  ContainerSummary,
  ExecCreateRequest,
  LogEntry,
  WaitResponse,
} from '../../api/types.js';
import { ContainerRepository, type ContainerRecord } from './record.js';
import { assertAllowed, isActive } from './lifecycle.js';
import { generateName, newContainerId, validateName } from './names.js';
import { followLog, type ReadLogOptions } from './logs.js';
import { restartDelayMs, shouldRestart } from './restart-policy.js';
import { matchesFilters, parseFilters } from './filters.js';
import { isProcessAlive } from './proc.js';
import { toInspect, toSummary } from './views.js';
import { sampleStats } from './stats.js';
import { execProcess } from './process-spec.js';
import { buildRecord } from './config.js';
import { containerEvent, type ContainerAction, type EventSink } from './container-events.js';
import { HealthMonitor, type HealthTimers, type ProbeOutcome } from './health.js';
import { runProbe } from './health-probe.js';
import { waitForExit } from './wait-exit.js';
import { launchContainer } from './launch.js';
import type { CgroupPort, ImagePort, MonitorPort, RuntimePort, SnapshotPort, SpecPort, VolumePort, NetworkPort } from './ports.js';
import type { Db } from '../../state/index.js';

export interface ContainerServiceOptions {
  /** PURE_ROOT: containers live in <root>/containers/<id>/. */
  root: string;
  db: Db;
  images: ImagePort;
  snapshotter: SnapshotPort;
  runtime: RuntimePort;
  monitor: MonitorPort;
  cgroups: CgroupPort;
  spec: SpecPort;
  /** Named and anonymous volumes; without it a request with volumes is refused. */
  volumes?: VolumePort;
  /** Networks (CNI); without it only --network none and host work. */
  network?: NetworkPort;
  /** cgroup parent of every container (`<parent>/<id>`). Default /pure. */
  cgroupParent?: string;
  /** The host's resolv.conf, copied into each container. Default /etc/resolv.conf. */
  resolvConf?: string;
  /** Container events (create, start, die…); the daemon passes its EventBus. Default: none published. */
  events?: EventSink;
  /** Timers of the health monitor (tests pass fakes). Default: the real ones. */
  healthTimers?: HealthTimers;
  now?: () => Date;
}

export class ContainerService {
  readonly repo: ContainerRepository;
  /** In-process signals of this service (exit:<id>, wake:<id>, removed:<id>, error); events for users go to the EventSink. */
  readonly events = new EventEmitter();
  readonly health: HealthMonitor;
  readonly #o: ContainerServiceOptions;
  readonly #locks = new KeyLock();
  readonly #restartTimers = new Map<string, NodeJS.Timeout>();
  #exitWatch: { close(): void } | undefined;
  #sweepTimer: NodeJS.Timeout | undefined;

  constructor(opts: ContainerServiceOptions) {
    this.#o = opts;
    this.repo = new ContainerRepository(opts.db);
    this.events.setMaxListeners(0);
    this.health = new HealthMonitor({
      runProbe: (id, argv, o) => this.#probe(id, argv, o),
      load: (id) => {
        const r = this.repo.get(id);
        return r && { status: r.status, startedAt: r.startedAt, healthcheck: r.config.healthcheck, health: r.health };
      },
      save: (id, state) => this.repo.setHealth(id, state),
      onStatus: (id, status) => this.#publish(id, 'health_status', { healthStatus: status }),
      onError: (_id, e) => this.events.emit('error', e),
      now: opts.now,
      timers: opts.healthTimers,
    });
  }

  #publish(recOrId: ContainerRecord | string, action: ContainerAction, extra?: Record<string, string>): void {
    const rec = typeof recOrId === 'string' ? this.repo.get(recOrId) : recOrId;
    if (rec) this.#o.events?.publish(containerEvent(rec, action, extra));
  }

  #now(): string {
    return (this.#o.now?.() ?? new Date()).toISOString();
  }

  dir(id: string): string {
    return join(this.#o.root, 'containers', id);
  }

  logPath(id: string): string {
    return join(this.dir(id), 'ctr.log');
  }

  cgroupsPath(id: string): string {
    return `${this.#o.cgroupParent ?? '/pure'}/${id}`;
  }

  /** Begin watching conmon's exit files, sweeping for monitors that died, probing health. Call once, after recovery. */
  watch(): void {
    for (const r of this.repo.list()) {
      if ((r.status === 'running' || r.status === 'paused') && r.config.healthcheck) this.health.begin(r.id, { resume: true });
    }
    this.#exitWatch ??= this.#o.monitor.watchExits((id, code) => {
      this.handleExit(id, code).catch((e: unknown) => this.events.emit('error', e));
    });
    this.#sweepTimer ??= setInterval(() => void this.sweepLostMonitors().catch((e: unknown) => this.events.emit('error', e)), 2000);
    this.#sweepTimer.unref();
  }

  /**
   * A safety net under the exit files: a running container whose conmon is gone (killed by someone, or by
   * the OOM killer) would otherwise stay "running" forever and every `wait` on it would hang. Checking a
   * pid is one read of /proc per running container.
   */
  async sweepLostMonitors(): Promise<string[]> {
    const lost: string[] = [];
    for (const rec of this.repo.list()) {
      if ((rec.status !== 'running' && rec.status !== 'paused') || rec.conmonPid <= 0) continue;
      if (await isProcessAlive(rec.conmonPid)) continue;
      const code = await this.#o.monitor.readExitCode(rec.id);
      if (code !== null) continue; // the watcher has it
      await this.#locked(rec.id, async () => {
        const cur = this.repo.get(rec.id);
        if (!cur || !isActive(cur.status) || cur.conmonPid !== rec.conmonPid) return;
        cur.error = `the container's monitor (conmon pid ${rec.conmonPid}) died without recording an exit code`;
        await this.#finishExit(cur, (await this.#o.monitor.readExitCode(rec.id)) ?? 255);
      });
      await this.#afterExit(rec.id);
      lost.push(rec.id);
    }
    return lost;
  }

  close(): void {
    this.health.close();
    clearInterval(this.#sweepTimer);
    this.#exitWatch?.close();
    for (const t of this.#restartTimers.values()) clearTimeout(t);
    this.#restartTimers.clear();
  }

  /** Serialise actions on one container. */
  #locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.#locks.with(id, fn);
  }

  /** Find by full id, name, or unique id prefix, as docker does. */
  resolve(ref: string): ContainerRecord {
    return this.repo.resolve(ref);
  }

  async create(req: ContainerCreateRequest): Promise<ContainerCreateResponse> {
    const image = this.#o.images.get(req.image);
    const name = req.name !== undefined ? validateName(req.name) : this.#freeName();
    const taken = this.repo.byName(name);
    if (taken) throw new Conflict(`container name "${name}" is already in use by ${taken.id.slice(0, 12)}`);
    const id = newContainerId();
    const { record, warnings } = buildRecord({
      id,
      name,
      req,
      image,
      created: this.#now(),
      snapshotter: this.#o.snapshotter.name,
      runtime: this.#o.runtime.name,
    });
    if (this.#o.network) this.#o.network.check(record.config);
    else if (req.network === undefined) record.config.network = 'none'; // no network module: nothing to join
    else if (req.network !== 'none' && req.network !== 'host') {
      throw new FailedPrecondition(`networks are not available in this daemon: use --network none or host`);
    }
    if (!this.#o.volumes && (req.volumes?.length ?? 0) > 0) throw new FailedPrecondition('volumes are not available in this daemon');
    // attach is synchronous: the volumes and the record naming them are written in this same tick
    const attached = this.#o.volumes?.attach(record.config, image.config);
    if (attached) record.config.volumes = attached.volumes;
    const intent = this.repo.insertWithIntent(record, 'create');
    try {
      await mkdir(this.dir(id), { recursive: true, mode: 0o700 });
      const rootfs = await this.#o.snapshotter.prepare(id, this.#o.images.layerDirs(image));
      await this.#o.volumes?.populate(record.config.volumes ?? [], rootfs);
    } catch (e) {
      await this.#undoCreate(id);
      await this.#o.volumes?.release(attached?.created ?? [], { anonymousOnly: false }).catch(() => undefined);
      throw e;
    }
    this.repo.completeIntent(intent);
    this.#publish(record, 'create');
    return { id, name, warnings };
  }

  #freeName(): string {
    for (let i = 0; i < 100; i++) {
      const n = generateName(i);
      if (!this.repo.byName(n)) return n;
    }
    return `c_${newContainerId().slice(0, 12)}`;
  }

  /** Undo a create that did not finish: every step is idempotent and safe if it never ran. */
  async #undoCreate(id: string): Promise<void> {
    await this.#o.snapshotter.remove(id).catch(() => undefined);
    await rm(this.dir(id), { recursive: true, force: true });
    this.repo.delete(id);
  }

  async start(ref: string): Promise<void> {
    const rec = this.resolve(ref);
    await this.#locked(rec.id, () => this.#start(rec.id, false));
  }

  async #start(id: string, isRestart: boolean): Promise<void> {
    const rec = this.repo.get(id);
    if (!rec) throw new NotFound(`no such container: "${id}"`);
    if (isActive(rec.status) && !isRestart) return; // docker: starting a running container is a no-op
    if (rec.status !== 'restarting') assertAllowed('start', rec.name, rec.status);
    const intent = this.repo.addIntent(id, 'start');
    try {
      await this.#launch(rec);
    } catch (e) {
      await this.#o.runtime.delete(id, { force: true }).catch(() => undefined);
      await this.#o.monitor.clearExit(id).catch(() => undefined);
      await this.#o.network?.detach(id);
      const msg = messageOf(e);
      rec.status = rec.startedAt ? 'exited' : 'created';
      rec.error = msg;
      rec.exitCode = /not found|no such file/i.test(msg) ? 127 : /permission denied/i.test(msg) ? 126 : 128;
      rec.pid = 0;
      this.repo.update(rec);
      this.repo.completeIntent(intent);
      this.#wake(id, { exitCode: rec.exitCode, oomKilled: false, error: msg });
      if (rec.config.autoRemove) await this.finishRemove(id).catch(() => undefined);
      // docker's convention: the command was not found → 127 (NotFound), could not be run → 126
      if (rec.exitCode === 127) throw new NotFound(msg, { cause: e });
      throw e;
    }
    this.repo.completeIntent(intent);
    this.events.emit(`wake:${id}`);
    this.#publish(rec, 'start');
    this.health.begin(id);
  }

  async #launch(rec: ContainerRecord): Promise<void> {
    const { pid, conmonPid } = await launchContainer(this.#o, rec, {
      dir: this.dir(rec.id),
      logPath: this.logPath(rec.id),
      cgroupsPath: this.cgroupsPath(rec.id),
    });
    rec.pid = pid;
    rec.conmonPid = conmonPid;
    await this.#o.runtime.start(rec.id);
    rec.status = 'running';
    rec.startedAt = this.#now();
    rec.finishedAt = null;
    rec.error = '';
    rec.exitCode = 0;
    rec.oomKilled = false;
    this.repo.update(rec);
  }


  /** Process one exit reported by conmon (or found at recovery). Idempotent. */
  async handleExit(id: string, exitCode: number): Promise<void> {
    await this.#locked(id, async () => {
      const rec = this.repo.get(id);
      if (!rec || !isActive(rec.status)) {
        await this.#o.monitor.clearExit(id).catch(() => undefined);
        return;
      }
      await this.#finishExit(rec, exitCode);
    });
    await this.#afterExit(id);
  }

  async #finishExit(rec: ContainerRecord, exitCode: number): Promise<void> {
    this.health.end(rec.id);
    // the OOM counter lives in the cgroup: read it before runc deletes the cgroup
    const oomKilled = await this.#o.cgroups.oomKilled(this.cgroupsPath(rec.id)).catch(() => false);
    rec.status = 'exited';
    rec.exitCode = exitCode;
    rec.oomKilled = oomKilled;
    rec.pid = 0;
    rec.conmonPid = 0;
    rec.finishedAt = this.#now();
    this.repo.update(rec);
    // waiters learn the exit now; the runtime's leftovers go while we still hold the container's lock, so
    // any later action on it (start, rm) finds them gone. A crash in between is repaired by recovery.
    if (oomKilled) this.#publish(rec, 'oom');
    this.#publish(rec, 'die', { exitCode: String(exitCode), oomKilled: String(oomKilled) });
    this.#wake(rec.id, { exitCode, oomKilled });
    await this.#releaseRuntime(rec.id);
  }

  /** What runc, conmon and the cgroup keep of a container that is not running. Idempotent. */
  async #releaseRuntime(id: string): Promise<void> {
    // independent cleanups, run side by side; every one is attempted, the first failure is reported. The
    // rootfs is unmounted at exit, as the Snapshotter contract says (writes stay in upper/; start mounts again).
    await allOrFirstError([
      this.#o.runtime.delete(id, { force: true }).then(() => this.#o.cgroups.remove(this.cgroupsPath(id)).catch(() => undefined)),
      this.#o.monitor.clearExit(id).then(() => this.#o.monitor.cleanup(id)),
      this.#o.network?.detach(id),
      this.#o.snapshotter.unmount(id),
    ]);
  }

  /** --rm or the restart policy, once the exit is recorded. */
  async #afterExit(id: string): Promise<void> {
    const rec = this.repo.get(id);
    if (!rec || rec.status !== 'exited') return;
    if (rec.config.autoRemove) {
      await this.remove(id, { force: true }).catch((e: unknown) => this.events.emit('error', e));
      return;
    }
    const policy = rec.config.restartPolicy;
    if (!shouldRestart(policy, { exitCode: rec.exitCode, restartCount: rec.restartCount, manuallyStopped: rec.manuallyStopped })) return;
    const ranFor = rec.startedAt && rec.finishedAt ? Date.parse(rec.finishedAt) - Date.parse(rec.startedAt) : 0;
    this.scheduleRestart(id, restartDelayMs(rec.restartCount, ranFor));
  }

  scheduleRestart(id: string, delayMs: number): void {
    const rec = this.repo.get(id);
    if (!rec) return;
    rec.status = 'restarting';
    this.repo.update(rec);
    clearTimeout(this.#restartTimers.get(id));
    const timer = setTimeout(() => {
      this.#restartTimers.delete(id);
      this.#locked(id, async () => {
        const cur = this.repo.get(id);
        if (!cur || cur.status !== 'restarting' || cur.manuallyStopped) return;
        cur.restartCount++;
        this.repo.update(cur);
        await this.#start(id, true);
      }).catch((e: unknown) => this.events.emit('error', e));
    }, delayMs);
    timer.unref();
    this.#restartTimers.set(id, timer);
  }

  #cancelRestart(rec: ContainerRecord): void {
    const t = this.#restartTimers.get(rec.id);
    if (t) clearTimeout(t);
    this.#restartTimers.delete(rec.id);
    if (rec.status === 'restarting') {
      rec.status = 'exited';
      this.repo.update(rec);
    }
  }

  #wake(id: string, result: WaitResponse): void {
    this.events.emit(`exit:${id}`, result);
    this.events.emit(`wake:${id}`);
  }

  /** Resolves with the exit once the container is not running (at once if it is not). */
  async wait(ref: string, signal?: AbortSignal): Promise<WaitResponse> {
    const rec = this.resolve(ref);
    return this.#waitExit(rec.id, signal);
  }

  #waitExit(id: string, signal?: AbortSignal, timeoutMs?: number): Promise<WaitResponse> {
    const cur = this.repo.get(id);
    const settled = !cur || !isActive(cur.status) || (cur.status === 'restarting' && !this.#restartTimers.has(id));
    return waitForExit(this.events, id, settled ? { exitCode: cur?.exitCode ?? 0, oomKilled: cur?.oomKilled ?? false } : null, { signal, timeoutMs });
  }


  async stop(ref: string, timeoutSec?: number): Promise<void> {
    const rec = this.resolve(ref);
    const grace = (timeoutSec ?? rec.config.stopTimeout ?? 10) * 1000;
    await this.#stop(rec.id, rec.config.stopSignal ?? 'SIGTERM', grace);
  }

  async #stop(id: string, stopSignal: string, graceMs: number): Promise<void> {
    const rec = this.repo.get(id);
    if (!rec) return;
    rec.manuallyStopped = true;
    this.repo.update(rec);
    this.#cancelRestart(rec);
    if (rec.status !== 'running' && rec.status !== 'paused') return;
    const exited = this.#waitExit(id, undefined, graceMs);
    this.#publish(rec, 'kill', { signal: stopSignal });
    await this.#o.runtime.kill(id, stopSignal).catch(() => undefined);
    if (rec.status === 'paused') await this.#o.runtime.resume(id).catch(() => undefined);
    const r = await exited;
    if (r.error === 'timeout') {
      const killed = this.#waitExit(id, undefined, 10_000);
      // killing the init of a pid namespace kills every process in it; runc's --all freezes the cgroup first
      this.#publish(rec, 'kill', { signal: 'SIGKILL' });
      await this.#o.runtime.kill(id, 'SIGKILL').catch(() => undefined);
      const k = await killed;
      if (k.error === 'timeout') await this.#reapLost(id);
    }
    this.#publish(id, 'stop');
  }

  /** conmon is gone and no exit file came: read what runc knows and finish the exit ourselves. */
  async #reapLost(id: string): Promise<void> {
    await this.#locked(id, async () => {
      const rec = this.repo.get(id);
      if (!rec || !isActive(rec.status)) return;
      const code = (await this.#o.monitor.readExitCode(id)) ?? 137;
      await this.#finishExit(rec, code);
    });
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const rec = this.resolve(ref);
    assertAllowed('kill', rec.name, rec.status);
    rec.manuallyStopped = true;
    this.repo.update(rec);
    await this.#o.runtime.kill(rec.id, signal);
    this.#publish(rec, 'kill', { signal });
  }

  async restart(ref: string, timeoutSec?: number): Promise<void> {
    const rec = this.resolve(ref);
    await this.stop(rec.id, timeoutSec);
    await this.#locked(rec.id, async () => {
      const cur = this.repo.get(rec.id);
      if (!cur) throw new NotFound(`no such container: "${ref}"`);
      cur.manuallyStopped = false;
      this.repo.update(cur);
      await this.#start(rec.id, false);
    });
    this.#publish(rec.id, 'restart');
  }

  async pause(ref: string): Promise<void> {
    const rec = this.resolve(ref);
    await this.#locked(rec.id, async () => {
      const cur = this.resolve(rec.id);
      assertAllowed('pause', cur.name, cur.status);
      await this.#o.runtime.pause(cur.id);
      cur.status = 'paused';
      this.repo.update(cur);
      this.#publish(cur, 'pause');
    });
  }

  async unpause(ref: string): Promise<void> {
    const rec = this.resolve(ref);
    await this.#locked(rec.id, async () => {
      const cur = this.resolve(rec.id);
      assertAllowed('unpause', cur.name, cur.status);
      await this.#o.runtime.resume(cur.id);
      cur.status = 'running';
      this.repo.update(cur);
      this.#publish(cur, 'unpause');
    });
  }

  /** With volumes (rm -v), the container's anonymous volumes go too. */
  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.resolve(ref);
    if (rec.status === 'removing') return;
    if (isActive(rec.status)) {
      if (!opts.force) assertAllowed('remove', rec.name, rec.status);
      await this.#stop(rec.id, 'SIGKILL', 10_000);
    }
    await this.#locked(rec.id, async () => {
      const cur = this.repo.get(rec.id);
      if (!cur) return;
      this.#cancelRestart(cur);
      if (isActive(cur.status)) throw new Conflict(`cannot remove container "${cur.name}": it is still ${cur.status}`);
      cur.status = 'removing';
      if (opts.volumes) cur.removeVolumes = true;
      this.repo.update(cur);
      this.repo.addIntent(cur.id, 'remove');
      // an exited or never-started container has no runtime state left (#finishExit released it)
      await this.finishRemove(cur.id, { runtimeReleased: true });
      this.#publish(cur, 'destroy');
    });
  }

  /** Every step is idempotent: also used to finish a remove interrupted by a crash. */
  async finishRemove(id: string, opts: { runtimeReleased?: boolean } = {}): Promise<void> {
    this.health.end(id);
    if (!opts.runtimeReleased) await this.#releaseRuntime(id).catch(() => undefined);
    this.#o.network?.forget(id);
    // the snapshot's dirs live inside the container's dir: unmount and remove them first
    await this.#o.snapshotter.remove(id);
    await rm(this.dir(id), { recursive: true, force: true });
    const rec = this.repo.get(id);
    this.repo.delete(id);
    // docker: rm -v and run --rm take the anonymous volumes along; named ones always stay
    if (rec && (rec.removeVolumes || rec.config.autoRemove)) {
      await this.#o.volumes?.release((rec.config.volumes ?? []).map((v) => v.source ?? ''), { anonymousOnly: true }).catch((e: unknown) => this.events.emit('error', e));
    }
    this.events.emit(`removed:${id}`);
  }

  list(opts: { all?: boolean; filters?: string[] } = {}): ContainerSummary[] {
    const filters = parseFilters(opts.filters ?? []);
    return this.repo
      .list()
      .filter((r) => opts.all || filters.has('status') || isActive(r.status))
      .filter((r) => matchesFilters(r, filters))
      .map(toSummary);
  }

  inspect(ref: string): ContainerInspect {
    const r = this.resolve(ref);
    const view = toInspect(r, { rootfs: this.#o.snapshotter.rootfs(r.id), logPath: this.logPath(r.id) });
    if (this.#o.network) view.networkSettings = this.#o.network.settings(r.id, r.config);
    return view;
  }

  /** Log entries; with follow, until the container stops (or, with untilNextExit, until its next exit). */
  logs(ref: string, opts: Omit<ReadLogOptions, 'isDone'> & { untilNextExit?: boolean } = {}): AsyncGenerator<LogEntry> {
    const rec = this.resolve(ref);
    return followLog(this.events, this.logPath(rec.id), opts, {
      id: rec.id,
      isRunning: () => {
        const cur = this.repo.get(rec.id);
        return cur ? isActive(cur.status) : undefined;
      },
    });
  }

  async stats(ref: string): Promise<ContainerStats> {
    const rec = this.resolve(ref);
    return sampleStats(this.#o.cgroups, this.cgroupsPath(rec.id), rec, this.#now());
  }

  /** Start a process in a running container; the caller pipes its stdio. */
  async exec(ref: string, req: ExecCreateRequest): Promise<ChildProcess> {
    const rec = this.resolve(ref);
    const child = await this.#exec(rec, req);
    this.#publish(rec, 'exec_start', { execCommand: req.cmd.join(' ') });
    return child;
  }

  async #exec(rec: ContainerRecord, req: ExecCreateRequest, pidFile?: string): Promise<ChildProcess> {
    assertAllowed('exec', rec.name, rec.status);
    if (req.cmd.length === 0) throw new InvalidArgument('exec needs a command');
    const proc = await execProcess(join(this.dir(rec.id), 'bundle'), req, (user) =>
      this.#o.spec.resolveUser(this.#o.snapshotter.rootfs(rec.id), user),
    );
    return this.#o.runtime.exec(rec.id, proc, { tty: req.tty ?? false, ...(pidFile ? { pidFile } : {}) });
  }

  /** A health probe (health-probe.ts; no exec_start event). A fail once runc says not running is no verdict (null). */
  async #probe(id: string, argv: string[], o: { timeoutMs: number; signal: AbortSignal }): Promise<ProbeOutcome | null> {
    const pidFile = join(this.dir(id), 'health-probe.pid');
    const outcome = await runProbe(() => this.#exec(this.resolve(id), { cmd: argv }, pidFile), { ...o, pidFile, cgroupsPath: this.cgroupsPath(id) });
    if (outcome.exitCode === 0) return outcome;
    const st = await this.#o.runtime.state(id).catch(() => null);
    return st?.status === 'running' ? outcome : null;
  }

  async openStdin(ref: string): Promise<Writable> {
    const rec = this.resolve(ref);
    if (!rec.config.openStdin) throw new FailedPrecondition(`container "${rec.name}" was not created with -i`);
    return this.#o.monitor.openStdin(rec.id);
  }

  async resize(ref: string, rows: number, cols: number): Promise<void> {
    const rec = this.resolve(ref);
    if (rec.config.tty && isActive(rec.status)) await this.#o.monitor.resize(rec.id, rows, cols);
  }

  /** Containers whose image is `imageId` (the image store refuses to delete an image in use). */
  usersOfImage(imageId: string): string[] {
    return this.repo
      .list()
      .filter((r) => r.imageId === imageId)
      .map((r) => r.name);
  }
}
