/** The input of buildSpec: what a container asks for, in Docker's vocabulary, already resolved to values. */

export interface SpecUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

export interface BindMount {
  /** Absolute host path. */
  source: string;
  /** Absolute path inside the container. */
  destination: string;
  readOnly?: boolean;
}

export interface TmpfsMount {
  destination: string;
  /** Mount options, e.g. ["size=64m", "mode=1777"]. Default: nosuid,nodev,noexec (docker's tmpfs defaults). */
  options?: string[];
}

export interface ResourceLimits {
  /** Memory limit in bytes (`--memory`). Docker's minimum is 6 MiB. */
  memory?: number;
  /** Memory + swap in bytes (`--memory-swap`); -1 = unlimited swap. Default with `memory`: 2 × memory. */
  memorySwap?: number;
  /** Number of CPUs (`--cpus 1.5`) → quota = cpus × period, period 100000 µs. */
  cpus?: number;
  /** Relative CPU weight (`--cpu-shares`), 2..262144. */
  cpuShares?: number;
  /** Maximum number of processes (`--pids-limit`); 0 or negative = unlimited, as docker. */
  pidsLimit?: number;
}

export interface RlimitOption {
  /** "RLIMIT_NOFILE" or "nofile". */
  type: string;
  soft: number;
  hard: number;
}

/** How the container is networked: a fresh empty netns ("none"), the host's ("host"), or an existing netns. */
export type NetworkOption = 'none' | 'host' | { path: string };

export interface SpecOptions {
  /** Container id; names the cgroup (`/pure/<id>`) and the default hostname (its first 12 characters). */
  id: string;
  /** Absolute path of the mounted root filesystem. */
  rootfs: string;
  /** Default false. */
  readonlyRootfs?: boolean;
  /** Command and arguments (entrypoint + cmd, already combined). Non-empty. */
  args: string[];
  /** "KEY=value" entries: image env then user env (later entries win). PATH defaults to docker's. */
  env?: string[];
  /** Absolute working directory. Default "/". */
  cwd?: string;
  /** Resolved user (see resolveUser). Default root (0:0). */
  user?: SpecUser;
  /** Default: the first 12 characters of `id`. */
  hostname?: string;
  /** Allocate a pty; also sets TERM=xterm unless env has TERM. Default false. */
  terminal?: boolean;
  /** Default "none". */
  network?: NetworkOption;
  /** Capability names with or without "CAP_", or "ALL". */
  capAdd?: string[];
  capDrop?: string[];
  /** Override or add rlimits; RLIMIT_NOFILE defaults to 1048576/1048576 (capped by nofileCeiling). */
  rlimits?: RlimitOption[];
  /**
   * Highest RLIMIT_NOFILE the host lets runc set (see nofileCeiling()); null/absent = no cap. Only the default
   * nofile is capped: an explicit rlimits entry is passed through as asked.
   */
  nofileCeiling?: number | null;
  /** -1000..1000. */
  oomScoreAdj?: number;
  binds?: BindMount[];
  tmpfs?: TmpfsMount[];
  /** Host files bind-mounted at /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etcHosts?: string;
  etcHostname?: string;
  etcResolvConf?: string;
  /** /dev/shm size in bytes. Default 64 MiB. */
  shmSize?: number;
  limits?: ResourceLimits;
  /** Default "/pure/<id>". */
  cgroupsPath?: string;
  /** Default "default" (Pure's profile). */
  seccomp?: 'default' | 'unconfined';
  /** Host kernel release, for the seccomp profile's ptrace rule. Default: assume >= 4.8. */
  kernelRelease?: string;
  /** Node-style architecture for the seccomp profile. Default process.arch. */
  arch?: string;
  /** Run a static init (catatonit/tini) as pid 1, bind-mounted read-only at /dev/init. Default false. */
  init?: boolean;
  /** Host path of the init binary. Default /usr/bin/catatonit (see findInitBinary). */
  initPath?: string;
  annotations?: Record<string, string>;
}
