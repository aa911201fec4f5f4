/** buildSpec: each option lands where runc reads it, defaults match Docker's, bad options name their field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLONE_NAMESPACE_FLAGS,
  DEFAULT_CAPABILITIES,
  DEFAULT_PATH,
  buildSpec,
  nofileCeilingFrom,
  defaultSeccompProfile,
  seccompVerdict,
} from './index.js';
import type { OciSpec, SpecOptions } from './index.js';

const base: SpecOptions = { id: '0123456789abcdef', rootfs: '/var/lib/pure/containers/x/rootfs', args: ['/bin/sh', '-c', 'true'] };
const spec = (extra: Partial<SpecOptions> = {}): OciSpec => buildSpec({ ...base, ...extra });

void test('defaults follow Docker: root user, cwd /, PATH, HOSTNAME, nofile, no new privileges', () => {
  const s = spec();
  assert.equal(s.ociVersion, '1.0.2');
  assert.deepEqual(s.root, { path: base.rootfs, readonly: false });
  assert.deepEqual(s.process.user, { uid: 0, gid: 0 });
  assert.equal(s.process.cwd, '/');
  assert.equal(s.process.terminal, false);
  assert.equal(s.process.noNewPrivileges, true);
  assert.equal(s.hostname, '0123456789ab');
  assert.deepEqual(s.process.env, ['HOSTNAME=0123456789ab', DEFAULT_PATH]);
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }]);
  assert.equal(s.process.oomScoreAdj, undefined);
  assert.equal(s.process.apparmorProfile, undefined);
  assert.equal(s.linux.cgroupsPath, '/pure/0123456789abcdef');
  assert.equal(s.annotations, undefined);
  assert.equal(s.linux.sysctl, undefined);
});

void test('capabilities are Docker’s default set in bounding/effective/permitted only', () => {
  const caps = spec().process.capabilities;
  assert.deepEqual([...caps.bounding].sort(), [...DEFAULT_CAPABILITIES].sort());
  assert.equal(caps.bounding.length, 14);
  assert.deepEqual(caps.effective, caps.bounding);
  assert.deepEqual(caps.permitted, caps.bounding);
  assert.equal(caps.inheritable, undefined);
  assert.equal(caps.ambient, undefined);
});

void test('capAdd and capDrop accept names with or without CAP_ and ALL', () => {
  const c = spec({ capAdd: ['sys_admin', 'CAP_NET_ADMIN'], capDrop: ['chown', 'CAP_NET_RAW'] }).process.capabilities.bounding;
  assert.ok(c.includes('CAP_SYS_ADMIN') && c.includes('CAP_NET_ADMIN'));
  assert.ok(!c.includes('CAP_CHOWN') && !c.includes('CAP_NET_RAW'));
  assert.deepEqual(spec({ capDrop: ['ALL'], capAdd: ['KILL'] }).process.capabilities.bounding, ['CAP_KILL']);
  const all = spec({ capAdd: ['ALL'], capDrop: ['SYS_BOOT'] }).process.capabilities.bounding;
  assert.ok(all.includes('CAP_SYS_MODULE') && !all.includes('CAP_SYS_BOOT'));
});

void test('process options land in process: args, env merge, cwd, user, terminal, rlimits, oomScoreAdj', () => {
  const s = spec({
    env: ['PATH=/custom', 'A=1', 'A=2', 'EMPTY='],
    cwd: '/srv',
    user: { uid: 1000, gid: 1000, additionalGids: [10, 20] },
    terminal: true,
    hostname: 'web',
    rlimits: [{ type: 'nofile', soft: 100, hard: 200 }, { type: 'RLIMIT_NPROC', soft: 5, hard: 5 }],
    oomScoreAdj: 500,
  });
  assert.deepEqual(s.process.args, ['/bin/sh', '-c', 'true']);
  assert.deepEqual(s.process.env, ['HOSTNAME=web', 'TERM=xterm', 'PATH=/custom', 'A=2', 'EMPTY=']);
  assert.equal(s.process.cwd, '/srv');
  assert.deepEqual(s.process.user, { uid: 1000, gid: 1000, additionalGids: [10, 20] });
  assert.equal(s.process.terminal, true);
  assert.equal(s.hostname, 'web');
  assert.deepEqual(s.process.rlimits, [
    { type: 'RLIMIT_NOFILE', soft: 100, hard: 200 },
    { type: 'RLIMIT_NPROC', soft: 5, hard: 5 },
  ]);
  assert.equal(s.process.oomScoreAdj, 500);
  assert.deepEqual(spec({ env: ['TERM=dumb'], terminal: true }).process.env.filter((e) => e.startsWith('TERM=')), ['TERM=dumb']);
});

void test('namespaces: a fresh netns for none, none for host, the given path otherwise; always cgroup', () => {
  const types = (s: OciSpec): string[] => s.linux.namespaces.map((n) => n.type).sort();
  assert.deepEqual(types(spec()), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
  assert.deepEqual(spec().linux.namespaces.find((n) => n.type === 'network'), { type: 'network' });
  assert.deepEqual(types(spec({ network: 'host' })), ['cgroup', 'ipc', 'mount', 'pid', 'uts']);
  assert.deepEqual(spec({ network: { path: '/run/netns/pure-1' } }).linux.namespaces.find((n) => n.type === 'network'), {
    type: 'network',
    path: '/run/netns/pure-1',
  });
});

void test('default mounts match Docker’s, with /dev before /dev/pts and shmSize applied', () => {
  const s = spec();
  const byDest = new Map(s.mounts.map((m) => [m.destination, m]));
  assert.deepEqual(byDest.get('/proc'), { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] });
  assert.deepEqual(byDest.get('/dev')?.options, ['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  assert.deepEqual(byDest.get('/dev/pts')?.options, ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
  assert.deepEqual(byDest.get('/dev/shm')?.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k']);
  assert.equal(byDest.get('/dev/mqueue')?.type, 'mqueue');
  assert.deepEqual(byDest.get('/sys')?.options, ['nosuid', 'noexec', 'nodev', 'ro']);
  assert.equal(byDest.get('/sys/fs/cgroup')?.type, 'cgroup');
  assert.ok(byDest.get('/sys/fs/cgroup')?.options.includes('ro'));
  const order = s.mounts.map((m) => m.destination);
  assert.ok(order.indexOf('/dev') < order.indexOf('/dev/pts'));
  assert.ok(order.indexOf('/sys') < order.indexOf('/sys/fs/cgroup'));
  assert.ok(spec({ shmSize: 128 * 1024 * 1024 }).mounts.find((m) => m.destination === '/dev/shm')?.options.includes('size=131072k'));
});

void test('user mounts: binds rbind+rprivate (+ro), tmpfs with docker defaults, /etc files, replacing defaults', () => {
  const s = spec({
    binds: [
      { source: '/srv/data', destination: '/data' },
      { source: '/srv/conf', destination: '/conf', readOnly: true },
      { source: '/host/shm', destination: '/dev/shm' },
    ],
    tmpfs: [{ destination: '/run' }, { destination: '/tmp', options: ['size=64m', 'mode=1777', 'exec'] }],
    etcHosts: '/c/hosts',
    etcHostname: '/c/hostname',
    etcResolvConf: '/c/resolv.conf',
  });
  const byDest = new Map(s.mounts.map((m) => [m.destination, m]));
  assert.deepEqual(byDest.get('/data'), { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate'] });
  assert.deepEqual(byDest.get('/conf')?.options, ['rbind', 'rprivate', 'ro']);
  assert.equal(byDest.get('/dev/shm')?.type, 'bind', 'a user mount replaces the default /dev/shm');
  assert.equal(s.mounts.filter((m) => m.destination === '/dev/shm').length, 1);
  assert.deepEqual(byDest.get('/run')?.options, ['nosuid', 'nodev', 'noexec']);
  assert.deepEqual(byDest.get('/tmp')?.options, ['nosuid', 'nodev', 'size=64m', 'mode=1777', 'exec']);
  assert.equal(byDest.get('/etc/hosts')?.source, '/c/hosts');
  assert.equal(byDest.get('/etc/hostname')?.source, '/c/hostname');
  assert.equal(byDest.get('/etc/resolv.conf')?.source, '/c/resolv.conf');
});

void test('init bind-mounts the init read-only at /dev/init and prepends it', () => {
  const s = spec({ init: true, initPath: '/usr/bin/tini-static' });
  assert.deepEqual(s.process.args, ['/dev/init', '--', '/bin/sh', '-c', 'true']);
  assert.deepEqual(s.mounts.find((m) => m.destination === '/dev/init'), {
    destination: '/dev/init',
    type: 'bind',
    source: '/usr/bin/tini-static',
    options: ['bind', 'ro'],
  });
  assert.equal(spec({ init: true }).mounts.find((m) => m.destination === '/dev/init')?.source, '/usr/bin/catatonit');
});

void test('linux: Docker’s masked and read-only paths and the default device allowlist', () => {
  const l = spec().linux;
  for (const p of ['/proc/kcore', '/proc/keys', '/proc/sched_debug', '/sys/firmware', '/sys/devices/virtual/powercap']) assert.ok(l.maskedPaths.includes(p), p);
  assert.deepEqual(l.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  const d = l.resources.devices;
  assert.deepEqual(d[0], { allow: false, access: 'rwm' }, 'deny everything first');
  const allowed = (major: number, minor?: number): boolean =>
    d.some((r) => r.allow && r.type === 'c' && r.major === major && r.minor === minor && r.access === 'rwm');
  assert.ok(allowed(1, 3) && allowed(1, 5) && allowed(1, 7) && allowed(1, 8) && allowed(1, 9), 'null zero full random urandom');
  assert.ok(allowed(5, 0) && allowed(5, 2) && allowed(136), 'tty, ptmx, pts');
  assert.equal(d.some((r) => r.allow && r.type === 'b' && r.access?.includes('r')), false, 'no block device is readable');
});

void test('resources: memory with Docker swap semantics, cpus to quota/period, shares, pids', () => {
  const mb = 1024 * 1024;
  assert.equal(spec().linux.resources.memory, undefined);
  assert.deepEqual(spec({ limits: { memory: 64 * mb } }).linux.resources.memory, { limit: 64 * mb, swap: 128 * mb });
  assert.deepEqual(spec({ limits: { memory: 64 * mb, memorySwap: -1 } }).linux.resources.memory, { limit: 64 * mb, swap: -1 });
  assert.deepEqual(spec({ limits: { memory: 64 * mb, memorySwap: 64 * mb } }).linux.resources.memory, { limit: 64 * mb, swap: 64 * mb });
  assert.deepEqual(spec({ limits: { cpus: 1.5, cpuShares: 512 } }).linux.resources.cpu, { quota: 150000, period: 100000, shares: 512 });
  assert.deepEqual(spec({ limits: { pidsLimit: 100 } }).linux.resources.pids, { limit: 100 });
  assert.equal(spec({ limits: { pidsLimit: -1 } }).linux.resources.pids, undefined);
  assert.equal(spec({ cgroupsPath: '/custom/x' }).linux.cgroupsPath, '/custom/x');
});

void test('seccomp: the default profile is on unless unconfined; annotations and readonly rootfs pass through', () => {
  const s = spec({ annotations: { 'io.pure.name': 'web' }, readonlyRootfs: true });
  assert.equal(s.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.linux.seccomp?.defaultErrnoRet, 1);
  assert.deepEqual(s.linux.seccomp?.architectures, process.arch === 'arm64' ? ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'] : ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.equal(spec({ seccomp: 'unconfined' }).linux.seccomp, undefined);
  assert.deepEqual(s.annotations, { 'io.pure.name': 'web' });
  assert.equal(s.root.readonly, true);
});

void test('the default profile denies mount, unshare, kexec_load and namespaced clone; allows read, write, execve, clone', () => {
  const p = defaultSeccompProfile({ arch: 'x64' });
  for (const name of ['mount', 'umount2', 'unshare', 'setns', 'kexec_load', 'init_module', 'bpf', 'keyctl', 'pivot_root', 'reboot', 'open_by_handle_at', 'userfaultfd', 'perf_event_open']) {
    assert.equal(seccompVerdict(p, name), 1, `${name} should fail with EPERM`);
  }
  for (const name of ['read', 'write', 'execve', 'openat', 'mmap', 'exit_group', 'arch_prctl']) assert.equal(seccompVerdict(p, name), 'allow', name);
  const SIGCHLD = 17;
  const CLONE_THREAD_FLAGS = 0x3d0f00; // what pthread_create passes
  assert.equal(seccompVerdict(p, 'clone', [SIGCHLD]), 'allow', 'fork-style clone');
  assert.equal(seccompVerdict(p, 'clone', [CLONE_THREAD_FLAGS]), 'allow', 'thread-style clone');
  assert.equal(seccompVerdict(p, 'clone', [SIGCHLD | 0x10000000]), 1, 'clone(CLONE_NEWUSER) denied');
  assert.equal(seccompVerdict(p, 'clone', [SIGCHLD | 0x00020000]), 1, 'clone(CLONE_NEWNS) denied');
  assert.equal(CLONE_NAMESPACE_FLAGS, 2114060288);
  assert.equal(seccompVerdict(p, 'clone3'), 38, 'clone3 → ENOSYS so libc falls back to clone');
  assert.equal(seccompVerdict(p, 'socket', [2]), 'allow');
  assert.equal(seccompVerdict(p, 'socket', [40]), 1, 'AF_VSOCK denied');
  assert.equal(seccompVerdict(p, 'personality', [0]), 'allow');
  assert.equal(seccompVerdict(p, 'personality', [0x0040000]), 1, 'ADDR_NO_RANDOMIZE denied');
  assert.equal(seccompVerdict(defaultSeccompProfile({ kernelRelease: '4.4.0' }), 'ptrace'), 1, 'ptrace denied before 4.8');
  assert.equal(seccompVerdict(defaultSeccompProfile({ kernelRelease: '6.18.1' }), 'ptrace'), 'allow');
  const arm = defaultSeccompProfile({ arch: 'arm64' });
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.equal(seccompVerdict(arm, 'arch_prctl'), 1);
});

void test('invalid options are InvalidArgument naming the field', () => {
  const cases: [Partial<SpecOptions>, string][] = [
    [{ args: [] }, 'args'],
    [{ rootfs: 'relative/rootfs' }, 'rootfs'],
    [{ cwd: 'srv' }, 'cwd'],
    [{ env: ['NOEQUALS'] }, 'env'],
    [{ capAdd: ['CAP_FLY'] }, 'capAdd'],
    [{ capDrop: ['nope'] }, 'capDrop'],
    [{ limits: { memory: 1024 } }, 'limits.memory'],
    [{ limits: { memorySwap: 1 << 30 } }, 'limits.memorySwap'],
    [{ limits: { memory: 64 << 20, memorySwap: 32 << 20 } }, 'limits.memorySwap'],
    [{ limits: { cpus: 0 } }, 'limits.cpus'],
    [{ limits: { cpuShares: 1 } }, 'limits.cpuShares'],
    [{ binds: [{ source: 'rel', destination: '/x' }] }, 'binds.source'],
    [{ binds: [{ source: '/x', destination: '/../etc' }] }, 'binds.destination'],
    [{ tmpfs: [{ destination: 'run' }] }, 'tmpfs.destination'],
    [{ rlimits: [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }] }, 'rlimits'],
    [{ rlimits: [{ type: 'nofile', soft: 10, hard: 1 }] }, 'rlimits'],
    [{ oomScoreAdj: 5000 }, 'oomScoreAdj'],
    [{ hostname: 'bad host' }, 'hostname'],
    [{ network: { path: 'netns' } }, 'network.path'],
    [{ user: { uid: -1, gid: 0 } }, 'user.uid'],
    [{ shmSize: 0 }, 'shmSize'],
    [{ cgroupsPath: '/' }, 'cgroupsPath'],
    [{ seccomp: 'weird' as 'default' }, 'seccomp'],
    [{ id: '../x' }, 'id'],
  ];
  for (const [extra, field] of cases) {
    assert.throws(
      () => spec(extra),
      (e: unknown) => {
        const err = e as { code?: string; message?: string };
        assert.equal(err.code, 'invalid_argument', JSON.stringify(extra));
        assert.ok(err.message?.startsWith(`invalid ${field}:`), `${err.message} should name ${field}`);
        return true;
      },
    );
  }
});

void test('nofileCeiling caps only the default nofile, and is our hard limit without CAP_SYS_RESOURCE', () => {
  assert.deepEqual(spec({ nofileCeiling: 20000 }).process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 }]);
  assert.deepEqual(spec({ nofileCeiling: null }).process.rlimits[0], { type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 });
  assert.deepEqual(spec({ nofileCeiling: 20000, rlimits: [{ type: 'nofile', soft: 65536, hard: 65536 }] }).process.rlimits[0]?.hard, 65536);
  const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 20000                files\n';
  assert.equal(nofileCeilingFrom('CapEff:\t000001fffeffffff\n', limits), 20000, 'bit 24 (CAP_SYS_RESOURCE) missing');
  assert.equal(nofileCeilingFrom('CapEff:\t000001ffffffffff\n', limits), null);
});
