/**
 * RuntimeDriver over the runc CLI (runc 1.1). crun's CLI takes the same subcommands and flags for
 * everything used here, so `CrunDriver` is the same class with another binary; whether crun can run on
 * this host at all is `detectRuntimes()`'s question, not this class's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { run, type RunResult } from '../../lib/index.js';
import { Conflict, FailedPrecondition, Internal, InvalidArgument, NotFound } from '../../errors/index.js';
import type {
  ContainerStatus,
  ExecOptions,
  ExecProcess,
  RuntimeDriver,
  RuntimeState,
  RuntimeVersion,
} from './runtime-driver.js';
import { isUnknownContainer, runtimeMessage } from './runtime-message.js';
import { resizePty, spawnUnderPty } from './tty-exec.js';
import { startViaExecFifo } from './exec-fifo.js';
import { removeStoppedContainer } from './stopped-state.js';

export interface RuncDriverOptions {
  /** Default `/usr/sbin/runc`. */
  binary?: string;
  /** The runtime's state directory (`--root`), e.g. `<run dir>/runc`. One per daemon (or per test). */
  root: string;
}

/** Docker's default PATH, for exec processes given no environment. */
const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const STATUSES: readonly ContainerStatus[] = ['created', 'running', 'paused', 'stopped'];

/** Normalise `SIGTERM` / `TERM` / `15` / 15 to a name runc and crun both accept (`SIGTERM`). */
export function signalName(signal: string | number): string {
  const signals = osConstants.signals as Record<string, number>;
  if (typeof signal === 'number' || /^\d+$/.test(signal)) {
    const n = Number(signal);
    const name = Object.keys(signals).find((k) => signals[k] === n);
    if (!name) throw new InvalidArgument(`invalid signal "${signal}": no such signal number`);
    return name;
  }
  const upper = signal.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (signals[name] === undefined) throw new InvalidArgument(`invalid signal "${signal}": unknown name`);
  return name;
}

export class RuncDriver implements RuntimeDriver {
  readonly name: string = 'runc';
  readonly binary: string;
  readonly root: string;
  readonly globalArgs: readonly string[];

  constructor(opts: RuncDriverOptions) {
    this.binary = opts.binary ?? '/usr/sbin/runc';
    this.root = opts.root;
    this.globalArgs = ['--root', opts.root];
  }

  async state(id: string): Promise<RuntimeState | null> {
    const r = await this.runtime(['state', id], { check: false });
    if (r.code !== 0) {
      if (isUnknownContainer(r.stderr)) return null;
      throw new Internal(`${this.name} state "${id}" failed: ${runtimeMessage(r.stderr)}`);
    }
    const parsed = JSON.parse(r.stdout) as { status?: string; pid?: number };
    const status = STATUSES.find((s) => s === parsed.status);
    if (!status) throw new Internal(`${this.name} state "${id}": unexpected status "${String(parsed.status)}"`);
    return { status, pid: parsed.pid ?? 0 };
  }

  /**
   * Whether this runtime keeps runc's state layout, so that `start` may release the exec fifo itself
   * (exec-fifo.ts) and `delete` may remove a stopped container's state itself (stopped-state.ts), each
   * saving a runtime process; either falls back to the runtime's own command when the layout is not there.
   */
  protected readonly hasRuncStateLayout: boolean = true;

  async start(id: string): Promise<void> {
    if (this.hasRuncStateLayout && (await startViaExecFifo(this.root, id))) return;
    await this.mustSucceed(['start', id], id, `cannot start container "${id}"`);
  }

  async kill(id: string, signal: string | number, opts: { all?: boolean } = {}): Promise<void> {
    const args = ['kill', ...(opts.all ? ['--all'] : []), id, signalName(signal)];
    await this.mustSucceed(args, id, `cannot signal container "${id}"`);
  }

  async pause(id: string): Promise<void> {
    await this.mustSucceed(['pause', id], id, `cannot pause container "${id}"`);
  }

