/**
 * conmon, the per-container monitor (conmon 2.1.6). One conmon per container: it runs `runtime create`,
 * holds the container's stdio (k8s-file log, attach socket, ctl fifo), reaps the init process and
 * writes its exit code to the exit dir. It daemonises (double fork, setsid), so it is never our child
 * and outlives the daemon: after a daemon restart, the exit dir and runtime state tell us everything.
 *
 * Handshake, as Podman does it (libpod/oci_conmon_linux.go):
 * - `_OCI_STARTPIPE=<fd>`: conmon blocks reading it before it forks anything (Podman moves conmon into a
 *   cgroup meanwhile); we write one byte right away.
 * - `_OCI_SYNCPIPE=<fd>`: with `--api-version 1` conmon writes `{"data": <init pid>}` once the runtime's
 *   create succeeded, or `{"data": -1, "message": "<runtime stderr>"}` when it failed.
 * - `--conmon-pidfile` gets the daemonised conmon's pid; `-p` the container's init pid.
 *
 * Files conmon makes: `<bundle>/ctl` and `<bundle>/winsz` (fifos), `<bundle>/attach` (SOCK_SEQPACKET),
 * reachable through the short symlink `<socketDir>/<id>` → bundle because sun_path holds 108 bytes.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { FailedPrecondition, Internal } from '../../errors/index.js';
import type { RuntimeDriver } from './runtime-driver.js';
import { runtimeMessage } from './runtime-message.js';

export const CONMON = '/usr/bin/conmon';

export interface ConmonCreateOptions {
  /** Container id: runtime id, conmon cid and cuuid (names the attach symlink and the exit file). */
  id: string;
  /** OCI bundle directory (config.json, rootfs); conmon also puts ctl, winsz, attach and pid files here. */
  bundle: string;
  runtime: RuntimeDriver;
  /** k8s-file log of the container's stdout/stderr. */
  logPath: string;
  /** conmon writes `<exitDir>/<id>` with the exit code. */
  exitDir: string;
  /** Optional per-container directory: conmon writes `exit` (and `oom`) there too. */
  persistDir?: string;
  /** Parent of the `<id>` attach symlink; keep it short. */
  socketDir: string;
  /** Allocate a pty for the container (config.json process.terminal must agree). */
  terminal: boolean;
  /** Keep a stdin pipe open for `openStdin` (docker -i). */
  stdin: boolean;
  /** Program and args conmon runs after the container exited (e.g. `pure container cleanup <id>`). */
  exitCommand?: string[];
  /** Seconds conmon waits before running exitCommand. */
  exitDelay?: number;
  /** Where the daemonised conmon's pid is written; default `<bundle>/conmon.pid`. */
  conmonPidFile?: string;
  signal?: AbortSignal;
}

export interface ConmonCreated {
  /** The container's init pid (runtime state "created"). */
  pid: number;
  /** The daemonised conmon's pid. */
  conmonPid: number;
}

export interface ConmonOptions {
  /** Default `/usr/bin/conmon`. */
  binary?: string;
}

interface SyncMessage {
  data: number;
  message?: string;
}

export class Conmon {
  readonly binary: string;

  constructor(opts: ConmonOptions = {}) {
    this.binary = opts.binary ?? CONMON;
  }

  /** The conmon argv for `create` (exported for the daemon's logs and for tests). */
  args(opts: ConmonCreateOptions): string[] {
    const pidFile = join(opts.persistDir ?? opts.bundle, 'pidfile');
    const args = [
      '--api-version', '1',
      '-c', opts.id,
      '-u', opts.id,
      '-n', opts.id,
      '-r', opts.runtime.binary,
      '-b', opts.bundle,
      '-p', pidFile,
      '-l', `k8s-file:${opts.logPath}`,
      '--exit-dir', opts.exitDir,
      '--socket-dir-path', opts.socketDir,
      '--conmon-pidfile', opts.conmonPidFile ?? join(opts.bundle, 'conmon.pid'),
      '--log-level', 'error',
    ];
    for (const a of opts.runtime.globalArgs) args.push('--runtime-arg', a);
    if (opts.persistDir) args.push('--persist-dir', opts.persistDir);
    if (opts.terminal) args.push('-t');
    if (opts.stdin) args.push('-i');
    if (opts.exitCommand && opts.exitCommand.length > 0) {
      args.push('--exit-command', opts.exitCommand[0]!);
      for (const a of opts.exitCommand.slice(1)) args.push('--exit-command-arg', a);
      if (opts.exitDelay !== undefined) args.push('--exit-delay', String(opts.exitDelay));
    }
    return args;
  }

