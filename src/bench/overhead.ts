/**
 * `overhead`: the same workloads natively and in a container (bridge/NAT and host network), reported as the
 * container/native ratio — the question of the container-versus-VM studies (Felter et al. 2015 and others:
 * containers are near-native for CPU and memory; NAT costs network throughput).
 *
 * A workload is timed by busybox `time` (10 ms resolution; workloads are sized to last about a second) where
 * it runs — inside the container, or on the host for the native baseline — so the engine's CLI start-up and
 * `exec` path are not in the number; only what the container changes (cgroups, namespaces, overlayfs, NAT) is.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Internal, Unavailable } from '../errors/index.js';
import { BENCH_IMAGE } from './datasets.js';
import { dockerEngine, engineCli, ensureImage, podmanEngine, pureEngine, readyEngine, removeNowArgs, type Engine } from './engines.js';
import { runCase, type BenchOptions, type CaseResult } from './experiment.js';
import { KEEP_ALIVE } from './container-run.js';
import { firstResponse, freePort } from './net.js';
import type { Candidate, RunOutcome } from './runner.js';

const exec = promisify(execFile);
const SERVER_PORT = 8080;

interface Workload {
  name: string;
  description: string;
  /** The sh script timed; `dir` is writable scratch space, `port` the web server's on this side. */
  script(dir: string, port: number): string;
  /** "host": the client runs on the host against the container's server (the NAT path). */
  client: 'inside' | 'host';
  /** MiB of the file the web server serves (0: no server). */
  serveMiB: number;
}

function workloads(quick: boolean): Workload[] {
  const q = (full: number, small: number): number => (quick ? small : full);
  // --quick sizes still last ~0.1-0.3 s natively here: busybox `time` has 10 ms resolution
  const cpu = q(256, 64);
  const mem = q(16384, 8192);
  const disk = q(256, 64);
  const netMiB = q(512, 128);
  return [
    { name: 'cpu', description: `sha256 of ${cpu} MiB of zeros`, client: 'inside', serveMiB: 0, script: () => `dd if=/dev/zero bs=1M count=${cpu} 2>/dev/null | sha256sum >/dev/null` },
    { name: 'memory', description: `copy ${mem} MiB from /dev/zero to /dev/null in 1 MiB blocks`, client: 'inside', serveMiB: 0, script: () => `dd if=/dev/zero of=/dev/null bs=1M count=${mem} 2>/dev/null` },
    { name: 'disk', description: `write ${disk} MiB and fsync (container: in its rootfs)`, client: 'inside', serveMiB: 0, script: (d) => `dd if=/dev/zero of=${d}/disk.bin bs=1M count=${disk} conv=fsync 2>/dev/null && rm ${d}/disk.bin` },
    { name: 'loopback', description: `HTTP download of ${netMiB} MiB over 127.0.0.1 in the same network namespace`, client: 'inside', serveMiB: netMiB, script: (_d, p) => `wget -q -O /dev/null http://127.0.0.1:${p}/big` },
    { name: 'published port', description: `HTTP download of ${netMiB} MiB from the host through the published port (bridge: NAT) or the host network`, client: 'host', serveMiB: netMiB, script: (_d, p) => `busybox wget -q -O /dev/null http://127.0.0.1:${p}/big` },
  ];
}

export async function overheadExperiment(opts: BenchOptions, imageTar: string): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const list = workloads(opts.quick);
  for (const [i, w] of list.entries()) {
    const candidates: Candidate[] = [nativeCandidate(w)];
    for (const engine of [pureEngine(opts.pureSocket), dockerEngine(), podmanEngine()]) {
      for (const mode of ['bridge', 'host'] as const) candidates.push(containerWorkload(engine, mode, w, imageTar));
    }
    out.push(
      await runCase(opts, {
        experiment: 'overhead',
        name: w.name,
        description: w.description,
        phases: ['workload'],
        totalMeans: 'the workload, timed where it runs (busybox time)',
        candidates,
        baseline: 'native',
        casesLeft: list.length - i,
      }),
    );
  }
  return out;
}

/** Run `sh -c script` under busybox time via `runner` (host or exec) and return the "real" time in ns. */
async function timed(run: (argv: string[]) => Promise<string>, script: string): Promise<RunOutcome> {
  const text = await run(['sh', '-c', `time sh -c '${script}' 2>&1`]);
  const m = /real\s+(\d+)m\s*([\d.]+)s/.exec(text);
  if (!m) throw new Internal(`no "real" time in the workload's output: ${text.slice(-200)}`);
  const ns = (Number(m[1]) * 60 + Number(m[2])) * 1e9;
  return { phasesNs: { workload: ns }, totalNs: ns };
}

const hostSh = (argv: string[]): Promise<string> => exec('busybox', argv, { maxBuffer: 2 ** 20 }).then((r) => r.stdout + r.stderr);

function nativeCandidate(w: Workload): Candidate {
  let dir = '';
  let port = 0;
  let server: ChildProcess | undefined;
  return {
    name: 'native',
    async setup() {
      dir = await mkdtemp(join('/var/tmp', 'pure-bench-native-'));
      if (w.serveMiB > 0) {
        await exec('busybox', ['dd', 'if=/dev/zero', `of=${dir}/big`, 'bs=1M', `count=${w.serveMiB}`]);
        port = await freePort();
        server = spawn('busybox', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', dir], { stdio: 'ignore' });
        await firstResponse(port).catch(() => {}); // "/" is a 404 here; any answer means it listens
      }
    },
    run: () => timed(hostSh, w.script(dir, port)),
    async teardown() {
      server?.kill();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function containerWorkload(engine: Engine, mode: 'bridge' | 'host', w: Workload, imageTar: string): Candidate {
  let id = '';
  let port = 0;
  return {
    name: `${engine.name} ${mode}`,
    async setup() {
      await readyEngine(engine);
      if (engine.name === 'docker' && mode === 'bridge') {
        await engineCli(engine, ['network', 'inspect', 'bridge']).catch(() => {
          throw new Unavailable('dockerd has no "bridge" network (it runs with --bridge=none here)');
        });
      }
      await ensureImage(engine, BENCH_IMAGE, imageTar);
      port = await freePort();
      const flags = mode === 'host' ? ['--network', 'host'] : ['--network', 'bridge', '-p', `127.0.0.1:${port}:${SERVER_PORT}`];
      id = (await engineCli(engine, ['run', '-d', ...flags, BENCH_IMAGE, ...KEEP_ALIVE])).split('\n').pop() ?? '';
      if (w.serveMiB > 0) {
        const inner = mode === 'host' ? port : SERVER_PORT;
        await engineCli(engine, ['exec', id, 'sh', '-c', `mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/big bs=1M count=${w.serveMiB} 2>/dev/null && httpd -p ${inner} -h /tmp/www`]);
        if (w.client === 'inside') port = inner;
      }
    },
    run: () =>
      w.client === 'host'
        ? timed(hostSh, w.script('', port))
        : timed((argv) => engineCli(engine, ['exec', id, ...argv]), w.script('/work', port)),
    async teardown() {
      if (id) await engineCli(engine, removeNowArgs(engine, [id])).catch(() => {});
    },
  };
}
