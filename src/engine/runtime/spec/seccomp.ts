/**
 * Pure's default seccomp profile: an allowlist. Anything not named here fails with EPERM, which is what
 * programs already handle for "not permitted" (ENOSYS would make some of them fall back to other paths).
 *
 * What is left out, and why (the same threat model as Docker's default profile):
 * - mount, umount2, pivot_root, move_mount, open_tree, fsopen/fsconfig/fsmount/fspick, mount_setattr:
 *   rearranging the mount table is how a container reaches host files.
 * - unshare, setns, and clone/clone3 with namespace flags: new namespaces (user namespaces above all) open
 *   kernel attack surface that is otherwise reserved to CAP_SYS_ADMIN.
 * - kexec_load, kexec_file_load, reboot, init_module, finit_module, delete_module, swapon, swapoff, acct,
 *   iopl, ioperm, quotactl, lookup_dcookie, vm86, vm86old, nfsservctl, sysfs, _sysctl, uselib, ustat:
 *   host-wide administration or legacy interfaces that a container never needs.
 * - bpf, perf_event_open, userfaultfd, keyctl, add_key, request_key, fanotify_init, kcmp, pidfd_getfd,
 *   process_madvise, name_to_handle_at's partner open_by_handle_at ("shocker" breakout), syslog:
 *   information leaks and frequent sources of kernel exploits; the keyring is not namespaced.
 * - settimeofday, stime, clock_settime, clock_settime64, adjtimex writes: the clock is not namespaced.
 * - sethostname, setdomainname: only runc sets the hostname, before the profile is applied.
 * - socket(AF_VSOCK): talks to the hypervisor, outside the container's network namespace.
 * - personality with flags other than the few that 32-bit and old binaries use (ADDR_NO_RANDOMIZE etc.
 *   would weaken ASLR).
 * Capability-gated calls (reboot with CAP_SYS_BOOT…) stay denied: the default capability set never grants
 * those capabilities, so one static list is enough.
 */
import type { OciSeccomp, SeccompSyscall } from './oci-types.js';

const EPERM = 1;
const ENOSYS = 38;

/** The namespace bits of clone(2): CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET = 0x7E020000. */
export const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

const AF_VSOCK = 40;