  async resume(id: string): Promise<void> {
    await this.mustSucceed(['resume', id], id, `cannot resume container "${id}"`);
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    if (this.hasRuncStateLayout && (await removeStoppedContainer(this.root, id))) return;
    const r = await this.runtime(['delete', ...(opts.force ? ['--force'] : []), id], { check: false });
    if (r.code === 0 || isUnknownContainer(r.stderr)) return;
    const state = await this.state(id);
    if (state === null) return;
    throw new Conflict(`cannot delete container "${id}": ${runtimeMessage(r.stderr)} (status ${state.status})`);
  }

  async list(): Promise<string[]> {
    const r = await this.runtime(['list', '--format', 'json']);
    const parsed = JSON.parse(r.stdout.trim() || 'null') as { id: string }[] | null;
    return (parsed ?? []).map((c) => c.id);
  }

  exec(id: string, proc: ExecProcess, opts: ExecOptions): ChildProcess {
    // The process file must outlive this call (runc reads it after spawn); it goes when the child exits.
    const dir = mkdtempSync(join(tmpdir(), 'pure-exec-'));
    const file = join(dir, 'process.json');
    // runc exec does not inherit the container's environment: without PATH nothing is found.
    const body: ExecProcess = { cwd: '/', env: [DEFAULT_PATH_ENV], ...proc, terminal: opts.tty };
    if (opts.tty && opts.rows && opts.cols) body.consoleSize = { height: opts.rows, width: opts.cols };
    writeFileSync(file, JSON.stringify(body));
    const pidFile = opts.pidFile === undefined ? [] : ['--pid-file', opts.pidFile];
    const argv = [this.binary, ...this.globalArgs, 'exec', ...(opts.tty ? ['--tty'] : []), ...pidFile, '--process', file, id];
    const child = opts.tty
      ? spawnUnderPty(argv)
      : spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
    child.once('exit', cleanup);
    child.once('error', cleanup);
    if (opts.tty && opts.rows && opts.cols) {
      // runc copies the outer pty's size at start; give it the caller's size as soon as runc is there.
      this.resizeExec(child, opts.rows, opts.cols).catch(() => undefined);
    }
    return child;
  }

  resizeExec(child: ChildProcess, rows: number, cols: number): Promise<void> {
    return resizePty(child, rows, cols);
  }

  async features(): Promise<Record<string, unknown>> {
    const r = await this.runtime(['features'], { check: false });
    if (r.code !== 0) {
      throw new FailedPrecondition(`${this.name} features: not supported: ${runtimeMessage(r.stderr)}`);
    }
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  async version(): Promise<RuntimeVersion> {
    const r = await run(this.binary, ['--version']);
    const first = r.stdout.split('\n')[0] ?? '';
    const version = /version\s+(\S+)/.exec(first)?.[1] ?? first.trim();
    const commit = /^commit:\s*(\S+)/m.exec(r.stdout)?.[1];
    const spec = /^spec:\s*(\S+)/m.exec(r.stdout)?.[1];
    return { name: this.name, version, ...(commit ? { commit } : {}), ...(spec ? { spec } : {}) };
  }

  private runtime(args: string[], opts: { check?: boolean } = {}): Promise<RunResult> {
    return run(this.binary, [...this.globalArgs, ...args], { check: opts.check ?? true });
  }

  /** Run a lifecycle subcommand; on failure say which container and the runtime's own reason. */
  private async mustSucceed(args: string[], id: string, what: string): Promise<void> {
    const r = await this.runtime(args, { check: false });
    if (r.code === 0) return;
    if (isUnknownContainer(r.stderr)) throw new NotFound(`${what}: no such container "${id}"`);
    throw new Conflict(`${what}: ${runtimeMessage(r.stderr)}`);
  }
}

/** crun: the same CLI as runc for everything RuntimeDriver uses. Default binary `/usr/bin/crun`. */
export class CrunDriver extends RuncDriver {
  override readonly name: string = 'crun';
  // crun keeps its own state layout: always ask it to start
  protected override readonly hasRuncStateLayout: boolean = false;
  constructor(opts: RuncDriverOptions) {
    super({ ...opts, binary: opts.binary ?? '/usr/bin/crun' });
  }
}
