/**
 * The contract between Pure and an OCI runtime (runc, crun): the runtime's CLI lifecycle, nothing more.
 *
 * Vocabulary (OCI runtime spec, "lifecycle"):
 * - a *bundle* is a directory holding config.json and the rootfs;
 * - `create` builds the container's namespaces and cgroup and leaves its init process blocked, status
 *   `created` — Pure never calls create itself: the per-container monitor (conmon) does, so that the
 *   container's stdio, log and exit code outlive the daemon (see `Conmon.create`);
 * - `start` lets the init process exec the user's program: status `running`;
 * - the program exits: status `stopped`; `delete` removes the runtime's state (and its cgroup).
 *
 * Running a container therefore reads: `conmon.create({ runtime, bundle, ... })` → `runtime.start(id)` →
 * the exit code appears in conmon's exit dir → `runtime.delete(id)`.
 */
import type { ChildProcess } from 'node:child_process';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'stopped';

export interface RuntimeState {
  status: ContainerStatus;
  /** The container's init pid on the host; 0 once it has stopped. */
  pid: number;
}

/**
 * An OCI `process` object for `exec` (the spec module's `OciProcess` fits). Fields left out get runc's
 * defaults; `terminal` is taken from the exec options, not from here.
 */
export interface ExecProcess {
  args: string[];
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  capabilities?: object;
  rlimits?: object[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
}

export interface ExecOptions {
  /** Give the process a real pseudo-terminal (stdout and stderr are then one stream). */
  tty: boolean;
  /** Only foreground exec is offered: the daemon pipes the child's stdio to the client. */
  detach?: false;
  /** Initial terminal size for `tty: true`. */
  rows?: number;
  cols?: number;
  /** A host path where the runtime writes the process's host pid (so a caller can kill the process itself). */
  pidFile?: string;
}

export interface RuntimeVersion {
  name: string;
  version: string;
  commit?: string;
  spec?: string;
}

export interface RuntimeDriver {
  /** `runc` or `crun`. */
  readonly name: string;
  /** Absolute path of the runtime's binary. */
  readonly binary: string;
  /** Global flags placed before every subcommand (`--root <dir>`); conmon passes them via `--runtime-arg`. */
  readonly globalArgs: readonly string[];

  /** The runtime's view of a container, or null when it does not know the id. */
  state(id: string): Promise<RuntimeState | null>;
  /** Let a `created` container run its program. Rejects with the runtime's own one-line reason. */
  start(id: string): Promise<void>;
  /** Send a signal (`SIGTERM`, `TERM`, `9`) to the init process, or to every process with `all`. */
  kill(id: string, signal: string | number, opts?: { all?: boolean }): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Remove the runtime's state; `force` kills a live container first. An unknown id is not an error. */
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  /** Ids of every container under this driver's state root. */
  list(): Promise<string[]>;
  /**
   * Run an extra process in a running container, in the foreground. The returned child's stdio are the
   * process's (with `tty`, a relay of its terminal); its exit code is the process's exit code.
   */
  exec(id: string, process: ExecProcess, opts: ExecOptions): ChildProcess;
  /** Resize the terminal of a child returned by `exec(..., { tty: true })`. */
  resizeExec(child: ChildProcess, rows: number, cols: number): Promise<void>;
  /** The runtime's `features` document (OCI runtime features, runc ≥ 1.1). */
  features(): Promise<Record<string, unknown>>;
  version(): Promise<RuntimeVersion>;
}