/** Syscalls any ordinary program (a shell, a libc, a language runtime, a server) uses. */
const ALLOWED: readonly string[] = [
  // files and directories
  'access', 'chdir', 'chmod', 'chown', 'chown32', 'close', 'close_range', 'copy_file_range', 'creat', 'dup',
  'dup2', 'dup3', 'faccessat', 'faccessat2', 'fadvise64', 'fadvise64_64', 'fallocate', 'fchdir', 'fchmod',
  'fchmodat', 'fchmodat2', 'fchown', 'fchown32', 'fchownat', 'fcntl', 'fcntl64', 'fdatasync', 'flock', 'fstat',
  'fstat64', 'fstatat64', 'fstatfs', 'fstatfs64', 'fsync', 'ftruncate', 'ftruncate64', 'futimesat', 'getcwd',
  'getdents', 'getdents64', 'link', 'linkat', 'lchown', 'lchown32', '_llseek', 'lseek', 'lstat', 'lstat64',
  'mkdir', 'mkdirat', 'mknod', 'mknodat', 'newfstatat', 'open', 'openat', 'openat2', 'pread64', 'preadv',
  'preadv2', 'pwrite64', 'pwritev', 'pwritev2', 'read', 'readahead', 'readlink', 'readlinkat', 'readv',
  'rename', 'renameat', 'renameat2', 'rmdir', 'sendfile', 'sendfile64', 'splice', 'stat', 'stat64', 'statfs',
  'statfs64', 'statx', 'symlink', 'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'tee', 'truncate',
  'truncate64', 'umask', 'unlink', 'unlinkat', 'utime', 'utimensat', 'utimensat_time64', 'utimes', 'vmsplice',
  'write', 'writev', 'name_to_handle_at',
  // extended attributes
  'fgetxattr', 'flistxattr', 'fremovexattr', 'fsetxattr', 'getxattr', 'lgetxattr', 'listxattr', 'llistxattr',
  'lremovexattr', 'lsetxattr', 'removexattr', 'setxattr',
  // polling, events, async I/O
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2', 'epoll_wait',
  'epoll_wait_old', 'eventfd', 'eventfd2', 'inotify_add_watch', 'inotify_init', 'inotify_init1',
  'inotify_rm_watch', 'fanotify_mark', 'io_cancel', 'io_destroy', 'io_getevents', 'io_pgetevents',
  'io_pgetevents_time64', 'io_setup', 'io_submit', 'io_uring_enter', 'io_uring_register', 'io_uring_setup',
  'ioctl', 'ioprio_get', 'ioprio_set', 'pipe', 'pipe2', 'poll', 'ppoll', 'ppoll_time64', 'pselect6',
  'pselect6_time64', 'select', '_newselect', 'signalfd', 'signalfd4', 'timerfd_create', 'timerfd_gettime',
  'timerfd_gettime64', 'timerfd_settime', 'timerfd_settime64',
  // memory
  'brk', 'madvise', 'membarrier', 'memfd_create', 'memfd_secret', 'mincore', 'mlock', 'mlock2', 'mlockall',
  'mmap', 'mmap2', 'mprotect', 'mremap', 'msync', 'munlock', 'munlockall', 'munmap', 'pkey_alloc', 'pkey_free',
  'pkey_mprotect', 'remap_file_pages',
  // processes, threads, signals
  'capget', 'capset', 'chroot', 'execve', 'execveat', 'exit', 'exit_group', 'fork', 'vfork', 'futex',
  'futex_time64', 'futex_waitv', 'get_robust_list', 'set_robust_list', 'get_thread_area', 'set_thread_area',
  'set_tid_address', 'getcpu', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority', 'setpriority',
  'getrlimit', 'setrlimit', 'prlimit64', 'ugetrlimit', 'getrusage', 'getsid', 'setsid', 'setpgid', 'gettid',
  'kill', 'tkill', 'tgkill', 'pause', 'pidfd_open', 'pidfd_send_signal', 'prctl', 'process_mrelease',
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'restart_syscall', 'rseq', 'rt_sigaction',
  'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait',
  'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo', 'sigaltstack', 'sigprocmask', 'sigreturn', 'seccomp',
  'sched_getaffinity', 'sched_getattr', 'sched_getparam', 'sched_get_priority_max', 'sched_get_priority_min',
  'sched_getscheduler', 'sched_rr_get_interval', 'sched_rr_get_interval_time64', 'sched_setaffinity',
  'sched_setattr', 'sched_setparam', 'sched_setscheduler', 'sched_yield', 'wait4', 'waitid', 'waitpid',
  'landlock_add_rule', 'landlock_create_ruleset', 'landlock_restrict_self',
  // credentials (bounded by the capability set)
  'getegid', 'getegid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getgroups', 'getgroups32', 'getresgid',
  'getresgid32', 'getresuid', 'getresuid32', 'getuid', 'getuid32', 'setfsgid', 'setfsgid32', 'setfsuid',
  'setfsuid32', 'setgid', 'setgid32', 'setgroups', 'setgroups32', 'setregid', 'setregid32', 'setresgid',
  'setresgid32', 'setresuid', 'setresuid32', 'setreuid', 'setreuid32', 'setuid', 'setuid32',
  // time (reading it; clock_adjtime/adjtimex without CAP_SYS_TIME can only read)
  'adjtimex', 'alarm', 'clock_adjtime', 'clock_adjtime64', 'clock_getres', 'clock_getres_time64',
  'clock_gettime', 'clock_gettime64', 'clock_nanosleep', 'clock_nanosleep_time64', 'getitimer', 'setitimer',
  'gettimeofday', 'nanosleep', 'time', 'times', 'timer_create', 'timer_delete', 'timer_getoverrun',
  'timer_gettime', 'timer_gettime64', 'timer_settime', 'timer_settime64',
  // networking (socket itself is filtered below)
  'accept', 'accept4', 'bind', 'connect', 'getpeername', 'getsockname', 'getsockopt', 'listen', 'recv',
  'recvfrom', 'recvmmsg', 'recvmmsg_time64', 'recvmsg', 'send', 'sendmmsg', 'sendmsg', 'sendto', 'setsockopt',
  'shutdown', 'socketcall', 'socketpair',
  // System V and POSIX IPC (namespaced by the ipc namespace)
  'ipc', 'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'semctl', 'semget', 'semop', 'semtimedop',
  'semtimedop_time64', 'shmat', 'shmctl', 'shmdt', 'shmget', 'mq_getsetattr', 'mq_notify', 'mq_open',
  'mq_timedreceive', 'mq_timedreceive_time64', 'mq_timedsend', 'mq_timedsend_time64', 'mq_unlink',
  // system information
  'getrandom', 'sysinfo', 'uname',
];

