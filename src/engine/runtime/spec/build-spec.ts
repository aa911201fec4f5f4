/**
 * buildSpec: SpecOptions → config.json for runc. A pure function (no I/O, no clock), so every default can be
 * checked in a unit test and the same options always give the same bundle.
 */
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  DEFAULT_NOFILE,
  DEFAULT_PATH,
  DEFAULT_SHM_SIZE,
  MASKED_PATHS,
  READONLY_PATHS,
  defaultDeviceRules,
  defaultMounts,
} from './defaults.js';
import type { OciMount, OciNamespace, OciResources, OciRlimit, OciSpec } from './oci-types.js';
import { defaultSeccompProfile } from './seccomp.js';
import type { SpecOptions, TmpfsMount } from './spec-options.js';
import { normalizeCapability, normalizeRlimit, validateSpecOptions } from './validate.js';

/** Where the init binary appears inside the container (podman's choice; /dev is runc's own tmpfs). */
export const INIT_PATH_IN_CONTAINER = '/dev/init';
export const DEFAULT_INIT_BINARY = '/usr/bin/catatonit';
const CPU_PERIOD = 100000;

/** The cgroupfs-driver path Pure gives a container: one level under /pure. */
export function defaultCgroupsPath(id: string): string {
  return `/pure/${id}`;
}

/**
 * Docker's capability arithmetic: "ALL" in capAdd grants everything (minus drops); "ALL" in capDrop starts
 * from nothing (plus adds); otherwise default set + adds − drops.
 */
export function resolveCapabilities(capAdd: readonly string[] = [], capDrop: readonly string[] = []): string[] {
  const adds = capAdd.map((c) => normalizeCapability('capAdd', c));
  const drops = capDrop.map((c) => normalizeCapability('capDrop', c));
  let caps: string[];
  if (adds.includes('ALL')) caps = [...ALL_CAPABILITIES];
  else if (drops.includes('ALL')) caps = adds;
  else caps = [...DEFAULT_CAPABILITIES, ...adds];
  const dropSet = new Set(drops);
  return [...new Set(caps)].filter((c) => !dropSet.has(c));
}

/** Container environment: PATH (if absent), HOSTNAME, TERM (with a tty), then the given env; later keys win. */
export function buildEnv(env: readonly string[], hostname: string, terminal: boolean): string[] {
  const merged = new Map<string, string>();
  const put = (entry: string): void => {
    const key = entry.slice(0, entry.indexOf('='));
    merged.set(key, entry);
  };
  put(`HOSTNAME=${hostname}`);
  if (terminal) put('TERM=xterm');
  for (const e of env) put(e);
  if (!merged.has('PATH')) merged.set('PATH', DEFAULT_PATH);
  return [...merged.values()];
}

/** docker's --tmpfs defaults (noexec,nosuid,nodev); a given "exec"/"suid"/"dev" lifts the matching default. */
function tmpfsOptions(t: TmpfsMount): string[] {
  const given = t.options ?? [];
  const defaults = ['nosuid', 'nodev', 'noexec'].filter((d) => !given.includes(d.slice(2)) && !given.includes(d));
  return [...defaults, ...given];
}

function userMounts(o: SpecOptions): OciMount[] {
  const mounts: OciMount[] = [];
  const bind = (source: string, destination: string, readOnly: boolean): OciMount => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'rprivate', ...(readOnly ? ['ro'] : [])],
  });
  for (const b of o.binds ?? []) mounts.push(bind(b.source, b.destination, b.readOnly ?? false));
  for (const t of o.tmpfs ?? []) mounts.push({ destination: t.destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(t) });
  if (o.etcHosts) mounts.push(bind(o.etcHosts, '/etc/hosts', false));
  if (o.etcHostname) mounts.push(bind(o.etcHostname, '/etc/hostname', false));
  if (o.etcResolvConf) mounts.push(bind(o.etcResolvConf, '/etc/resolv.conf', false));
  if (o.init) {
    mounts.push({ destination: INIT_PATH_IN_CONTAINER, type: 'bind', source: o.initPath ?? DEFAULT_INIT_BINARY, options: ['bind', 'ro'] });
  }
  return mounts;
}

