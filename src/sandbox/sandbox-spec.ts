/**
 * The OCI spec of a sandbox: the engine's buildSpec (Docker's defaults, Pure's seccomp profile, masked and
 * read-only /proc paths) tightened for untrusted code: a user namespace, no capabilities at all, a
 * non-root user, a read-only image rootfs, one writable tmpfs for /work and /tmp, and the fixed launcher.
 * A pure function: same sandbox, same config.json.
 */
import { buildSpec, type OciMount, type OciSpec } from '../engine/runtime/index.js';
import type { HostIdRange } from './host-ids.js';
import type { SandboxProfile } from './limits.js';

/** uid/gid the job runs as inside the sandbox (not root: uid 0 inside would own the sandbox's own mounts). */
export const JOB_UID = 1000;

/** Host uid that owns the job's files in the writable tmpfs: JOB_UID seen from the host, in the sandbox's own range. */
export function hostJobUid(ids: HostIdRange): number {
  return ids.hostBase + JOB_UID;
}

/** The sandbox's private, read-only control directory: launcher, the job's script, its stdin. */
export const CTL_DIR = '/.pure';
export const WORK_DIR = '/work';
export const TMP_DIR = '/tmp';
/** Where a grader sees the student's run(s), read-only. */
export const STUDENT_DIR = '/student';
/** Host busybox (static), bind-mounted read-only so any image, even one without a shell, can run the launcher. */
export const LAUNCHER_BINARY = '/usr/bin/busybox';

export interface SandboxSpecInput {
  id: string;
  /** The shared read-only image rootfs (with /work, /tmp and /.pure existing as mount points). */
  rootfs: string;
  /** Host dir bind-mounted read-only at /.pure. */
  ctlDir: string;
  /** Host dirs inside the sandbox's tmpfs, bind-mounted at /work and /tmp. */
  workDir: string;
  tmpDir: string;
  /** The launcher's binary (default LAUNCHER_BINARY); see installLauncher for why a private copy. */
  launcherBinary?: string;
  /** Extra read-only binds (a prepared workspace). */
  readOnlyBinds?: { source: string; destination: string }[];
  cgroupsPath: string;
  profile: SandboxProfile;
  /** This sandbox's own block of host ids (host-ids.ts): container 0..size-1 → hostBase.. */
  ids: HostIdRange;
  /** A networked sandbox: the path of the network namespace it joins (made by the network port). */
  netnsPath?: string;
  /** A networked sandbox: host files bound read-only at /etc/hosts and /etc/resolv.conf. */
  etcFiles?: { hosts: string; resolvConf: string };
  nofileCeiling?: number | null;
  kernelRelease?: string;
}

export type SandboxSpec = OciSpec & {
  linux: OciSpec['linux'] & {
    uidMappings: { containerID: number; hostID: number; size: number }[];
    gidMappings: { containerID: number; hostID: number; size: number }[];
  };
};

const bindRo = (source: string, destination: string): OciMount => ({
  destination,
  type: 'bind',
  source,
  options: ['rbind', 'rprivate', 'ro', 'nosuid', 'nodev'],
});
const bindRw = (source: string, destination: string): OciMount => ({
  destination,
  type: 'bind',
  source,
  options: ['rbind', 'rprivate', 'nosuid', 'nodev'],
});

export function sandboxSpec(i: SandboxSpecInput): SandboxSpec {
  const p = i.profile;
  const cpuSeconds = Math.max(1, Math.ceil(p.cpuTimeMs / 1000));
  const base = buildSpec({
    id: i.id,
    rootfs: i.rootfs,
    readonlyRootfs: true,
    // the launcher: pid 1 of the sandbox, waiting in runc's exec fifo until the job is known
    args: [`${CTL_DIR}/sh`, `${CTL_DIR}/launch.sh`],
    env: ['HOME=/work', 'LANG=C.UTF-8'],
    cwd: '/',
    user: { uid: JOB_UID, gid: JOB_UID },
    hostname: 'sandbox',
    // a networked sandbox joins the netns the network port made (a veth on the default bridge); else a fresh empty one
    network: i.netnsPath !== undefined ? { path: i.netnsPath } : 'none',
    capDrop: ['ALL'],
    rlimits: [
      // SIGXCPU at the soft limit, SIGKILL one second later; the cgroup total is checked by the daemon too
      { type: 'RLIMIT_CPU', soft: cpuSeconds, hard: cpuSeconds + 1 },
      { type: 'RLIMIT_NOFILE', soft: p.openFiles, hard: p.openFiles },
      { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
    ],
    limits: { memory: p.memoryBytes, memorySwap: p.memoryBytes, pidsLimit: p.pids },
    cgroupsPath: i.cgroupsPath,
    nofileCeiling: i.nofileCeiling ?? null,
    ...(i.kernelRelease ? { kernelRelease: i.kernelRelease } : {}),
    shmSize: Math.min(p.diskBytes, 64 * 1024 * 1024),
  });
  // A user namespace cannot mount the host's v1 cgroup hierarchies, and a job has no use for them.
  const mounts = base.mounts
    .filter((m) => m.destination !== '/sys/fs/cgroup')
    // sysfs may only be mounted from a network namespace the user namespace owns: a job that joins the
    // bridge's netns (made by the host's root, outside its user namespace) gets an empty /sys instead
    .map((m): OciMount => (m.destination === '/sys' && i.netnsPath !== undefined ? { destination: '/sys', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid', 'nodev', 'noexec', 'size=4k'] } : m));
  mounts.push(bindRo(i.ctlDir, CTL_DIR), bindRo(i.launcherBinary ?? LAUNCHER_BINARY, `${CTL_DIR}/sh`));
  mounts.push(bindRw(i.workDir, WORK_DIR), bindRw(i.tmpDir, TMP_DIR));
  for (const b of i.readOnlyBinds ?? []) mounts.push(bindRo(b.source, b.destination));
  if (i.etcFiles) mounts.push(bindRo(i.etcFiles.hosts, '/etc/hosts'), bindRo(i.etcFiles.resolvConf, '/etc/resolv.conf'));
  const spec: SandboxSpec = {
    ...base,
    mounts,
    linux: {
      ...base.linux,
      ...(base.linux.seccomp ? { seccomp: { ...base.linux.seccomp, architectures: nativeSeccompArch(base.linux.seccomp.architectures) } } : {}),
      namespaces: [{ type: 'user' }, ...base.linux.namespaces],
      uidMappings: [{ containerID: 0, hostID: i.ids.hostBase, size: i.ids.size }],
      gidMappings: [{ containerID: 0, hostID: i.ids.hostBase, size: i.ids.size }],
    },
  };
  spec.process.oomScoreAdj = 1000;
  return spec;
}

/**
 * Only the native syscall ABI: a job gets no 32-bit (ia32, x32; arm) entry points at all — less kernel to
 * attack — and runc compiles a filter for one architecture instead of three, which is most of the ~20 ms of
 * CPU seccomp costs each sandbox (docs/benchmarks.md, runc-bare). A 32-bit binary fails in a sandbox.
 */
function nativeSeccompArch(archs: readonly string[]): string[] {
  return archs.slice(0, 1);
}