const X86_ONLY = ['arch_prctl', 'modify_ldt'];
const ARM_ONLY = ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'];

/** Personalities 32-bit and legacy binaries set: PER_LINUX, PER_LINUX32, UNAME26, both, and the query. */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

export interface SeccompProfileOptions {
  /** Node's `process.arch` naming. Default: process.arch. */
  arch?: string;
  /**
   * The host kernel release (`os.release()`). ptrace and process_vm_* are only allowed on 4.8 and later,
   * where seccomp is re-checked after a tracer changes a syscall (before that, ptrace bypassed seccomp).
   * Default: assume a modern kernel.
   */
  kernelRelease?: string;
}

function kernelAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return true;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

/** Build Pure's default seccomp profile for the given architecture. Pure function: no I/O. */
export function defaultSeccompProfile(opts: SeccompProfileOptions = {}): OciSeccomp {
  const arch = opts.arch ?? process.arch;
  const ptraceOk = opts.kernelRelease === undefined || kernelAtLeast(opts.kernelRelease, 4, 8);
  const isArm = arch === 'arm64' || arch === 'arm';
  const architectures = isArm ? ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'] : ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
  const ptraceNames = new Set(['ptrace', 'process_vm_readv', 'process_vm_writev']);
  const names = ALLOWED.filter((n) => ptraceOk || !ptraceNames.has(n)).concat(isArm ? ARM_ONLY : X86_ONLY);

  const syscalls: SeccompSyscall[] = [
    { names, action: 'SCMP_ACT_ALLOW' },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] },
    ...PERSONALITIES.map(
      (value): SeccompSyscall => ({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }] }),
    ),
    // clone is allowed only when none of the namespace bits are set: (flags & mask) == 0.
    {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    },
    // clone3 passes its flags in a struct seccomp cannot inspect; ENOSYS makes glibc fall back to clone.
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
  ];
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, architectures, syscalls };
}

/**
 * What the profile does with a syscall called with these arguments: 'allow', or the errno it returns.
 * Evaluates our own rule shapes (ALLOW lists, EQ/NE/MASKED_EQ on arguments, ERRNO) the way libseccomp does:
 * an explicit rule whose argument filters match wins, otherwise the default action applies.
 */
export function seccompVerdict(profile: OciSeccomp, name: string, args: readonly number[] = []): 'allow' | number {
  for (const rule of profile.syscalls) {
    if (!rule.names.includes(name)) continue;
    const matches = (rule.args ?? []).every((a) => {
      const v = args[a.index] ?? 0;
      switch (a.op) {
        case 'SCMP_CMP_EQ':
          return v === a.value;
        case 'SCMP_CMP_NE':
          return v !== a.value;
        case 'SCMP_CMP_MASKED_EQ':
          return ((v & a.value) >>> 0) === (a.valueTwo ?? 0);
        default:
          return false;
      }
    });
    if (!matches) continue;
    if (rule.action === 'SCMP_ACT_ALLOW') return 'allow';
    return rule.errnoRet ?? EPERM;
  }
  return profile.defaultAction === 'SCMP_ACT_ALLOW' ? 'allow' : (profile.defaultErrnoRet ?? EPERM);
}