function namespaces(o: SpecOptions): OciNamespace[] {
  const ns: OciNamespace[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  const net = o.network ?? 'none';
  if (net === 'none') ns.push({ type: 'network' });
  else if (net !== 'host') ns.push({ type: 'network', path: net.path });
  ns.push({ type: 'cgroup' });
  return ns;
}

function resources(o: SpecOptions): OciResources {
  const l = o.limits ?? {};
  const r: OciResources = { devices: defaultDeviceRules() };
  if (l.memory !== undefined) {
    // Docker: --memory alone allows as much swap again (memory+swap = 2 × memory); -1 lifts the swap limit.
    const swap = l.memorySwap ?? 2 * l.memory;
    r.memory = { limit: l.memory, swap };
  } else if (l.memorySwap === -1) {
    r.memory = { swap: -1 };
  }
  if (l.cpus !== undefined || l.cpuShares !== undefined) {
    r.cpu = {};
    if (l.cpus !== undefined) {
      r.cpu.quota = Math.round(l.cpus * CPU_PERIOD);
      r.cpu.period = CPU_PERIOD;
    }
    if (l.cpuShares !== undefined) r.cpu.shares = l.cpuShares;
  }
  if (l.pidsLimit !== undefined && l.pidsLimit > 0) r.pids = { limit: l.pidsLimit };
  return r;
}

function rlimits(o: SpecOptions): OciRlimit[] {
  const nofile = o.nofileCeiling != null ? Math.min(DEFAULT_NOFILE, o.nofileCeiling) : DEFAULT_NOFILE;
  const byType = new Map<string, OciRlimit>([['RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', soft: nofile, hard: nofile }]]);
  for (const r of o.rlimits ?? []) {
    const type = normalizeRlimit('rlimits', r.type);
    byType.set(type, { type, soft: r.soft, hard: r.hard });
  }
  return [...byType.values()];
}

/** Build the OCI runtime spec for one container. Throws InvalidArgument naming the offending option. */
export function buildSpec(o: SpecOptions): OciSpec {
  validateSpecOptions(o);
  const hostname = o.hostname ?? o.id.slice(0, 12);
  const terminal = o.terminal ?? false;
  const caps = resolveCapabilities(o.capAdd, o.capDrop);
  const args = o.init ? [INIT_PATH_IN_CONTAINER, '--', ...o.args] : [...o.args];

  const user = processUser(o);
  const extra = userMounts(o);
  // A user mount on a default destination (-v x:/dev/shm) replaces the default, as in docker.
  const taken = new Set(extra.map((m) => m.destination));
  const mounts = [...defaultMounts(o.shmSize ?? DEFAULT_SHM_SIZE).filter((m) => !taken.has(m.destination)), ...extra];

  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal,
      user,
      args,
      env: buildEnv(o.env ?? [], hostname, terminal),
      cwd: o.cwd ?? '/',
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      rlimits: rlimits(o),
      noNewPrivileges: true,
    },
    root: { path: o.rootfs, readonly: o.readonlyRootfs ?? false },
    hostname,
    mounts,
    linux: {
      namespaces: namespaces(o),
      cgroupsPath: o.cgroupsPath ?? defaultCgroupsPath(o.id),
      resources: resources(o),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
  if (o.oomScoreAdj !== undefined) spec.process.oomScoreAdj = o.oomScoreAdj;
  if ((o.seccomp ?? 'default') === 'default') {
    const seccompOpts: { arch?: string; kernelRelease?: string } = {};
    if (o.arch !== undefined) seccompOpts.arch = o.arch;
    if (o.kernelRelease !== undefined) seccompOpts.kernelRelease = o.kernelRelease;
    spec.linux.seccomp = defaultSeccompProfile(seccompOpts);
  }
  if (o.annotations && Object.keys(o.annotations).length > 0) spec.annotations = { ...o.annotations };
  return spec;
}

function processUser(o: SpecOptions): OciSpec['process']['user'] {
  const u = o.user ?? { uid: 0, gid: 0 };
  const user: OciSpec['process']['user'] = { uid: u.uid, gid: u.gid };
  if (u.additionalGids && u.additionalGids.length > 0) user.additionalGids = [...u.additionalGids];
  return user;
}
