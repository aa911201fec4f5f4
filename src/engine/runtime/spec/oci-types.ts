/**
 * The subset of the OCI runtime spec 1.0.2 (config.json) that Pure writes and runc 1.1.5 reads.
 * Field names and optionality follow opencontainers/runtime-spec `specs-go/config.go`; only what we emit
 * is typed, so a typo in a field name is a compile error instead of a silently ignored key.
 */

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: OciLinux;
}

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface OciRlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface OciProcess {
  terminal: boolean;
  /** Initial size of the console when terminal is true. */
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
  selinuxLabel?: string;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export type OciNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface OciNamespace {
  type: OciNamespaceType;
  /** Join this existing namespace (e.g. /var/run/netns/x) instead of creating a fresh one. */
  path?: string;
}

export interface OciDeviceCgroup {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciResources {
  devices: OciDeviceCgroup[];
  memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface OciSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: SeccompSyscall[];
}

export interface OciLinux {
  namespaces: OciNamespace[];
  /** cgroupfs-driver style path ("/pure/<id>"), relative to each hierarchy's root. */
  cgroupsPath: string;
  resources: OciResources;
  maskedPaths: string[];
  readonlyPaths: string[];
  seccomp?: OciSeccomp;
  sysctl?: Record<string, string>;
  devices?: { path: string; type: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }[];
}
