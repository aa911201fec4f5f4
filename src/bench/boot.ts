/**
 * `boot`: the study's "booting time" — create (t_c − t0), start (t_s − t_c) and execute (t_e − t_s) of
 * `/bin/echo Hello World` in a container of the bench image, for every engine and configuration here.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Internal, Unavailable } from '../errors/index.js';
import { containerCandidate, execStep, KEEP_ALIVE } from './container-run.js';
import { BENCH_IMAGE } from './datasets.js';
import { dockerEngine, podmanEngine, pureEngine, spawnDetached } from './engines.js';
import { runCase, type BenchOptions, type CaseResult } from './experiment.js';
import { startPrivateDaemon, type PrivateDaemon } from './private-daemon.js';
import type { Candidate, RunOutcome } from './runner.js';
import { UnixJsonClient } from './unix-http.js';

const exec = promisify(execFile);
export const HELLO = ['/bin/echo', 'Hello', 'World'];

export async function bootExperiment(opts: BenchOptions, imageTar: string, rootfsDir: string): Promise<CaseResult[]> {
  const plan = (network: string) => ({ image: BENCH_IMAGE, imageTar, createFlags: () => ['--network', network], steps: [execStep('exec', HELLO)] });
  let copyDaemon: PrivateDaemon | undefined;
  const copyEngine = { ...pureEngine(''), name: 'pure (copy)' };
  const candidates: Candidate[] = [
    containerCandidate('pure overlay', pureEngine(opts.pureSocket), plan('none')),
    containerCandidate('pure copy', copyEngine, plan('none'), {
      async setup() {
        copyDaemon = await startPrivateDaemon({ snapshotter: 'copy' });
        copyEngine.env = { ...process.env, PURE_SOCKET: copyDaemon.socket };
      },
      teardown: async () => copyDaemon?.stop(),
    }),
    containerCandidate('pure bridge', pureEngine(opts.pureSocket), plan('bridge')),
    sandboxCandidate('pure sandbox warm', opts.pureSocket, true),
    sandboxCandidate('pure sandbox cold', opts.pureSocket, false),
    containerCandidate('docker', dockerEngine(), plan('none')),
    containerCandidate('podman', podmanEngine(), plan('none')),
    runcCandidate('runc', rootfsDir),
  ];
  return [
    await runCase(opts, {
      experiment: 'boot',
      name: 'hello world',
      description: 'create, start, then exec `/bin/echo Hello World` in a running container (network none unless named)',
      phases: ['create', 'start', 'exec'],
      totalMeans: 'create + start + exec (sandbox: submit → verdict, one phase)',
      candidates,
      baseline: 'docker',
    }),
  ];
}

/**
 * Bare runc on a prepared bundle (the bench image's rootfs as a plain directory, `runc spec`'s config):
 * `runc create`, `runc start`, `runc exec` — the floor under every runc-based engine.
 */
function runcCandidate(name: string, rootfsDir: string): Candidate {
  let dir = '';
  let seq = 0;
  const state = (): string => join(dir, 'state');
  return {
    name,
    async setup() {
      await exec('runc', ['--version']).catch(() => {
        throw new Unavailable("'runc' is not on PATH");
      });
      dir = await mkdtemp(join(tmpdir(), 'pure-bench-runc-'));
      const bundle = join(dir, 'bundle');
      await mkdir(bundle);
      await exec('runc', ['spec', '--bundle', bundle]);
      const configPath = join(bundle, 'config.json');
      const config = JSON.parse(await readFile(configPath, 'utf8')) as { root: { path: string; readonly: boolean }; process: { terminal: boolean; args: string[] } };
      // The rootfs is shared read-only by every run: runc writes nothing into it with readonly: true.
      config.root = { path: rootfsDir, readonly: true };
      config.process.terminal = false;
      config.process.args = KEEP_ALIVE;
      await writeFile(configPath, JSON.stringify(config));
    },
    async run(): Promise<RunOutcome> {
      const id = `pure-bench-${process.pid}-${++seq}`;
      const runc = (...a: string[]): string[] => ['runc', '--root', state(), ...a];
      const t0 = process.hrtime.bigint();
      await spawnDetached(runc('create', '--bundle', join(dir, 'bundle'), id));
      const tc = process.hrtime.bigint();
      try {
        await spawnDetached(runc('start', id));
        const ts = process.hrtime.bigint();
        const { stdout } = await exec('runc', ['--root', state(), 'exec', id, ...HELLO]);
        const te = process.hrtime.bigint();
        if (stdout.trim() !== 'Hello World') throw new Internal(`runc exec printed ${JSON.stringify(stdout)}`);
        const phasesNs = { create: Number(tc - t0), start: Number(ts - tc), exec: Number(te - ts) };
        return { phasesNs, totalNs: Number(te - t0) };
      } finally {
        await exec('runc', ['--root', state(), 'delete', '--force', id]).catch(() => {});
      }
    },
    async teardown() {
      if (!dir) return;
      const listed = await exec('runc', ['--root', state(), 'list', '-q']).then((r) => r.stdout, () => '');
      for (const id of listed.split('\n').filter(Boolean)) await exec('runc', ['--root', state(), 'delete', '--force', id]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface JobAnswer {
  state?: string;
  result?: { status?: string; stdout?: string; warm?: boolean; error?: string };
}

/** A sandbox job (POST /v1/jobs?wait=…) running the same command, from a warm pool or cold. One phase: submit → verdict. */
function sandboxCandidate(name: string, socket: string, warm: boolean): Candidate {
  const client = new UnixJsonClient(socket, { timeoutMs: 120_000 });
  const submit = async (): Promise<JobAnswer> => {
    const res = await client.request('POST', '/v1/jobs?wait=60', { image: BENCH_IMAGE, command: HELLO, warm });
    if (res.status === 404) throw new Unavailable('this daemon serves no sandbox API (POST /v1/jobs → 404)');
    if (res.status !== 200) throw new Internal(`POST /v1/jobs → ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
    return res.body as JobAnswer;
  };
  return {
    name,
    async setup() {
      const answer = await submit().catch((e: unknown) => {
        if (e instanceof Unavailable) throw e;
        throw new Unavailable(`the sandbox does not run jobs here: ${e instanceof Error ? e.message : String(e)}`);
      });
      if (answer.result?.status !== 'ok') throw new Unavailable(`the sandbox job did not succeed: ${answer.result?.status ?? answer.state} ${answer.result?.error ?? ''}`);
    },
    async run(): Promise<RunOutcome> {
      const t0 = process.hrtime.bigint();
      const answer = await submit();
      const ns = Number(process.hrtime.bigint() - t0);
      if (answer.result?.status !== 'ok' || answer.result.stdout?.trim() !== 'Hello World') {
        throw new Internal(`sandbox job: ${answer.result?.status ?? answer.state}: ${answer.result?.error ?? answer.result?.stdout ?? ''}`);
      }
      return { phasesNs: { job: ns }, totalNs: ns };
    },
    teardown() {
      client.close();
      return Promise.resolve();
    },
  };
}
