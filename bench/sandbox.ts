/**
 * Sandbox jobs, request to result: `sh -c 'echo hi'` submitted through the API (POST /v1/jobs?wait) on a warm
 * pool, cold (warm: false), against `docker run --rm --network none IMG sh -c 'echo hi'`, interleaved; then
 * jobs per second with 1, 2, 4, 8 clients submitting back to back, and with a full queue (one batch of
 * --queue-jobs jobs) on daemons restarted with --sandbox-concurrency 1, 2, 4, 8; each with the CPU each job cost (the daemon and
 * everything it started and reaped: runc, the sandboxes' processes, mount/umount; from /proc/<daemon>/stat) and
 * the machine's CPU busy share meanwhile (/proc/stat: the host is shared, so other work shows there too).
 * Starts its own daemon on temp roots.
 *
 *   npx tsx bench/sandbox.ts [--runs 40] [--jobs 80] [--queue-jobs 200]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir, cpus, totalmem, release } from 'node:os';
import { join, resolve } from 'node:path';
import { makeBusyboxTar } from '../test/fixtures/busybox.js';

const REPO = resolve(import.meta.dirname, '..');
const PURE = join(REPO, 'bin', 'pure');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 40);
const JOBS = arg('jobs', 80);
const QUEUE_JOBS = arg('queue-jobs', 200);
const DOCKER_IMG = 'pure-bench/busybox';

interface JobAnswer {
  id?: string;
  state?: string;
  result?: { status: string; stdout: string; warm?: boolean };
  jobs?: { id: string }[];
}

function post(socket: string, path: string, body?: unknown, method = 'POST'): Promise<{ status: number; body: JobAnswer }> {
  return new Promise((res, rej) => {
    const data = Buffer.from(body === undefined ? '' : JSON.stringify(body));
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': data.length };
    const req = request({ socketPath: socket, method, path, headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (b: Buffer) => chunks.push(b));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as never }));
    });
    req.on('error', rej);
    req.end(data);
  });
}

const TICK_MS = 10; // USER_HZ 100

/** CPU of a process, ms: its own (utime + stime) and its waited-for children's (cutime + cstime). */
function processCpuMs(pid: number): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14..17 of proc(5); f[0] is field 3
  return { own: (Number(f[11]) + Number(f[12])) * TICK_MS, children: (Number(f[13]) + Number(f[14])) * TICK_MS };
}