  /**
   * Start conmon for the bundle and resolve when the container is `created`, with its init pid.
   * Rejects with the runtime's own one-line reason when create fails (a missing executable, a bad
   * config). The caller then calls `runtime.start(id)`.
   */
  async create(opts: ConmonCreateOptions): Promise<ConmonCreated> {
    opts.signal?.throwIfAborted();
    const conmonPidFile = opts.conmonPidFile ?? join(opts.bundle, 'conmon.pid');
    // fd 3 = sync pipe (conmon writes), fd 4 = start pipe (conmon reads). detached: conmon gets its own
    // process group at once, so a ^C aimed at the daemon's group cannot reach it before its setsid().
    // conmon outlives this call: its stderr goes to a file, never to a pipe we close (a later write to a closed
    // pipe would kill conmon with SIGPIPE before it records the exit code)
    const errPath = join(opts.persistDir ?? opts.bundle, 'conmon.err');
    const errFd = openSync(errPath, 'w', 0o600);
    const child = spawn(this.binary, this.args({ ...opts, conmonPidFile }), {
      // conmon drops an `oom` marker in its working directory when the container is OOM-killed: keep it in the
      // bundle, not wherever the daemon was started
      cwd: opts.persistDir ?? opts.bundle,
      stdio: ['ignore', 'ignore', errFd, 'pipe', 'pipe'],
      env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
      detached: true,
    });
    child.unref();
    const sync = child.stdio[3] as Readable;
    const start = child.stdio[4] as Writable;
    closeSync(errFd);

    const firstExit = new Promise<number>((resolve, reject) => {
      child.once('error', (e) => reject(new FailedPrecondition(`cannot run ${this.binary}: ${e.message}`, { cause: e })));
      child.once('exit', (code) => resolve(code ?? -1));
    });
    firstExit.catch(() => undefined);

    try {
      start.on('error', () => undefined);
      start.end('0');
      const message = await readSyncMessage(sync, opts.signal);
      const code = await firstExit;
      if (message === null) {
        // conmon's own complaint is in its stderr file: read only when there is something to explain
        const conmonErr = (await readFile(errPath, 'utf8').catch(() => '')).trim();
        throw new Internal(`conmon for container "${opts.id}" exited (${code}) without reporting: ${conmonErr.split('\n').pop() ?? ''}`);
      }
      if (message.data < 0) {
        throw new FailedPrecondition(`cannot create container "${opts.id}": ${runtimeMessage(message.message ?? '')}`);
      }
      const conmonPid = Number.parseInt((await readFile(conmonPidFile, 'utf8')).trim(), 10);
      return { pid: message.data, conmonPid };
    } finally {
      sync.destroy();
      start.destroy();
    }
  }
}

/** Read conmon's one JSON line from the sync pipe; null if conmon closed it without writing. */
function readSyncMessage(sync: Readable, signal?: AbortSignal): Promise<SyncMessage | null> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (fn: () => void): void => {
      sync.off('data', onData);
      sync.off('end', onEnd);
      sync.off('error', onEnd);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onData = (b: Buffer): void => {
      buf += b.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      done(() => {
        try {
          resolve(JSON.parse(line) as SyncMessage);
        } catch (e) {
          reject(new Internal(`conmon sent an unreadable sync message: ${line}`, { cause: e }));
        }
      });
    };
    const onEnd = (): void => done(() => resolve(null));
    const onAbort = (): void =>
      done(() => reject(signal?.reason instanceof Error ? signal.reason : new Error('container create aborted')));
    sync.on('data', onData);
    sync.once('end', onEnd);
    sync.once('error', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
