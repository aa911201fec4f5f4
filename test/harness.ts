/**
 * Integration-test harness: a real `pure daemon` (the built CLI, dist/) on a temp root and run root, driven
 * through the real `pure` CLI — real runc, conmon, overlayfs and cgroups underneath. `cleanup()` removes every
 * container, stops the daemon and checks that nothing is left in the kernel (mounts, runc state, conmon).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeBusyboxTar } from './fixtures/busybox.js';

export const REPO = resolve(import.meta.dirname, '..');
export const PURE_BIN = join(REPO, 'bin', 'pure');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestDaemon {
  root: string;
  runRoot: string;
  socket: string;
  proc: ChildProcess;
  pure(args: string[], opts?: { input?: string; timeoutMs?: number }): CliResult;
  pureAsync(args: string[], opts?: { input?: string }): Promise<CliResult>;
  /** kill -9 the daemon (containers keep running under conmon). */
  kill9(): Promise<void>;
  /** Start a new daemon on the same roots. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
  leaks(): string[];
  /** What the daemon(s) printed on stderr so far. */
  daemonLog(): string;
}

function waitForSocket(path: string, proc: ChildProcess, ms = 20_000): Promise<void> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const tick = () => {
      if (existsSync(path)) return res();
      if (proc.exitCode !== null) return rej(new Error(`daemon exited with ${proc.exitCode}`));
      if (Date.now() - t0 > ms) return rej(new Error('daemon did not start in time'));
      setTimeout(tick, 25);
    };
    tick();
  });
}

/** `daemonArgs` are added to `pure daemon` (e.g. `--registry-ca FILE`); `env` to the daemon's and the CLI's environment. */
export async function startTestDaemon(opts: { snapshotter?: 'overlay' | 'copy'; daemonArgs?: string[]; env?: Record<string, string> } = {}): Promise<TestDaemon> {
  const base = await mkdtemp(join(tmpdir(), 'pure-it-'));
  const root = join(base, 'root');
  // conmon's attach socket path must stay short: keep the run root near /
  const runRoot = await mkdtemp('/run/pure-it-');
  const socket = join(runRoot, 'pure.sock');
  // a cgroup parent of its own, so leaks() can count this daemon's cgroups alone
  const cgroupParent = `/pure-it/${runRoot.split('-').pop() ?? 'x'}`;
  const env = { ...process.env, ...opts.env, PURE_SOCKET: socket };
  const errLog: string[] = [];

  const launch = async (): Promise<ChildProcess> => {
    const args = [PURE_BIN, 'daemon', '--root', root, '--run-root', runRoot, '--cgroup-parent', cgroupParent];
    if (opts.snapshotter) args.push('--snapshotter', opts.snapshotter);
    args.push(...(opts.daemonArgs ?? []));
    const p = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
    p.stderr?.on('data', (b: Buffer) => errLog.push(b.toString()));
    await waitForSocket(socket, p).catch((e: Error) => {
      throw new Error(`${e.message}: ${errLog.join('')}`);
    });
    return p;
  };

  // mounts under the root (rootfs, sandbox tmpfs) and the run root (netns files)
  const ownMounts = (): string[] =>
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((mp) => mp.startsWith(`${root}/`) || mp.startsWith(`${runRoot}/`));
  // "<state root> <id>" of the containers runc knows under this daemon's run root (runc list would create a
  // missing state root, so only the ones that exist are asked)
  const runcIds = (): string[] =>
    [join(runRoot, 'runc'), join(runRoot, 'sandbox')]
      .filter((stateRoot) => existsSync(stateRoot))
      .flatMap((stateRoot) =>
        spawnSync('runc', ['--root', stateRoot, 'list', '-q'], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean)
          .map((id) => `${stateRoot} ${id}`),
      );

  const d: TestDaemon = {
    root,
    runRoot,
    socket,
    proc: await launch(),
    pure(args, o = {}) {
      const r = spawnSync(PURE_BIN, args, {
        env,
        input: o.input ?? '',
        encoding: 'utf8',
        timeout: o.timeoutMs ?? 60_000,
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    pureAsync(args, o = {}) {
      return new Promise((res) => {
        const p = spawn(PURE_BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        p.stdin.end(o.input ?? '');
        p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
      });
    },
    async kill9() {
      d.proc.kill('SIGKILL');
      await new Promise((r) => d.proc.once('exit', r));
    },
    async restart() {
      await rm(socket, { force: true });
      d.proc = await launch();
    },
    daemonLog() {
      return errLog.join('');
    },
    leaks() {
      const out: string[] = [];
      out.push(...ownMounts().map((mp) => `mount: ${mp}`));
      for (const id of runcIds()) out.push(`runc: ${id}`);
      for (const ctrl of ['memory', 'pids', 'cpu', 'unified']) {
        const dir = join('/sys/fs/cgroup', ctrl, cgroupParent);
        if (!existsSync(dir)) continue;
        for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(`cgroup: ${ctrl}${cgroupParent}/${e.name}`);
      }
      const conmons = spawnSync('pgrep', ['-f', `conmon.*${root}`], { encoding: 'utf8' });
      out.push(...conmons.stdout.split('\n').filter(Boolean).map((p) => `conmon pid ${p}`));
      return out;
    },
    async cleanup() {
      if (d.proc.exitCode === null) {
        const ids = d.pure(['ps', '-aq']).stdout.split('\n').filter(Boolean);
        if (ids.length > 0) d.pure(['rm', '-f', ...ids]);
        d.proc.kill('SIGTERM');
        await new Promise((r) => d.proc.once('exit', r));
      }
      // belt and braces: whatever a failed test left
      for (const id of runcIds()) {
        const [stateRoot, name] = id.split(' ');
        spawnSync('runc', ['--root', stateRoot!, 'delete', '-f', name!]);
      }
      for (const mp of ownMounts().reverse()) spawnSync('umount', ['-l', mp]);
      for (const ctrl of readdirSync('/sys/fs/cgroup')) {
        try {
          rmdirSync(join('/sys/fs/cgroup', ctrl, cgroupParent));
        } catch {
          // absent, or not empty because a test leaked (leaks() reports it)
        }
      }
      await rm(base, { recursive: true, force: true });
      await rm(runRoot, { recursive: true, force: true });
    },
  };
  return d;
}

let busyboxTar: string | undefined;
/** A busybox rootfs tarball, made once per test process. */
export async function busyboxTarball(): Promise<string> {
  if (!busyboxTar) {
    const dir = await mkdtemp(join(tmpdir(), 'pure-bbtar-'));
    busyboxTar = join(dir, 'busybox.tar');
    await makeBusyboxTar(busyboxTar);
  }
  return busyboxTar;
}

/** Import the busybox image into the daemon as `ref` (with Cmd sh, like the real busybox image). */
export async function importBusybox(d: TestDaemon, ref = 'busybox:latest'): Promise<void> {
  const r = d.pure(['import', '--change', 'CMD ["sh"]', await busyboxTarball(), ref]);
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
}