/** [busy, total] jiffies of the whole machine. */
function machineTicks(): [number, number] {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return [total - idle, total];
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

async function main(): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'pure-bench-sbx-'));
  const runRoot = await mkdtemp('/run/pure-bench-sbx-');
  const socket = join(runRoot, 'pure.sock');
  const launch = async (concurrency: number): Promise<ChildProcess> => {
    await rm(socket, { force: true });
    const p = spawn(PURE, ['daemon', '--root', join(base, 'root'), '--run-root', runRoot, '--cgroup-parent', '/pure-bench-sbx', '--sandbox-concurrency', String(concurrency), '--sandbox-warm', '4'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; i < 400 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 25));
    return p;
  };
  const stop = async (p: ChildProcess): Promise<void> => {
    if (p.exitCode !== null) return;
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  };
  let daemon = await launch(8);
  try {
    const env = { ...process.env, PURE_SOCKET: socket };
    const tar = join(base, 'busybox.tar');
    await makeBusyboxTar(tar);
    const imp = spawnSync(PURE, ['import', tar, 'busybox'], { env, encoding: 'utf8' });
    if (imp.status !== 0) throw new Error(`import: ${imp.stderr}`);
    const job = { image: 'busybox', command: ['sh', '-c', 'echo hi'] };
    const timeJob = async (warm: boolean, mustBeWarm = warm): Promise<number> => {
      const t = process.hrtime.bigint();
      const r = await post(socket, '/v1/jobs?wait=60', { ...job, warm });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.body.result?.status !== 'ok' || r.body.result.stdout !== 'hi\n') throw new Error(`job failed: ${JSON.stringify(r.body)}`);
      if (mustBeWarm && r.body.result.warm !== true) throw new Error('a warm job ran cold: the pool did not keep up');
      return ms;
    };
    const timeDocker = (): number => {
      const t = process.hrtime.bigint();
      const r = spawnSync('docker', ['run', '--rm', '--network', 'none', DOCKER_IMG, 'sh', '-c', 'echo hi'], { encoding: 'utf8' });
      if (r.stdout !== 'hi\n') throw new Error(`docker: ${r.stderr}`);
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const hasDocker = spawnSync('docker', ['image', 'inspect', DOCKER_IMG]).status === 0;
    // warm-up: first job makes the image rootfs and the pool
    for (let i = 0; i < 5; i++) await timeJob(false);
    await timeJob(true, false);
    await new Promise((r) => setTimeout(r, 1500));
    const samples: Record<string, number[]> = { 'pure job, warm pool': [], 'pure job, cold': [], 'docker run': [] };
    for (let i = 0; i < RUNS; i++) {
      // one at a time, each after the pool refilled: latency, not the refill race
      samples['pure job, warm pool']!.push(await timeJob(true));
      await new Promise((r) => setTimeout(r, 250));
      samples['pure job, cold']!.push(await timeJob(false));
      if (hasDocker) samples['docker run']!.push(timeDocker());
    }
    const dockerP50 = hasDocker ? pct(samples['docker run']!, 50) : NaN;
    console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, kernel ${release()}\n`);
    console.log(`| ${RUNS} runs each | p50 ms | p90 ms | p99 ms | max ms | p50 / docker p50 |`);
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, xs] of Object.entries(samples)) {
      if (xs.length === 0) continue;
      console.log(`| ${name} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 90).toFixed(1)} | ${pct(xs, 99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} | ${(pct(xs, 50) / dockerP50).toFixed(3)} |`);
    }
    console.log(`\n| clients | jobs | seconds | jobs/s | warm hits | CPU ms per job: daemon + children (runc, sandboxes, mount) | machine CPU busy |`);
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of [1, 2, 4, 8]) {
      let next = 0;
      let warmHits = 0;
      const cpu0 = processCpuMs(daemon.pid ?? 0);
      const [busy0, total0] = machineTicks();
      const t = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: c }, async () => {
          while (next < JOBS) {
            next++;
            const r = await post(socket, '/v1/jobs?wait=120', job);
            if (r.body.result?.status !== 'ok') throw new Error(`job failed: ${JSON.stringify(r.body)}`);
            if (r.body.result.warm) warmHits++;
          }
        }),
      );
      const s = Number(process.hrtime.bigint() - t) / 1e9;
      // the sandboxes of the last jobs are destroyed in the background: let that finish before counting
      await new Promise((r) => setTimeout(r, 1000));
      const cpu1 = processCpuMs(daemon.pid ?? 0);
      const own = (cpu1.own - cpu0.own) / JOBS;
      const children = (cpu1.children - cpu0.children) / JOBS;
      const [busy1, total1] = machineTicks();
      const busyShare = (busy1 - busy0) / (total1 - total0);
      console.log(`| ${c} | ${JOBS} | ${s.toFixed(2)} | ${(JOBS / s).toFixed(1)} | ${warmHits} | ${own.toFixed(0)} + ${children.toFixed(0)} = ${(own + children).toFixed(0)} | ${(busyShare * 100).toFixed(0)} % |`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(`\nFull queue: one batch of ${QUEUE_JOBS} jobs, submit to the last result, daemon restarted per row.\n`);
    console.log(`| --sandbox-concurrency | jobs | seconds | jobs/s | warm hits | CPU ms per job: daemon + children | machine CPU busy |`);
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of [1, 2, 4, 8]) {
      await stop(daemon);
      daemon = await launch(c);
      // the pool forms on the profile's first job; let it fill
      await timeJob(true, false);
      await new Promise((r) => setTimeout(r, 1500));
      const cpu0 = processCpuMs(daemon.pid ?? 0);
      const [busy0, total0] = machineTicks();
      const t = process.hrtime.bigint();
      const batch = await post(socket, '/v1/jobs', { jobs: Array.from({ length: QUEUE_JOBS }, () => job) });
      if (batch.status !== 202 || !batch.body.jobs) throw new Error(`batch: ${JSON.stringify(batch.body)}`);
      const done = await Promise.all(batch.body.jobs.map((j) => post(socket, `/v1/jobs/${j.id}?wait=300`, undefined, 'GET')));
      const s = Number(process.hrtime.bigint() - t) / 1e9;
      if (done.some((d) => d.body.result?.status !== 'ok')) throw new Error('a queued job failed');
      const warmHits = done.filter((d) => d.body.result?.warm === true).length;
      await new Promise((r) => setTimeout(r, 1000));
      const cpu1 = processCpuMs(daemon.pid ?? 0);
      const [busy1, total1] = machineTicks();
      const own = (cpu1.own - cpu0.own) / QUEUE_JOBS;
      const children = (cpu1.children - cpu0.children) / QUEUE_JOBS;
      console.log(`| ${c} | ${QUEUE_JOBS} | ${s.toFixed(2)} | ${(QUEUE_JOBS / s).toFixed(1)} | ${warmHits} | ${own.toFixed(0)} + ${children.toFixed(0)} = ${(own + children).toFixed(0)} | ${(((busy1 - busy0) / (total1 - total0)) * 100).toFixed(0)} % |`);
    }
  } finally {
    await stop(daemon);
    await rm(base, { recursive: true, force: true });
    await rm(runRoot, { recursive: true, force: true });
  }
}

await main();
