/**
 * What the container service needs from the parts below it. The composition root (src/daemon) plugs in the
 * real image store, snapshotter, runc driver, conmon monitor and cgroup reader; unit tests plug in fakes.
 */
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { BindMount, ContainerCreateRequest, ImageConfig, NetworkSettings, Resources, VolumeMount } from '../../api/types.js';

export interface ImageView {
  id: string;
  repoTags: string[];
  config: ImageConfig;
}

export interface ImagePort {
  get(ref: string): ImageView;
  layerDirs(image: ImageView): string[];
}

export interface SnapshotPort {
  readonly name: string;
  prepare(key: string, parents: readonly string[]): Promise<string>;
  mount(key: string, parents: readonly string[]): Promise<string>;
  isMounted(key: string): Promise<boolean>;
  unmount(key: string): Promise<void>;
  remove(key: string): Promise<void>;
  list(): Promise<string[]>;
  rootfs(key: string): string;
}

export interface RuntimeState {
  status: 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

export interface RuntimePort {
  readonly name: string;
  state(id: string): Promise<RuntimeState | null>;
  start(id: string): Promise<void>;
  kill(id: string, signal: string, opts?: { all?: boolean }): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  list(): Promise<string[]>;
  /** A foreground process in the container; with pidFile, the runtime writes its host pid there. */
  exec(id: string, process: object, opts: { tty: boolean; pidFile?: string }): ChildProcess;
}

export interface MonitorCreateOptions {
  id: string;
  bundle: string;
  logPath: string;
  terminal: boolean;
  stdin: boolean;
}

export interface MonitorPort {
  /** Start conmon, which runs the runtime's create; resolves once the container is created. */
  create(opts: MonitorCreateOptions): Promise<{ pid: number; conmonPid: number }>;
  /** Calls onExit(id, exitCode) for every exit file, present now or written later. */
  watchExits(onExit: (id: string, exitCode: number) => void): { close(): void };
  readExitCode(id: string): Promise<number | null>;
  clearExit(id: string): Promise<void>;
  /** A writable to the container's stdin through conmon (only when created with stdin). */
  openStdin(id: string): Promise<Writable>;
  resize(id: string, rows: number, cols: number): Promise<void>;
  /** Forget conmon's per-container files (socket dir, pid files). Idempotent. */
  cleanup(id: string): Promise<void>;
}

export interface CgroupStatsView {
  cpuUsageNs: number;
  memoryUsage: number;
  memoryLimit: number | null;
  pids: number;
  blkioRead: number;
  blkioWrite: number;
}

export interface CgroupPort {
  stats(cgroupsPath: string): Promise<CgroupStatsView | null>;
  oomKilled(cgroupsPath: string): Promise<boolean>;
  remove(cgroupsPath: string): Promise<void>;
  list(): Promise<string[]>;
}

/** The per-container input of the OCI spec; the spec module turns it into config.json. */
export interface SpecInput {
  id: string;
  rootfs: string;
  readOnly: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  hostname: string;
  terminal: boolean;
  consoleSize?: { rows: number; cols: number };
  binds: BindMount[];
  tmpfs: Record<string, string>;
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  /** A netns path: the container joins the namespace the network module made. */
  network: 'none' | 'host' | { path: string };
  resources: Resources;
  init: boolean;
  cgroupsPath: string;
}

export interface SpecPort {
  build(input: SpecInput): object;
  resolveUser(rootfs: string, user: string): Promise<{ uid: number; gid: number; additionalGids: number[] }>;
}

/** Volumes (src/engine/volume): what a container mounts, made at create, bound at start, released at rm. */
export interface VolumePort {
  /**
   * Synchronous on purpose: the volumes and the record that refers to them are written in one tick, so a
   * concurrent `volume rm` cannot remove a volume between the two. Returns the volumes with every name set
   * (the request's plus the image's VOLUME paths) and the names it made (to undo a failed create).
   */
  attach(req: ContainerCreateRequest, image: ImageConfig): { volumes: VolumeMount[]; created: string[] };
  /** Docker's copy-up: fill still-empty volumes from the image content at their paths. */
  populate(volumes: readonly VolumeMount[], rootfs: string): Promise<void>;
  binds(volumes: readonly VolumeMount[]): BindMount[];
  /** Remove those of `names` no container uses any more (only the anonymous ones, with anonymousOnly). */
  release(names: readonly string[], opts: { anonymousOnly: boolean }): Promise<void>;
}

/** Networks (src/engine/network): checked at create, joined at start, left at exit, forgotten at rm. */
export interface NetworkPort {
  /** Refuse bad network options (unknown network, --ip outside the subnet, -p with none…) before anything is made. */
  check(config: ContainerCreateRequest): void;
  /** Join the networks; rewrites /etc/hosts and /etc/resolv.conf; null for none/host. */
  attach(input: {
    id: string;
    name: string;
    hostname: string;
    config: ContainerCreateRequest;
    exposedPorts: string[];
    etcFiles: { hosts: string; resolvConf: string };
  }): Promise<{ netnsPath: string } | null>;
  /** Leave every network, drop the netns. Idempotent, never throws. */
  detach(id: string): Promise<void>;
  /** The container is removed: forget the networks it was connected to. */
  forget(id: string): void;
  settings(id: string, config: ContainerCreateRequest): NetworkSettings;
}
