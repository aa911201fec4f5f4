/**
 * A second Pure daemon for candidates the user's daemon cannot be (the copy snapshotter): its own temp root,
 * run root, cgroup parent and default bridge, so it shares nothing with the daemon being benchmarked.
 * `stop()` removes its containers, stops it, and undoes what a crash could leave (mounts, cgroups, files) and
 * what a daemon keeps on purpose across its restarts but this one-off daemon must not leave: its default bridge
 * device and that bridge's iptables rules.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Unavailable } from '../errors/index.js';
import { HostRules } from '../engine/network/index.js';
import { PURE_BIN } from './engines.js';

export interface PrivateDaemon {
  socket: string;
  stop(): Promise<void>;
}

export async function startPrivateDaemon(opts: { snapshotter: 'overlay' | 'copy' }): Promise<PrivateDaemon> {
  const base = await mkdtemp(join(tmpdir(), 'pure-bench-daemon-'));
  const root = join(base, 'root');
  // conmon's attach socket path must stay short: keep the run root near /
  const runRoot = await mkdtemp('/run/pure-bench-');
  const tag = runRoot.split('-').pop() ?? 'x';
  const socket = join(runRoot, 'pure.sock');
  const cgroupParent = `/pure-bench/${tag}`;
  const subnetByte = 100 + (process.pid % 100);
  const bridge = { bridge: `pbench${tag.slice(0, 6)}`, subnet: `10.126.${subnetByte}.0/24`, internal: false };
  const args = ['daemon', '--root', root, '--run-root', runRoot, '--cgroup-parent', cgroupParent, '--snapshotter', opts.snapshotter,
    '--bridge', bridge.bridge, '--bridge-subnet', bridge.subnet, '--no-sandbox-warm'];
  const log: string[] = [];
  const proc: ChildProcess = spawn(PURE_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr?.on('data', (b: Buffer) => log.push(b.toString()));

  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const env = { ...process.env, PURE_SOCKET: socket };
      const ids = spawnSync(PURE_BIN, ['ps', '-aq'], { env, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) spawnSync(PURE_BIN, ['rm', '-f', '-v', ...ids], { env });
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    const runcRoot = join(runRoot, 'runc');
    for (const id of spawnSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) {
      spawnSync('runc', ['--root', runcRoot, 'delete', '-f', id]);
    }
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(root)).reverse()) {
      const mp = line.split(' ')[4];
      if (mp) spawnSync('umount', ['-l', mp]);
    }
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      for (const dir of [join('/sys/fs/cgroup', ctrl, cgroupParent), join('/sys/fs/cgroup', ctrl, 'pure-bench')]) {
        try {
          if (existsSync(dir)) rmdirSync(dir);
        } catch {
          // not empty: another bench daemon's, or a leak the daemon's own recovery reports
        }
      }
    }
    await new HostRules().remove(bridge).catch(() => undefined);
    spawnSync('ip', ['link', 'del', bridge.bridge]);
    await rm(base, { recursive: true, force: true });
    await rm(runRoot, { recursive: true, force: true });
  };

  for (let waited = 0; !existsSync(socket); waited += 50) {
    if (proc.exitCode !== null || waited > 20_000) {
      await stop();
      throw new Unavailable(`a private pure daemon (--snapshotter ${opts.snapshotter}) did not start: ${log.join('').trim().split('\n').pop() ?? ''}`);
    }
    await sleep(50);
  }
  return { socket, stop };
}
