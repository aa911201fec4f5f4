/**
 * Docker's defaults, gathered in one place so a reader can compare them with moby's `oci/defaults.go`
 * and runc's `libcontainer/specconv.AllowedDevices`.
 */
import type { OciDeviceCgroup, OciMount } from './oci-types.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker 20+'s default capabilities; granted as bounding/effective/permitted only (no inheritable/ambient). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability Linux 6.x knows, for validating --cap-add/--cap-drop and expanding "ALL". */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** RLIMIT names runc accepts. */
export const RLIMIT_TYPES: readonly string[] = [
  'RLIMIT_AS', 'RLIMIT_CORE', 'RLIMIT_CPU', 'RLIMIT_DATA', 'RLIMIT_FSIZE', 'RLIMIT_LOCKS', 'RLIMIT_MEMLOCK',
  'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_RSS', 'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME', 'RLIMIT_SIGPENDING', 'RLIMIT_STACK',
];

/** Docker sets the open-files limit explicitly so containers do not inherit the daemon's. */
export const DEFAULT_NOFILE = 1048576;

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** The mounts every Docker container gets, in the order runc must perform them (/dev before /dev/pts). */
export function defaultMounts(shmSize: number): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${Math.floor(shmSize / 1024)}k`],
    },
  ];
}

/** Paths Docker hides (bind of /dev/null or an empty tmpfs) because they leak host information. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Paths Docker remounts read-only because writing them changes the host kernel. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The device cgroup allowlist runc and Docker use: deny everything, allow mknod of any device (creating a
 * node is harmless if it cannot be opened), and read/write only the standard pseudo-devices, ptys and tun.
 */
export function defaultDeviceRules(): OciDeviceCgroup[] {
  const rwm = (type: 'c' | 'b', major: number | undefined, minor: number | undefined, access = 'rwm'): OciDeviceCgroup => {
    const rule: OciDeviceCgroup = { allow: true, type, access };
    if (major !== undefined) rule.major = major;
    if (minor !== undefined) rule.minor = minor;
    return rule;
  };
  return [
    { allow: false, access: 'rwm' },
    rwm('c', undefined, undefined, 'm'), // c *:* m
    rwm('b', undefined, undefined, 'm'), // b *:* m
    rwm('c', 1, 3), // /dev/null
    rwm('c', 1, 8), // /dev/random
    rwm('c', 1, 7), // /dev/full
    rwm('c', 5, 0), // /dev/tty
    rwm('c', 1, 5), // /dev/zero
    rwm('c', 1, 9), // /dev/urandom
    rwm('c', 5, 1), // /dev/console
    rwm('c', 136, undefined), // /dev/pts/*
    rwm('c', 5, 2), // /dev/ptmx
    rwm('c', 10, 200), // /dev/net/tun
  ];
}
