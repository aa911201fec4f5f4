/**
 * What a benchmark ran on, recorded beside every result: numbers without their machine mean nothing.
 * Every probe is best-effort — a missing tool reads "absent (<why>)" instead of failing the benchmark.
 */
import { readFile, statfs } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import os from 'node:os';

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  /** "v1", "v2 (unified)" or "hybrid v1+v2", read from the filesystem types under /sys/fs/cgroup. */
  cgroupMode: string;
  /** Filesystem type of the mount holding /var/lib (where docker, podman and Pure keep their layers). */
  varLibFs: string;
  versions: Record<string, string>;
  /** 1, 5 and 15 minute load averages when the description was taken: a busy host makes noisy numbers. */
  loadAverage: number[];
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

export async function describeMachine(): Promise<MachineDescription> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const [runc, conmon, dockerServer, dockerClient, podman, pure] = await Promise.all([
    versionOf('runc', ['--version']),
    versionOf('conmon', ['--version']),
    versionOf('docker', ['version', '--format', '{{.Server.Version}}']),
    versionOf('docker', ['version', '--format', '{{.Client.Version}}']),
    versionOf('podman', ['--version']),
    // TODO(lead): `pure version` once the CLI exists; this reads "absent" until then.
    versionOf('pure', ['--version']),
  ]);
  return {
    cpuModel,
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    cgroupMode: await cgroupMode(),
    varLibFs: await mountFsType('/var/lib'),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    versions: {
      node: process.version,
      runc,
      conmon,
      'docker engine': dockerServer,
      'docker cli': dockerClient,
      podman,
      pure,
    },
  };
}

async function cgroupMode(): Promise<string> {
  try {
    if ((await statfs('/sys/fs/cgroup')).type === CGROUP2_SUPER_MAGIC) return 'v2 (unified)';
    const unified = await statfs('/sys/fs/cgroup/unified').catch(() => null);
    return unified?.type === CGROUP2_SUPER_MAGIC ? 'hybrid v1+v2' : 'v1';
  } catch (e) {
    return `unknown (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** The fs type of the longest mount point that is a prefix of `path`, from /proc/self/mountinfo. */
export async function mountFsType(path: string): Promise<string> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  let best = { point: '', fs: 'unknown' };
  for (const line of text.split('\n')) {
    // Fields: id parent major:minor root mountpoint options [optional...] - fstype source superopts
    const [left, right] = line.split(' - ');
    const point = left?.split(' ')[4]?.replace(/\\040/g, ' ');
    const fs = right?.split(' ')[0];
    if (!point || !fs) continue;
    const covers = path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (covers && point.length >= best.point.length) best = { point, fs };
  }
  return best.fs;
}

/** First line of a tool's version output, or "absent (...)". Bounded by a 10 s timeout. */
export function versionOf(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const first = String(stdout).trim().split('\n')[0]?.trim() ?? '';
      if (err) {
        const why = String(stderr).trim().split('\n').pop() || err.message;
        resolve(`absent (${why.slice(0, 160)})`);
        return;
      }
      resolve(first || 'unknown');
    });
  });
}
