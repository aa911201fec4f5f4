/**
 * `net`: the study's "network setup time" — create, start, exec the web server (busybox httpd, detached),
 * then the first HTTP response on the host (t_r − t_e): through a published port on 127.0.0.1 (bridge, NAT by
 * the engine's port mapping) and with host networking.
 */
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Internal, Unavailable } from '../errors/index.js';
import { containerCandidate, execStep, type ContainerStep } from './container-run.js';
import { BENCH_IMAGE } from './datasets.js';
import { dockerEngine, engineCli, podmanEngine, pureEngine, type Engine } from './engines.js';
import { runCase, type BenchOptions, type CaseResult } from './experiment.js';
import type { Candidate } from './runner.js';

const CONTAINER_PORT = 8080;

export async function netExperiment(opts: BenchOptions, imageTar: string): Promise<CaseResult[]> {
  const engines: Engine[] = [pureEngine(opts.pureSocket), dockerEngine(), podmanEngine()];
  const candidates: Candidate[] = [];
  for (const engine of engines) {
    for (const mode of ['bridge', 'host'] as const) candidates.push(httpCandidate(engine, mode, imageTar));
  }
  return [
    await runCase(opts, {
      experiment: 'net',
      name: 'first http response',
      description: 'create, start, exec `httpd` (detached), then GET / from the host until the first 200',
      phases: ['create', 'start', 'exec', 'response'],
      totalMeans: 'create + start + exec + response',
      candidates,
      baseline: 'docker host',
    }),
  ];
}

function httpCandidate(engine: Engine, mode: 'bridge' | 'host', imageTar: string): Candidate {
  let port = 0;
  const steps: ContainerStep[] = [
    // with host networking the server binds the free host port itself; behind the bridge, the fixed one
    { phase: 'exec', run: (e, id) => execStep('exec', ['httpd', '-p', String(mode === 'host' ? port : CONTAINER_PORT), '-h', '/var/www']).run(e, id) },
    { phase: 'response', run: () => firstResponse(port) },
  ];
  const c = containerCandidate(`${engine.name} ${mode}`, engine, {
    image: BENCH_IMAGE,
    imageTar,
    async createFlags() {
      port = await freePort();
      return mode === 'host' ? ['--network', 'host'] : ['--network', 'bridge', '-p', `127.0.0.1:${port}:${CONTAINER_PORT}`];
    },
    steps,
  });
  if (engine.name !== 'docker' || mode !== 'bridge') return c;
  return {
    ...c,
    async setup() {
      // dockerd here may run with --bridge=none: then it has no "bridge" network to publish through
      await engineCli(engine, ['network', 'inspect', 'bridge'], { timeoutMs: 30_000 }).catch(() => {
        throw new Unavailable('dockerd has no "bridge" network (it runs with --bridge=none here)');
      });
      await c.setup?.();
    },
  };
}

/** A TCP port free on 127.0.0.1 right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Internal('no port'))));
    });
  });
}

/** GET http://127.0.0.1:port/ until a 200 arrives; refused or reset connections are retried every 2 ms for 20 s. */
export async function firstResponse(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const status = await new Promise<number | string>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve(e.message));
    });
    if (status === 200) return;
    last = String(status);
    await sleep(2);
  }
  throw new Internal(`no HTTP 200 from 127.0.0.1:${port} within ${timeoutMs} ms (last: ${last})`);
}
